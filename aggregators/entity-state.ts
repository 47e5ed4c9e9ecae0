import type { Priority } from '../schemas/canonical-events';
import type { CanonicalEvent } from '../schemas/canonical-events';

/**
 * Entity state as the metrics table keeps it. Every field only grows by union (times and
 * minutes are sorted sets) or is set once, so the state after a set of events is the same
 * whatever order they came in and however often each came.
 */
export interface MessageFact {
  at: number; // epoch ms
  bot: boolean;
  processingTimeMs?: number;
}

/** Which event set an entity's descriptive fields: the earliest one, ties broken by eventId. */
export interface Description {
  at: number;
  eventId: string;
}

export interface ConversationState {
  kind: 'conversation';
  id: string;
  starts: number[]; // epoch ms of each start seen; the earliest is the start
  activity: number[]; // minutes of messages and activity events (the start's minute is added when read)
  ends: number[]; // epoch ms of each end seen; the earliest is the end
  messages: Record<string, MessageFact>; // by messageId: a message counts once
  describedBy?: Description;
  language?: string;
  region?: string;
  userId?: string;
}

export interface EscalationState {
  kind: 'escalation';
  id: string;
  created: number[];
  assigned: number[];
  resolved: number[];
  failed: number[];
  describedBy?: Description;
  priority?: Priority;
  conversationId?: string;
}

/** What one conversation contributes to its user: the newest share it sent. */
export interface ConversationShare {
  revision: string;
  start: number | null;
  activity: number[];
}

export interface UserState {
  kind: 'user';
  id: string;
  /** By conversationId. First seen = the earliest start; activity = the union of their minutes. */
  conversations: Record<string, ConversationShare>;
}

/** A telemetry fact that came without a sequence number (EventBridge): counted once by its id. */
export interface FactState {
  kind: 'fact';
  id: string;
  event: CanonicalEvent;
}

export type EntityState = ConversationState | EscalationState | UserState | FactState;
export type EntityKind = EntityState['kind'];

/** Sorted union of two sorted sets; returns `a` itself when nothing is new, so callers can spot no-ops. */
export function union(a: readonly number[], values: readonly number[]): number[] {
  const missing = values.filter((value) => !a.includes(value));
  if (missing.length === 0) return a as number[];
  return [...new Set([...a, ...missing])].sort((x, y) => x - y);
}

export const earliest = (values: readonly number[]): number | undefined => values[0];

/** A conversation's activity minutes: its messages and activity events, and its (earliest) start. */
export function activityOf(c: ConversationState): number[] {
  const start = earliest(c.starts);
  return start === undefined ? c.activity : union(c.activity, [Math.floor(start / 60_000)]);
}
