import { z } from 'zod';
import type { EntityState } from '../aggregators/entity-state';
import { canonicalEventSchema, prioritySchema } from './canonical-events';

/** Entity states as stored in the metrics table (JSON), checked on the way back in. */
const times = z.array(z.number());
const description = z.object({ at: z.number(), eventId: z.string() }).optional();
const entityStateSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('conversation'),
    id: z.string(),
    starts: times,
    activity: times,
    ends: times,
    describedBy: description,
    messages: z.record(z.string(), z.object({ at: z.number(), bot: z.boolean(), processingTimeMs: z.number().optional() })),
    language: z.string().optional(),
    region: z.string().optional(),
    userId: z.string().optional(),
  }),
  z.object({
    kind: z.literal('escalation'),
    id: z.string(),
    created: times,
    assigned: times,
    resolved: times,
    failed: times,
    describedBy: description,
    priority: prioritySchema.optional(),
    conversationId: z.string().optional(),
  }),
  z.object({
    kind: z.literal('user'),
    id: z.string(),
    conversations: z.record(z.string(), z.object({ revision: z.string(), start: z.number().nullable(), activity: times })),
  }),
  z.object({ kind: z.literal('fact'), id: z.string(), event: canonicalEventSchema }),
]);

export const parseEntityState = (json: unknown): EntityState => entityStateSchema.parse(json);
