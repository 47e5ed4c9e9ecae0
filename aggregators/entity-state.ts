import { hash } from 'node:crypto';

export type {
  ConversationShare,
  ConversationState,
  Description,
  EntityKind,
  EntityState,
  EscalationState,
  FactState,
  UserState,
} from '../schemas/entity-states';
import type { ConversationState } from '../schemas/entity-states';

/** Sorted union of two sorted sets; returns `a` itself when nothing is new, so callers can spot no-ops. */
export function union(a: readonly number[], values: readonly number[]): number[] {
  const missing = values.filter((value) => !a.includes(value));
  if (missing.length === 0) return a as number[];
  return [...new Set([...a, ...missing])].sort((x, y) => x - y);
}

/** Sorted insert; returns `a` itself when `value` is already there. */
export function withKey(a: readonly string[], value: string): string[] {
  let low = 0;
  let high = a.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (a[mid]! < value) low = mid + 1;
    else high = mid;
  }
  if (a[low] === value) return a as string[];
  return [...a.slice(0, low), value, ...a.slice(low)];
}

/** 72 bits of the message id: a conversation's item stays small however long its ids are. One-shot `hash`: no Hash object per message. */
export const messageKeyOf = (messageId: string): string => hash('sha1', messageId, 'base64url').slice(0, 12);

export const earliest = (values: readonly number[]): number | undefined => values[0];

/** A conversation's activity minutes: its messages and activity events, and its (earliest) start. */
export function activityOf(c: ConversationState): number[] {
  const start = earliest(c.starts);
  return start === undefined ? c.activity : union(c.activity, [Math.floor(start / 60_000)]);
}
