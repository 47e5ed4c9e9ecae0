import { z } from 'zod';
import { canonicalEventSchema } from './canonical-events';

/**
 * Entity states as the metrics table keeps them (one JSON attribute each), checked on the way
 * back in; the TypeScript types are inferred from here. Every field only grows by union (times
 * and minutes are sorted sets) or is set once by the earliest describing event, so the state
 * after a set of events is the same whatever order they came in and however often each came.
 */
const times = z.array(z.number());
/** Which event set an entity's descriptive fields: the earliest one, ties broken by eventId. */
const descriptionSchema = z.object({ at: z.number(), eventId: z.string() });

const conversationStateSchema = z.object({
  kind: z.literal('conversation'),
  id: z.string(),
  /** epoch ms of each start seen; the earliest is the start */
  starts: times,
  /** minutes of messages and activity events (the start's minute is added when read) */
  activity: times,
  /** epoch ms of each end seen; the earliest is the end */
  ends: times,
  /** keys of the messages already counted (sorted): a message counts once however often it comes */
  messages: z.array(z.string()),
  describedBy: descriptionSchema.optional(),
  language: z.string().optional(),
  region: z.string().optional(),
  userId: z.string().optional(),
});

const escalationStateSchema = z.object({
  kind: z.literal('escalation'),
  id: z.string(),
  created: times,
  assigned: times,
  resolved: times,
  failed: times,
  describedBy: descriptionSchema.optional(),
  /** as read by prioritySchema: `urgent` is already `critical` */
  priority: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  conversationId: z.string().optional(),
});

/** What one conversation contributes to its user: the newest share it sent. */
const conversationShareSchema = z.object({ revision: z.string(), start: z.number().nullable(), activity: times });

const userStateSchema = z.object({
  kind: z.literal('user'),
  id: z.string(),
  /** By conversationId. First seen = the earliest start; activity = the union of their minutes. */
  conversations: z.record(z.string(), conversationShareSchema),
});

/** A telemetry fact that came without a sequence number (EventBridge): counted once by its id. */
const factStateSchema = z.object({ kind: z.literal('fact'), id: z.string(), event: canonicalEventSchema });

const entityStateSchema = z.discriminatedUnion('kind', [conversationStateSchema, escalationStateSchema, userStateSchema, factStateSchema]);

export type Description = z.infer<typeof descriptionSchema>;
export type ConversationState = z.infer<typeof conversationStateSchema>;
export type EscalationState = z.infer<typeof escalationStateSchema>;
export type ConversationShare = z.infer<typeof conversationShareSchema>;
export type UserState = z.infer<typeof userStateSchema>;
export type FactState = z.infer<typeof factStateSchema>;
export type EntityState = z.infer<typeof entityStateSchema>;
export type EntityKind = EntityState['kind'];

export const parseEntityState = (json: unknown): EntityState => entityStateSchema.parse(json);
