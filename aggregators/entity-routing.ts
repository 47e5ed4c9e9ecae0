import type { PulseEvent } from '../schemas/pulse-events';

/** Entity keys: the partition key on the internal stream, and the entity's item in the metrics table. */
export const conversationKey = (id: string): string => `C#${id}`;
export const escalationKey = (id: string): string => `E#${id}`;
export const userKey = (id: string): string => `U#${id}`;
export const factKey = (eventId: string): string => `F#${eventId}`;

/**
 * The entity an event belongs to. It is also the partition key on the internal stream, so all
 * events of one entity land on one shard and are applied by one writer, in order.
 */
export function entityKeyOf(event: PulseEvent): string {
  switch (event.type) {
    case 'conversation.started':
    case 'conversation.activity':
    case 'conversation.ended':
    case 'message.sent':
      return conversationKey(event.conversationId);
    case 'escalation.created':
    case 'escalation.assigned':
    case 'escalation.resolved':
    case 'escalation.failed':
      return escalationKey(event.escalationId);
    case 'user.share':
      return userKey(event.userId);
    case 'request.completed':
    case 'system.sample':
    case 'function.invocation':
      return factKey(event.eventId);
  }
}

/** Telemetry facts: counted straight from a sequenced transport, no entity needed. */
export const isTelemetryFact = (event: PulseEvent): boolean =>
  event.type === 'request.completed' || event.type === 'system.sample' || event.type === 'function.invocation';
