import {
  type CounterKey,
  departureOf,
  isLastFiveMinutesFact,
  minuteOfQueueSlot,
  queueSlotsOfMinute,
  parseCounter,
  pendingGaugeSlot,
  WINDOW_BLOCK_MINUTES,
} from '../aggregators/counters';
import { blockStartOf } from '../aggregators/coverage';
import { localDateOf, minuteOf } from '../aggregators/time';
import { FRESHNESS_SOURCES } from '../schemas/alert-rules';
import { LOOK_AHEAD_LIMIT_MS } from '../schemas/look-back';
import { OLDEST_PENDING_LISTED } from '../schemas/realtime-metrics';
import {
  ALERT_SINCE_PREFIX,
  countersOf,
  dayItem,
  departedItem,
  departuresItem,
  freshnessOf,
  knownFreshnessAttribute,
  GAUGES_ITEM,
  hourItem,
  minuteItem,
  PEAK_PREFIX,
  paneStartOf,
  pendingItem,
  performanceItem,
  sealedPaneItem,
  STATUS_ITEM,
  stuckMarkersOf,
} from './layout';
import { type FreshnessStamp, isLookBack, type Snapshot, type StuckLane } from './metrics-store';
import { ReaderMemory } from './reader-memory';
import { minuteReads, paneCounters } from './sealed-minutes';

/**
 * The read (`MetricsStore.readSnapshot`): which items the document at `atMs` needs, and the
 * snapshot they make. Two requests at most: the first's keys follow from `atMs` alone, and the
 * queues this reader needed last time, less the settled items it keeps (reader-memory.ts); the
 * second holds what the first says is needed (the queues of the oldest pending escalations'
 * minutes, minutes not sealed yet or written late, a look-back's departed escalations). The
 * fetching is injected: no SDK here.
 */

type StoredItem = Record<string, unknown>;
export type FetchItems = (keys: readonly string[]) => Promise<Map<string, StoredItem>>;

