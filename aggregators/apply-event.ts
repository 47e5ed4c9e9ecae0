import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseEvent } from '../schemas/pulse-events';
import { type ConversationState, type Description, type EntityState, type EscalationState, messageKeyOf, type UserState, union, withKey } from './entity-state';
import { epochMsOf, minuteOf } from './time';

const newConversation = (id: string): ConversationState => ({ kind: 'conversation', id, starts: [], activity: [], ends: [], messages: [] });
const newEscalation = (id: string): EscalationState => ({ kind: 'escalation', id, created: [], assigned: [], resolved: [], failed: [] });
const newUser = (id: string): UserState => ({ kind: 'user', id, conversations: {} });

/**
 * The state of an entity after one more event. Pure and commutative: times and minutes are
 * united, descriptive fields are set once. Returns the same object when the event adds nothing,
 * so duplicates are recognisable as no-ops.
 */
export function applyEvent(state: EntityState | undefined, event: PulseEvent): EntityState {
  const at = epochMsOf(event.occurredAt);
  switch (event.type) {
    case 'conversation.started': {
      const c = asConversation(state, event.conversationId);
      const starts = union(c.starts, [at]);
      // The earliest start describes the conversation, whatever order the starts arrive in.
      const describes = precedes({ at, eventId: event.eventId }, c.describedBy);
      if (starts === c.starts && !describes) return c;
      return describes ? { ...withoutDescription(c), starts, ...describe(event, at) } : { ...c, starts };
    }
    case 'conversation.activity': {
      const c = asConversation(state, event.conversationId);
      const activity = union(c.activity, [minuteOf(at)]);
      return activity === c.activity ? c : { ...c, activity };
    }
    case 'conversation.ended': {
      const c = asConversation(state, event.conversationId);
      const ends = union(c.ends, [at]);
      return ends === c.ends ? c : { ...c, ends };
    }
    case 'message.sent': {
      const c = asConversation(state, event.conversationId);
      const activity = union(c.activity, [minuteOf(at)]);
      const messages = withKey(c.messages, messageKeyOf(event.messageId));
      if (messages === c.messages && activity === c.activity) return c;
      return { ...c, activity, messages };
    }
    case 'escalation.created': {
      const e = asEscalation(state, event.escalationId);
      const created = union(e.created, [at]);
      const describes = precedes({ at, eventId: event.eventId }, e.describedBy);
      if (created === e.created && !describes) return e;
      if (!describes) return { ...e, created };
      const { conversationId: _previous, ...rest } = e;
      return {
        ...rest,
        created,
        priority: event.priority,
        describedBy: { at, eventId: event.eventId },
        ...(event.conversationId !== undefined && { conversationId: event.conversationId }),
      };
    }
    case 'escalation.assigned':
    case 'escalation.resolved':
    case 'escalation.failed': {
      const e = asEscalation(state, event.escalationId);
      const field = event.type === 'escalation.assigned' ? 'assigned' : event.type === 'escalation.resolved' ? 'resolved' : 'failed';
      const times = union(e[field], [at]);
      return times === e[field] ? e : { ...e, [field]: times };
    }
    case 'user.share': {
      const u = state?.kind === 'user' ? state : newUser(event.userId);
      const current = u.conversations[event.conversationId];
      // Shares of one conversation come in order on the user's shard; the revision makes a
      // repeated or stale one a no-op all the same.
      if (current && !newerRevision(event.revision, current.revision)) return u;
      const share = { revision: event.revision, start: event.start, activity: event.activity };
      return { ...u, conversations: { ...u.conversations, [event.conversationId]: share } };
    }
    case 'request.completed':
    case 'system.sample':
    case 'function.invocation':
      return state?.kind === 'fact' ? state : { kind: 'fact', id: event.eventId, event };
  }
}

/** Whether `candidate` is the earlier describing event (ties broken by eventId, so order never matters). */
function precedes(candidate: Description, current: Description | undefined): boolean {
  if (!current) return true;
  return candidate.at < current.at || (candidate.at === current.at && candidate.eventId < current.eventId);
}

function withoutDescription(c: ConversationState): ConversationState {
  const { language: _language, region: _region, userId: _userId, ...rest } = c;
  return rest;
}

/** Revisions are `<lane>|<padded sequence>`: later in the same lane, or from a newer lane after resharding. */
function newerRevision(candidate: string, current: string): boolean {
  const [candidateLane, candidateSeq] = revisionParts(candidate);
  const [currentLane, currentSeq] = revisionParts(current);
  return candidateLane !== currentLane || candidateSeq > currentSeq;
}

/** The first two `|`-separated parts (the second '' when missing), as `split('|')` would give them, without splitting the rest. */
function revisionParts(revision: string): [lane: string, seq: string] {
  const bar = revision.indexOf('|');
  if (bar < 0) return [revision, ''];
  const nextBar = revision.indexOf('|', bar + 1);
  return [revision.slice(0, bar), revision.slice(bar + 1, nextBar < 0 ? undefined : nextBar)];
}

function describe(event: Extract<CanonicalEvent, { type: 'conversation.started' }>, at: number) {
  return {
    describedBy: { at, eventId: event.eventId },
    language: event.language,
    ...(event.region !== undefined && { region: event.region }),
    ...(event.userId !== undefined && { userId: event.userId }),
  };
}

function asConversation(state: EntityState | undefined, id: string): ConversationState {
  return state?.kind === 'conversation' ? state : newConversation(id);
}

function asEscalation(state: EntityState | undefined, id: string): EscalationState {
  return state?.kind === 'escalation' ? state : newEscalation(id);
}
