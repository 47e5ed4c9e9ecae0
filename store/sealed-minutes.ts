import { type CounterKey, isLastFiveMinutesFact, MINUTE_PREFIX, windowCounter } from '../aggregators/counters';
import { quantile } from '../aggregators/quantile-sketch';
import {
  countersOf,
  isCounterAttribute,
  isFreshnessStamp,
  isWindowEntryAttribute,
  lateItem,
  lateMarkerAttribute,
  minuteItem,
  paneStartOf,
  SEAL_PANE_MINUTES,
  SEALED_ATTRIBUTE,
  sealedP95Attribute,
  sealedSummaryAttribute,
  stampOf,
  WINDOW_REACH_MINUTES,
} from './layout';

/**
 * Sealing (docs/metrics-model.md, "Sealing"): pure rules of what a pane keeps of its sealed
 * minutes, and where a read finds each minute of its hour. No I/O here.
 */

type StoredItem = Record<string, unknown>;

/** A minute sealed at least this long after it ended: batches still in flight for it rarely arrive later. */
export const SEAL_DELAY_MINUTES = 2;

/** A pane's attributes besides its minutes' facts: the merged window entries, the newest stamps, a version. */
export const PANE_ENTRIES = 'w';
export const PANE_STAMPS = 'f';
export const PANE_VERSION = 'v';

/** What a pane holds, decoded. Window entries by name, then by the minute they count at, as minutes after the pane's start. */
export interface Pane {
  version: number | undefined;
  facts: Map<number, Record<string, number>>;
  p95: Map<number, number>;
  entries: Map<string, Map<number, number>>;
  stamps: Map<string, string>;
}

/**
 * What a read needs of a pane: the facts of its minutes from `fromMinute` on (a pane can reach
 * further back than the last hour), and its window entries only when some of them count at
 * `entriesFrom` or later (a windowed count sums from the start of its block).
 */
export interface PaneNeeds {
  fromMinute: number;
  entriesFrom: number;
}

/** The last minute a pane's window entries can count at: its minutes' entries reach this far ahead of them. */
export const lastEntryMinuteOf = (paneStart: number): number => paneStart + SEAL_PANE_MINUTES - 1 + WINDOW_REACH_MINUTES;

/** A pane decoded: whole (the tick, which writes it back), or only what a read needs of it. */
export function paneOf(paneStart: number, item: StoredItem | undefined, needs?: PaneNeeds): Pane {
  const pane: Pane = { version: undefined, facts: new Map(), p95: new Map(), entries: new Map(), stamps: new Map() };
  if (!item) return pane;
  if (typeof item[PANE_VERSION] === 'number') pane.version = item[PANE_VERSION];
  if (!needs || lastEntryMinuteOf(paneStart) >= needs.entriesFrom) {
    const entries = parsed(item[PANE_ENTRIES]);
    for (const key in entries) {
      const value = entries[key];
      if (Array.isArray(value)) for (let i = 0; i + 1 < value.length; i += 2) addEntry(pane, key, Number(value[i]), Number(value[i + 1]));
      else if (typeof value === 'number') {
        // As panes were written before December 2026, one attribute per entry: `<name>@<offset>`.
        const at = key.lastIndexOf('@');
        addEntry(pane, key.slice(0, at), Number(key.slice(at + 1)), value);
      }
    }
  }
  const stamps = parsed(item[PANE_STAMPS]);
  for (const name in stamps) if (typeof stamps[name] === 'string') pane.stamps.set(name, stamps[name]);
  for (let minute = Math.max(paneStart, needs?.fromMinute ?? paneStart); minute < paneStart + SEAL_PANE_MINUTES; minute++) {
    const facts = item[sealedSummaryAttribute(minute)];
    if (typeof facts === 'string') pane.facts.set(minute, parsed(facts) as Record<string, number>);
    const p95 = item[sealedP95Attribute(minute)];
    if (typeof p95 === 'number') pane.p95.set(minute, p95);
  }
  return pane;
}

const parsed = (json: unknown): Record<string, unknown> => (typeof json === 'string' ? (JSON.parse(json) as Record<string, unknown>) : {});

/**
 * Adds a frozen minute item to a pane: its facts (less those read over the last 5 minutes only),
 * the p95 of its sketch, its window entries merged with the pane's by the minute they count at
 * (a run's −1 and the next run's +1 cancel out, so the pane stays small), and its stamps where
 * they are newer.
 */
export function addToPane(pane: Pane, minute: number, frozen: StoredItem): void {
  const paneStart = paneStartOf(minute);
  const facts: Record<string, number> = {};
  const bins = new Map<string, number>();
  for (const [attribute, value] of Object.entries(frozen)) {
    if (isFreshnessStamp(attribute, value)) {
      const current = pane.stamps.get(attribute);
      if (current === undefined || stampOf(current).appliedAt < stampOf(value).appliedAt) pane.stamps.set(attribute, value);
    }
    if (!isCounterAttribute(attribute, value) || value === 0) continue;
    const n = value as number;
    if (isWindowEntryAttribute(attribute)) {
      const at = attribute.lastIndexOf('@');
      addEntry(pane, attribute.slice(0, at), minute + Number(attribute.slice(at + 1)) - paneStart, n);
    } else if (attribute.startsWith(MINUTE_PREFIX.responseBin)) bins.set(attribute.slice(MINUTE_PREFIX.responseBin.length), n);
    else if (!isLastFiveMinutesFact(attribute)) facts[attribute] = n;
  }
  pane.facts.set(minute, facts);
  const p95 = quantile(bins, 0.95);
  if (p95 !== null) pane.p95.set(minute, p95);
}