export async function readSnapshotWith(
  fetchItems: FetchItems,
  atMs: number,
  timeZone: string,
  nowMs = atMs,
  memory: ReaderMemory = new ReaderMemory(),
): Promise<Snapshot> {
  const fetch = (keys: readonly string[]) => fetchThrough(memory, fetchItems, keys);
  const minute = minuteOf(atMs);
  const lookBack = isLookBack(atMs, nowMs);
  const lastHour = Array.from({ length: 60 }, (_, i) => minute - 59 + i);
  const lastFive = lastHour.slice(-5);
  const paneStarts = [...new Set(lastHour.map(paneStartOf))];
  const panes = paneStarts.map(sealedPaneItem);
  const performance = lastFive.map(performanceItem);
  const today = dayItem(localDateOf(atMs, timeZone));
  // Looking back, the gauges are now's less their changes since: every day from T's to now's.
  const days = lookBack ? datesBetween(atMs, nowMs + LOOK_AHEAD_LIMIT_MS, timeZone).map(dayItem) : [today];
  const hours = [hourItem(Math.floor(minute / 60) - 1), hourItem(Math.floor(minute / 60))]; // the last hour's series spans two
  const guessedQueues = lookBack ? [] : memory.queueSlots.map(pendingItem);
  // Looking back, which creation minutes had escalations pending at T: the departures since T's hour say.
  const departures = lookBack ? hoursBetween(atMs, nowMs + LOOK_AHEAD_LIMIT_MS).map(departuresItem) : [];
  const keys = [...panes, ...lastFive.map(minuteItem), ...performance, ...hours, ...days, GAUGES_ITEM, STATUS_ITEM, ...guessedQueues, ...departures];
  const items = await fetch(keys);

  // The minutes of the last hour: sealed ones from their pane, the others (and those written
  // since they were sealed) from their own items, fetched now or in the second request.
  // A windowed count is summed from the start of its block: entries counting before it are not needed.
  const needs = { fromMinute: lastHour[0]!, entriesFrom: blockStartOf(minute, WINDOW_BLOCK_MINUTES) };
  const paneItems = new Map(paneStarts.map((start) => [start, memory.paneOf(start, items.get(sealedPaneItem(start)), needs)]));
  const counters = new Map(memory.paneCountersAt(minute, [...paneItems.values()], () => paneCounters(paneItems, lastHour, needs.entriesFrom)));
  for (const key of [...performance, ...hours, ...days, GAUGES_ITEM, ...departures]) countersOf(key, items.get(key) ?? {}, counters);
  const reads = minuteReads(lastHour, paneItems, items);
  const fetched = new Set(keys);
  const laterKeys = [...new Set(reads.flatMap((read) => read.items.map((item) => item.key)).filter((key) => !fetched.has(key)))];

  // The oldest pending escalations, in the second request (the gauges and departures say where).
  const { queueSlots, departedMinutes } = oldestPendingItems(counters, minute, lookBack);
  if (!lookBack) memory.queueSlots = queueSlots;
  const departedSlots = departedMinutes.flatMap((m) => queueSlotsOfMinute(m));
  const queueKeys = [...queueSlots.map(pendingItem), ...departedSlots.map(departedItem)];
  const second = await fetch([...laterKeys, ...queueKeys.filter((key) => !fetched.has(key))]);
  for (const key of queueKeys) countersOf(key, items.get(key) ?? second.get(key) ?? {}, counters);

  const minuteP95 = new Map<number, number>();
  const stampSources: Record<string, unknown>[] = performance.map((key) => items.get(key) ?? {});
  for (const pane of paneItems.values()) stampSources.push(Object.fromEntries(pane.stamps));
  for (const read of reads) {
    if (read.p95 !== undefined) minuteP95.set(read.minute, read.p95);
    for (const { key, onlyLastFiveMinutesFacts } of read.items) {
      const item = items.get(key) ?? second.get(key) ?? {};
      countersOf(key, item, counters, onlyLastFiveMinutesFacts ? isLastFiveMinutesFact : undefined);
      stampSources.push(item);
    }
  }

  const hourPeaks = new Map<number, number>();
  for (const [name, value] of Object.entries(items.get(today) ?? {})) {
    if (name.startsWith(PEAK_PREFIX) && typeof value === 'number') hourPeaks.set(Number(name.slice(PEAK_PREFIX.length)), value);
  }

  // Freshness describes now: looking back, the items of T's hour say nothing of it, the tick's record does.
  const newestByLane = new Map<string, FreshnessStamp>();
  for (const item of lookBack ? [] : stampSources) {
    for (const stamp of freshnessOf(item)) {
      const id = `${stamp.source}:${stamp.lane}`;
      if ((newestByLane.get(id)?.appliedAt ?? Number.NEGATIVE_INFINITY) < stamp.appliedAt) newestByLane.set(id, stamp);
    }
  }

  const status = items.get(STATUS_ITEM) ?? {};
  const lastKnownFreshness = new Map<string, { newestEventAt: string | null; lastAppliedAt: string | null; lagSeconds: number | null }>();
  for (const source of FRESHNESS_SOURCES) {
    const text = (name: string) => {
      const value = status[knownFreshnessAttribute(source, name)];
      return typeof value === 'string' ? value : null;
    };
    const lagSeconds = status[knownFreshnessAttribute(source, 'lagSeconds')];
    lastKnownFreshness.set(source, {
      newestEventAt: text('newestEventAt'),
      lastAppliedAt: text('lastAppliedAt'),
      lagSeconds: typeof lagSeconds === 'number' ? lagSeconds : null,
    });
  }
  const stuck: StuckLane[] = stuckMarkersOf(status);

  const alertSince = new Map<string, number>();
  for (const [name, value] of Object.entries(status)) {
    if (name.startsWith(ALERT_SINCE_PREFIX) && typeof value === 'number') alertSince.set(name.slice(ALERT_SINCE_PREFIX.length), value);
  }
  // Since when an alert fired is known for the alerts of now only.
  if (lookBack) alertSince.clear();
  return { atMs, nowMs, counters, hourPeaks, minuteP95, freshness: [...newestByLane.values()], lastKnownFreshness, stuck, alertSince };
}

