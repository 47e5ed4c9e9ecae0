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
  if (values.length === 1 && isPlainSortedSet(a) && !Number.isNaN(values[0])) return withTime(a, values[0]!);
  const missing = values.filter((value) => !a.includes(value));
  if (missing.length === 0) return a as number[];
  return [...new Set([...a, ...missing])].sort((x, y) => x - y);
}

/**
 * `union(a, [value])` for a strictly increasing `a`, which is how the fold keeps its sets: one
 * binary search and one copy, where the general path builds a Set and sorts (a visible share of
 * the fold's time and garbage). Any other `a` (unsorted, with NaN or −0) takes the general path,
 * so the result is the same for every input.
 */
function withTime(a: readonly number[], time: number): number[] {
  return sortedInsert(a, time === 0 ? 0 : time); // a Set keeps −0 as 0
}

/** Strictly increasing, without NaN or −0 (which the general path would turn into 0). */
export function isPlainSortedSet(a: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const value = a[i]!;
    if (value === 0 && 1 / value < 0) return false;
    if (!(i === 0 ? !Number.isNaN(value) : a[i - 1]! < value)) return false;
  }
  return true;
}

/** Sorted insert; returns `a` itself when `value` is already there. */
export const withKey = (a: readonly string[], value: string): string[] => sortedInsert(a, value);

/** Inserts into a strictly increasing array: one binary search and one copy; `a` itself when `value` is there already. */
function sortedInsert<T extends number | string>(a: readonly T[], value: T): T[] {
  let low = 0;
  let high = a.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (a[mid]! < value) low = mid + 1;
    else high = mid;
  }
  if (a[low] === value) return a as T[];
  const result = a.slice(0, low);
  result.push(value);
  for (let i = low; i < a.length; i++) result.push(a[i]!);
  return result;
}

/** 72 bits of the message id: a conversation's item stays small however long its ids are. One-shot `hash`: no Hash object per message. */
export const messageKeyOf = (messageId: string): string => hash('sha1', messageId, 'base64url').slice(0, 12);

export const earliest = (values: readonly number[]): number | undefined => values[0];

/** A conversation's activity minutes: its messages and activity events, and its (earliest) start. */
export function activityOf(c: ConversationState): number[] {
  const start = earliest(c.starts);
  return start === undefined ? c.activity : union(c.activity, [Math.floor(start / 60_000)]);
}

/**
 * `activityOf(c).filter((minute) => minute >= startMinute)`, the minutes a conversation counts
 * in once started, written into `into` (the fold reuses one array: two copies per state were a
 * visible share of its garbage). Sets that are not plain sorted ones take the definition.
 */
export function activityFromStart(c: ConversationState, startMinute: number, into: number[]): number[] {
  if (Number.isNaN(startMinute) || !isPlainSortedSet(c.activity)) return activityOf(c).filter((minute) => minute >= startMinute);
  into.length = 0;
  into.push(startMinute === 0 ? 0 : startMinute); // as union does: a Set keeps −0 as 0
  for (let i = 0; i < c.activity.length; i++) if (c.activity[i]! > startMinute) into.push(c.activity[i]!);
  return into;
}