/** Adds `n` to a pane's entry; one that comes to 0 is dropped, so entries that cancel out take no room. */
function addEntry(pane: Pane, name: string, offset: number, n: number): void {
  let byOffset = pane.entries.get(name);
  if (!byOffset) {
    byOffset = new Map();
    pane.entries.set(name, byOffset);
  }
  const sum = (byOffset.get(offset) ?? 0) + n;
  if (sum !== 0) byOffset.set(offset, sum);
  else {
    byOffset.delete(offset);
    if (byOffset.size === 0) pane.entries.delete(name);
  }
}

/**
 * The attributes of a pane to write after `added` minutes joined it (a pane is written only by
 * the tick, one update at a time under its version). Each value is one JSON string, not a map: a
 * read decodes them far faster with JSON.parse than the SDK unmarshals a map attribute by attribute.
 */
export function paneAttributes(pane: Pane, added: readonly number[]): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    // `{"lv:en":[offset,n,offset,n,…],…}`: a few names with arrays of numbers are half the bytes of one key per entry, and parse faster.
    [PANE_ENTRIES]: JSON.stringify(Object.fromEntries([...pane.entries].map(([name, byOffset]) => [name, [...byOffset].flat()]))),
    [PANE_STAMPS]: JSON.stringify(Object.fromEntries(pane.stamps)),
  };
  for (const minute of added) {
    attributes[sealedSummaryAttribute(minute)] = JSON.stringify(pane.facts.get(minute) ?? {});
    const p95 = pane.p95.get(minute);
    if (p95 !== undefined) attributes[sealedP95Attribute(minute)] = p95;
  }
  return attributes;
}

/** A pane's merged window entries, as domain counters at the minutes they count at (from `fromMinute` on). */
export function addPaneEntries(paneStart: number, pane: Pane, into: Map<CounterKey, number>, fromMinute = Number.NEGATIVE_INFINITY): void {
  for (const [name, byOffset] of pane.entries) {
    for (const [offset, n] of byOffset) {
      if (paneStart + offset < fromMinute) continue;
      const counter = windowCounter(paneStart + offset, name);
      into.set(counter, (into.get(counter) ?? 0) + n);
    }
  }
}

/**
 * The counters a read at the end of `lastHour` takes from its panes: the facts of their minutes
 * within it, and their window entries counting at `entriesFrom` or later.
 */
export function paneCounters(panes: ReadonlyMap<number, Pane>, lastHour: readonly number[], entriesFrom: number): Map<CounterKey, number> {
  const counters = new Map<CounterKey, number>();
  for (const [paneStart, pane] of panes) addPaneEntries(paneStart, pane, counters, entriesFrom);
  for (const minute of lastHour) {
    const facts = panes.get(paneStartOf(minute))?.facts.get(minute);
    if (facts) countersOf(minuteItem(minute), facts, counters);
  }
  return counters;
}

export const isSealed = (item: StoredItem | undefined): boolean => item?.[SEALED_ATTRIBUTE] !== undefined;

/** One item a read needs for a minute, whole or only the facts the pane leaves out. */
export interface ItemRead {
  key: string;
  onlyLastFiveMinutesFacts?: boolean;
}

/** Where a read finds one minute besides its pane's facts (`paneCounters`): the items to read. */
export interface MinuteRead {
  minute: number;
  /** The pane's p95 of the minute, when nothing arrived for it since it was sealed. */
  p95?: number;
  items: ItemRead[];
}

/**
 * Where each minute of `lastHour` is read from, given the panes and hour items of a read's first
 * request. A minute sealed in its pane comes from there; the minute item adds the facts the pane
 * leaves out for the last 5 minutes, and, once something arrived late, the sketch the late bins
 * add to, with the late item whole. A minute not sealed in its pane comes from its items whole.
 */
export function minuteReads(lastHour: readonly number[], panes: ReadonlyMap<number, Pane>, items: ReadonlyMap<string, StoredItem>): MinuteRead[] {
  const lastFive = new Set(lastHour.slice(-5));
  return lastHour.map((minute) => {
    const marker = lateMarkerAttribute(minute);
    const late = items.get(marker.key)?.[marker.attribute] !== undefined;
    const pane = panes.get(paneStartOf(minute));
    if (!pane?.facts.has(minute)) return { minute, items: [{ key: minuteItem(minute) }, ...(late ? [{ key: lateItem(minute) }] : [])] };
    const p95 = pane.p95.get(minute);
    return {
      minute,
      ...(!late && p95 !== undefined && { p95 }),
      items: [
        ...(lastFive.has(minute) || late ? [{ key: minuteItem(minute), onlyLastFiveMinutesFacts: true }] : []),
        ...(late ? [{ key: lateItem(minute) }] : []),
      ],
    };
  });
}
