/**
 * The domain counters every fold produces and the read model consumes. A counter is named by
 * what it counts and where on the time line it sits, never by where it is stored: the store
 * (store/layout.ts) alone decides items and attribute names.
 *
 *   m|<minute>|<name>      a fact of one minute read over the last hour: messages, sketch bins,
 *                          starts per 10 s, ended conversations, escalations created
 *   p|<minute>|<name>      a performance fact of one minute, read over the last 5 minutes only:
 *                          requests, system samples, function invocations, Clara Pulse's own calls
 *   w|<minute>|<name>      a difference-array entry of a windowed distinct count (by label, users);
 *                          the count at minute q is the sum of entries from the start of q's
 *                          30-minute block up to q (runs are cut at block starts)
 *   s|<minute>|<name>      the same for the totals kept as a per-minute series (live, active);
 *                          blocks are UTC hours, so one hour's entries give every minute of it
 *   d|<local date>|<name>:<h>  an escalation fact of hour h (0–24, hours since local midnight) of
 *                          one day in METRICS_TIME_ZONE; each is also counted per minute
 *                          (`m|<minute>|d:<name>`), so "today up to T" is the day's hours before
 *                          T's and the minutes of T's hour, whatever T is (looking back)
 *   g|<name>               an open-escalation gauge; `ps:<slot>` counts pending ones by 10-second
 *                          creation slot (`queueSlotOf`)
 *   q|<slot>|<entry>       one pending escalation created in that slot: `<createdAt ms>|<priority>|<id>`
 *   x|<slot>|<entry>       one escalation created in that slot that stopped pending in a later
 *                          minute (same entry); its value is how many minutes it was pending
 *   r|<hour>|<c>:<left>    how many escalations created in minute c stopped pending in minute
 *                          `left` of that hour: looking back at a minute, the creation minutes
 *                          whose escalations were pending then are those with pending ones now
 *                          and those with some that left later
 */
import { internedMinuteKeys, type MinuteKeys, memoizedName } from './interned-keys';

export type CounterKey = string;

export const WINDOW_BLOCK_MINUTES = 30;
export const SERIES_BLOCK_MINUTES = 60;

/** A name's keys of one family, minute by minute (aggregators/interned-keys.ts: the same string for the same key). */
export const minuteCounters = internedMinuteKeys('m');
export const performanceCounters = internedMinuteKeys('p');
export const windowCounters = internedMinuteKeys('w');
export const seriesCounters: (name: SeriesName) => MinuteKeys = internedMinuteKeys('s');

export const minuteCounter = (minute: number, name: string): CounterKey => minuteCounters(name).keyAt(minute);
export const performanceCounter = (minute: number, name: string): CounterKey => performanceCounters(name).keyAt(minute);
export const windowCounter = (minute: number, name: string): CounterKey => windowCounters(name).keyAt(minute);
export const seriesCounter = (minute: number, name: SeriesName): CounterKey => seriesCounters(name).keyAt(minute);
export const dayCounter = (localDate: string, hourOfDay: number, name: DayName): CounterKey => `d|${localDate}|${name}:${hourOfDay}`;
export const gaugeCounter = memoizedName((name: string): CounterKey => `g|${name}`);
/**
 * The queue of pending escalations is kept by 10-second creation slot: every write of a queue
 * item is billed for all of it, and at 10,000 events/s a minute's queue (shared by every lane)
 * held some 2,400 escalations, 70 KB.
 */
export const QUEUE_SLOT_MS = 10_000;
export const queueSlotOf = (createdAtMs: number): number => Math.floor(createdAtMs / QUEUE_SLOT_MS);
/** The minute a slot lies in (a minute holds six whole slots). */
export const minuteOfQueueSlot = (slot: number): number => Math.floor((slot * QUEUE_SLOT_MS) / 60_000);
/** The six slots of a minute. */
export const queueSlotsOfMinute = (minute: number): number[] => Array.from({ length: 60_000 / QUEUE_SLOT_MS }, (_, i) => (minute * 60_000) / QUEUE_SLOT_MS + i);
/** A pending escalation, in the queue item of its creation slot. */
export const pendingEntryCounter = (createdAtMs: number, priority: string, escalationId: string): CounterKey =>
  `q|${queueSlotOf(createdAtMs)}|${createdAtMs}|${priority}|${escalationId}`;
/** An escalation that left the queue, by creation slot like the queue: a minute's, shared by every lane, grew to 100 KB at 10,000 events/s. */
export const departedEntryCounter = (createdAtMs: number, priority: string, escalationId: string): CounterKey =>
  `x|${queueSlotOf(createdAtMs)}|${createdAtMs}|${priority}|${escalationId}`;
export const departureCounter = (createdMinute: number, leftMinute: number): CounterKey => `r|${Math.floor(leftMinute / 60)}|${createdMinute}:${leftMinute}`;
/** The creation and leaving minutes a `departureCounter` counts (its inverse). */
export function departureOf(name: string): { createdMinute: number; leftMinute: number } {
  const colon = name.indexOf(':');
  return { createdMinute: Number(name.slice(0, colon)), leftMinute: Number(name.slice(colon + 1)) };
}

