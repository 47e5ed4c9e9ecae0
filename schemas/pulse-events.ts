import { z } from 'zod';
import { FRESHNESS_SOURCES } from './alert-rules';
import { canonicalEventSchema } from './canonical-events';

/**
 * Clara Pulse's own event, written by the aggregator to its internal stream: a conversation
 * whose start is known tells its user its start and activity minutes. It is the conversation's
 * whole current share (`start: null` withdraws it, when the conversation turns out to belong to
 * another user), and `revision` orders the shares of one conversation, so a user keeps the
 * newest and applying one twice changes nothing.
 */
export const userShareSchema = z.object({
  eventId: z.string().min(1),
  type: z.literal('user.share'),
  occurredAt: z.iso.datetime({ offset: true }),
  userId: z.string().min(1),
  conversationId: z.string().min(1),
  /** `<lane>|<padded sequence>` of the conversation's last applied record. */
  revision: z.string().min(1),
  start: z.number().int().nullable(),
  activity: z.array(z.number().int()),
});
export type UserShare = z.output<typeof userShareSchema>;

/** What travels on the internal `pulse-events` stream: canonical events and user shares. */
export const pulseEventSchema = z.union([canonicalEventSchema, userShareSchema]);
export type PulseEvent = z.output<typeof pulseEventSchema>;

/**
 * A record of the internal stream: the event, the transport it first came through and when it
 * entered that transport — so the aggregator can report each source's freshness end to end.
 */
export const pulseRecordSchema = z.object({
  source: z.enum(FRESHNESS_SOURCES),
  enteredAt: z.number().int(),
  event: pulseEventSchema,
});
export type PulseRecord = z.output<typeof pulseRecordSchema>;