/** The items of `keys`: those the reader keeps from memory, the rest fetched (and kept if they can no longer change). */
async function fetchThrough(memory: ReaderMemory, fetchItems: FetchItems, keys: readonly string[]): Promise<Map<string, StoredItem>> {
  const items = new Map<string, StoredItem>();
  const missing: string[] = [];
  for (const key of keys) {
    const kept = memory.settledItem(key);
    if (kept) items.set(key, kept);
    else missing.push(key);
  }
  if (missing.length === 0) return items;
  for (const [key, item] of await fetchItems(missing)) {
    items.set(key, item);
    memory.remember(key, item);
  }
  return items;
}

/**
 * Which items hold the oldest pending escalations at T, enough of them to list. Now: the queues
 * of the oldest creation slots (up to T's minute) with any pending, by the gauges. Looking back,
 * also those that left the queue after T, which the departures since T's hour count by creation
 * minute: so there, whole minutes are taken, oldest first, with their queues' slots and their
 * departed escalations.
 */
function oldestPendingItems(counters: ReadonlyMap<CounterKey, number>, minute: number, lookBack: boolean): { queueSlots: number[]; departedMinutes: number[] } {
  const pendingNow = new Map<number, number>();
  const leftLater = new Map<number, number>();
  for (const [counter, n] of counters) {
    if (n <= 0) continue;
    if (counter.startsWith('g|')) {
      const slot = pendingGaugeSlot(counter.slice(2));
      if (slot !== undefined && minuteOfQueueSlot(slot) <= minute) pendingNow.set(slot, n);
    } else if (counter.startsWith('r|')) {
      const { createdMinute, leftMinute } = departureOf(parseCounter(counter).name);
      if (createdMinute <= minute && leftMinute > minute) leftLater.set(createdMinute, (leftLater.get(createdMinute) ?? 0) + n);
    }
  }
  const slots = [...pendingNow.keys()].sort((a, b) => a - b);
  if (!lookBack) return { queueSlots: oldestHolding(slots, (slot) => pendingNow.get(slot) ?? 0), departedMinutes: [] };

  const byMinute = new Map<number, number>(leftLater);
  for (const [slot, n] of pendingNow) byMinute.set(minuteOfQueueSlot(slot), (byMinute.get(minuteOfQueueSlot(slot)) ?? 0) + n);
  const minutes = new Set(
    oldestHolding(
      [...byMinute.keys()].sort((a, b) => a - b),
      (m) => byMinute.get(m) ?? 0,
    ),
  );
  return {
    queueSlots: slots.filter((slot) => minutes.has(minuteOfQueueSlot(slot))),
    departedMinutes: [...minutes].filter((m) => leftLater.has(m)),
  };
}

/** The first of `sorted` that together hold enough pending escalations to list. */
function oldestHolding(sorted: readonly number[], holds: (at: number) => number): number[] {
  const taken: number[] = [];
  for (let held = 0, i = 0; i < sorted.length && held < OLDEST_PENDING_SHOWN; i++) {
    taken.push(sorted[i]!);
    held += holds(sorted[i]!);
  }
  return taken;
}

/** The UTC hours from `fromMs`'s to `toMs`'s. */
const hoursBetween = (fromMs: number, toMs: number): number[] =>
  Array.from({ length: Math.floor(toMs / 3_600_000) - Math.floor(fromMs / 3_600_000) + 1 }, (_, i) => Math.floor(fromMs / 3_600_000) + i);

/** How many pending escalations the read fetches the queue for: the oldest one, and the five `oldestPending` lists. */
const OLDEST_PENDING_SHOWN = OLDEST_PENDING_LISTED;

/** The local dates from `fromMs`'s to `toMs`'s, each once (a day lasts at least 23 h, so 12-hour steps miss none). */
function datesBetween(fromMs: number, toMs: number, timeZone: string): string[] {
  const dates = new Set<string>();
  for (let at = fromMs; at < toMs; at += 12 * 3_600_000) dates.add(localDateOf(at, timeZone));
  dates.add(localDateOf(toMs, timeZone));
  return [...dates];
}
