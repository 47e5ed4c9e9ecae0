import { z } from 'zod';

/** The event types of SPEC §2.2 — the one list that the schemas, folds and tests share. */
export const EVENT_TYPES = [
  'conversation.started',
  'conversation.activity',
  'conversation.ended',
  'message.sent',
  'escalation.created',
  'escalation.assigned',
  'escalation.resolved',
  'escalation.failed',
  'request.completed',
  'system.sample',
  'function.invocation',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

const isoInstant = z.iso.datetime({ offset: true }).describe('ISO-8601 instant');
const id = z.string().min(1).max(512);
const nonNegative = z.number().finite().nonnegative();
const percent = z.number().finite().min(0).max(100);

const base = { eventId: id, occurredAt: isoInstant };

/** `urgent` is a legacy spelling of `critical` (SPEC §2.1). */
export const prioritySchema = z.enum(['low', 'medium', 'high', 'critical', 'urgent']).transform((p) => (p === 'urgent' ? 'critical' : p));

export const conversationStarted = z.object({
  ...base,
  type: z.literal('conversation.started'),
  conversationId: id,
  userId: id.optional(),
  language: z.string().min(2).max(16),
  region: z.string().min(1).max(64).optional(),
});
export const conversationActivity = z.object({ ...base, type: z.literal('conversation.activity'), conversationId: id });
export const conversationEnded = z.object({ ...base, type: z.literal('conversation.ended'), conversationId: id });
export const messageSent = z.object({
  ...base,
  type: z.literal('message.sent'),
  conversationId: id,
  messageId: id,
  sender: z.enum(['user', 'bot']),
  processingTimeMs: nonNegative.optional(),
});
export const escalationCreated = z.object({
  ...base,
  type: z.literal('escalation.created'),
  escalationId: id,
  conversationId: id.optional(),
  priority: prioritySchema,
});
export const escalationAssigned = z.object({ ...base, type: z.literal('escalation.assigned'), escalationId: id });
export const escalationResolved = z.object({ ...base, type: z.literal('escalation.resolved'), escalationId: id });
export const escalationFailed = z.object({ ...base, type: z.literal('escalation.failed'), escalationId: id });
export const requestCompleted = z.object({
  ...base,
  type: z.literal('request.completed'),
  service: id,
  latencyMs: nonNegative,
  statusCode: z.number().int().min(100).max(599),
});
export const systemSample = z.object({
  ...base,
  type: z.literal('system.sample'),
  source: id,
  cpuPercent: percent,
  memoryPercent: percent,
  diskPercent: percent,
  networkLatencyMs: nonNegative.optional(),
});
export const functionInvocation = z.object({
  ...base,
  type: z.literal('function.invocation'),
  functionName: id,
  durationMs: nonNegative,
  error: z.boolean(),
  throttled: z.boolean(),
});

/** The events of SPEC §2.2, by `type`, as zod parses them; `canonicalEventSchema` is this, compiled. */
export const canonicalEventUnion = z.discriminatedUnion('type', [
  conversationStarted,
  conversationActivity,
  conversationEnded,
  messageSent,
  escalationCreated,
  escalationAssigned,
  escalationResolved,
  escalationFailed,
  requestCompleted,
  systemSample,
  functionInvocation,
]);

/**
 * Compiled (zod's own `z.compile`): a valid event takes a generated fast path, an invalid one
 * the regular parser, so results and error messages are the regular parser's. Validation was
 * about a fifth of the fold's time per event.
 */
export const canonicalEventSchema = z.compile(canonicalEventUnion);

/** A validated canonical event; `priority` is already normalised (`urgent` → `critical`). */
export type CanonicalEvent = z.output<typeof canonicalEventSchema>;
/** What a producer may send, before normalisation. */
export type CanonicalEventInput = z.input<typeof canonicalEventSchema>;
export type EventOf<T extends EventType> = Extract<CanonicalEvent, { type: T }>;
export type Priority = EventOf<'escalation.created'>['priority'];
