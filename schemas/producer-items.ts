import { z } from 'zod';
import { conversationStarted, messageSent, prioritySchema } from './canonical-events';

/** The producers' tables of SPEC §2.1, whose streams Clara Pulse reads. */
export const PRODUCER_TABLES = ['chat-sessions', 'messages', 'escalations'] as const;
export type ProducerTable = (typeof PRODUCER_TABLES)[number];

/** Each table's key attributes (partition key first), as the producers define them. */
export const PRODUCER_TABLE_KEYS = {
  'chat-sessions': ['sessionId'],
  messages: ['conversationId', 'timestamp'],
  escalations: ['escalationId'],
} as const satisfies Record<ProducerTable, readonly string[]>;

// The item fields reuse the canonical field rules, so that an item accepted here always yields
// events that the canonical schema accepts too.
const isoInstant = conversationStarted.shape.occurredAt;
const id = conversationStarted.shape.conversationId;
const language = conversationStarted.shape.language;

/** An attribute the producer may leave out, or write as DynamoDB NULL; both read as absent. */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const chatSessionItemSchema = z.object({
  sessionId: id,
  userId: optional(id),
  language,
  region: optional(conversationStarted.shape.region.unwrap()),
  status: z.enum(['active', 'ended']),
  startTime: isoInstant,
  lastActivity: isoInstant,
  endTime: optional(isoInstant),
  messageCount: optional(z.number().int().nonnegative()),
  ttl: optional(z.number()),
});

export const messageItemSchema = z.object({
  conversationId: id,
  timestamp: isoInstant,
  messageId: id,
  sender: messageSent.shape.sender,
  language: optional(language),
  processingTime: optional(messageSent.shape.processingTimeMs.unwrap()),
});

/** The attribute that records when an escalation reached each status past `pending`. */
export const ESCALATION_STATUS_TIMESTAMP = {
  in_progress: 'assignedAt',
  resolved: 'resolvedAt',
  failed: 'failedAt',
} as const;

export const escalationItemSchema = z
  .object({
    escalationId: id,
    sessionId: optional(id),
    priority: prioritySchema,
    status: z.enum(['pending', 'in_progress', 'resolved', 'failed']),
    timestamp: isoInstant,
    assignedAt: optional(isoInstant),
    resolvedAt: optional(isoInstant),
    failedAt: optional(isoInstant),
  })
  // A status without its time cannot be placed in any window, so the item is refused, not guessed.
  .superRefine((item, ctx) => {
    if (item.status === 'pending') return;
    const attribute = ESCALATION_STATUS_TIMESTAMP[item.status];
    if (item[attribute] === undefined) {
      ctx.addIssue({ code: 'custom', path: [attribute], message: `missing, required when status is ${item.status}` });
    }
  });

export type ChatSessionItem = z.output<typeof chatSessionItemSchema>;
export type MessageItem = z.output<typeof messageItemSchema>;
export type EscalationItem = z.output<typeof escalationItemSchema>;
/** An item as a producer writes it (before `urgent` → `critical`), for tests and fixtures. */
export type ChatSessionItemInput = z.input<typeof chatSessionItemSchema>;
export type MessageItemInput = z.input<typeof messageItemSchema>;
export type EscalationItemInput = z.input<typeof escalationItemSchema>;