export const PENDING_IN_SLOT_PREFIX = 'ps:';

/** Names of the facts counted per minute. Sums of decimals are kept in thousandths, so adding them is exact. */
export const MinuteName = {
  messages: 'msg',
  botMessagesTimed: 'botN',
  botProcessingMilli: 'botSum',
  responseBin: memoizedName((bin: string) => `h:${bin}`),
  startsInTenSeconds: memoizedName((slot: number) => `s10:${slot}`),
  /** Conversations started in the minute (the series); the 10-second slots serve the last minute only. */
  started: 'st',
  endedConversations: 'endN',
  endedDurationMs: 'durMs',
  /** An escalation fact of the day, counted in its minute too. */
  dayFact: memoizedName((name: DayName) => `d:${name}`),
} as const;

/** Names of the performance facts counted per minute (read over W_5 only). */
export const PerformanceName = {
  requests: 'req',
  serverErrors: 'req5xx',
  samples: 'smp',
  cpuMilli: 'cpu',
  memoryMilli: 'mem',
  diskMilli: 'disk',
  latencySamples: 'netN',
  latencyMilli: 'net',
  functionInvocations: memoizedName((name: string) => `fn:${name}:n`),
  functionErrors: memoizedName((name: string) => `fn:${name}:e`),
  functionThrottles: memoizedName((name: string) => `fn:${name}:t`),
  functionDurationMilli: memoizedName((name: string) => `fn:${name}:d`),
  storeReadMilliUnits: 'ddb:r',
  storeWriteMilliUnits: 'ddb:w',
  storeThrottled: 'ddb:thr',
  storeSucceeded: 'ddb:ok',
} as const;

/** Windowed distinct counts read at one minute only (the document's `T`). */
export const WindowName = {
  liveByLanguage: memoizedName((language: string) => `lv:${language}`),
  activeByRegion: memoizedName((region: string) => `ar:${region}`),
  uniqueUsers: 'uniq',
  returningUsers: 'ret',
} as const;

/** Windowed distinct totals kept for every minute: the day's peak and the last hour's series come from them. */
export type SeriesName = 'live' | 'act';

/**
 * Escalation facts of a day — created, resolved, served (with the summed wait, and how many within
 * the service level), failed (+1 at the failure, −1 at a resolution later that day) — and the
 * changes of the open-escalation gauges (+1 where an escalation starts pending, −1 where it
 * stops): the gauge at a past minute is the gauge now less the changes after that minute.
 */
export type DayName = 'created' | 'resolved' | 'servedN' | 'waitMs' | 'servedInSL' | 'failed' | GaugeChangeName;
export type GaugeChangeName = 'pendingChange' | 'inProgressChange' | 'criticalChange';
export const DAY_NAMES: readonly DayName[] = [
  'created',
  'resolved',
  'servedN',
  'waitMs',
  'servedInSL',
  'failed',
  'pendingChange',
  'inProgressChange',
  'criticalChange',
];

export const GaugeName = {
  pending: 'pend',
  inProgress: 'prog',
  criticalOpen: 'crit',
  /** How many escalations created in that slot are pending: which queue items a read fetches for the oldest. */
  pendingInSlot: memoizedName((slot: number) => `${PENDING_IN_SLOT_PREFIX}${slot}`),
} as const;

/**
 * Facts of a minute that the document reads over the last 5 minutes only (the response-time
 * sketch and mean, starts per 10 seconds). An older minute is read for its other facts, and for
 * the p95 of its sketch, which a sealed minute keeps ready (docs/metrics-model.md, "Sealing").
 */
export const isLastFiveMinutesFact = (name: string): boolean =>
  name === MinuteName.botMessagesTimed ||
  name === MinuteName.botProcessingMilli ||
  name.startsWith(MINUTE_PREFIX.responseBin) ||
  name.startsWith(MINUTE_PREFIX.startsInTenSeconds);

export const WINDOW_PREFIX = { liveByLanguage: 'lv:', activeByRegion: 'ar:' } as const;
export const MINUTE_PREFIX = { responseBin: 'h:', startsInTenSeconds: 's10:' } as const;
export const PERFORMANCE_PREFIX = { function: 'fn:' } as const;
/** The creation slot a `GaugeName.pendingInSlot` gauge counts (its inverse), or undefined for another gauge. */
export const pendingGaugeSlot = (name: string): number | undefined =>
  name.startsWith(PENDING_IN_SLOT_PREFIX) ? Number(name.slice(PENDING_IN_SLOT_PREFIX.length)) : undefined;

/** A counter key split into its parts; `at` is the minute, date or hour, `name` the rest. */
export interface ParsedCounter {
  family: 'm' | 'p' | 'w' | 's' | 'd' | 'g' | 'q' | 'x' | 'r';
  at: string;
  name: string;
}

export function parseCounter(key: CounterKey): ParsedCounter {
  const family = key[0] as ParsedCounter['family'];
  if (family === 'g') return { family, at: '', name: key.slice(2) };
  const bar = key.indexOf('|', 2);
  return { family, at: key.slice(2, bar), name: key.slice(bar + 1) };
}
