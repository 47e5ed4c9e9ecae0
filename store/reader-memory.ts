import type { CounterKey } from '../aggregators/counters';
import { minuteItem, SEAL_PANE_MINUTES, sealedPaneItem, sealedSummaryAttribute } from './layout';
import { isSealed, type Pane, type PaneNeeds, paneOf } from './sealed-minutes';

type StoredItem = Record<string, unknown>;

/** Settled items a reader keeps: a read now needs at most 3 panes and 5 minute items; a look-back as many again. */
export const SETTLED_ITEMS_KEPT = 32;
/** Panes that may still change, kept decoded with the item they came from: a read's 3, and a look-back's. */
const OPEN_PANES_KEPT = 6;

/**
 * What a warm reader (one read function's container) keeps between reads.
 *
 * - The creation slots whose queues its last read needed. The oldest pending escalations change
 *   slowly, so it asks for them in its first request and most often makes no second one; a wrong
 *   guess costs half a read unit per queue, never a number.
 * - Items that can no longer change, so that it fetches and pays for each once: a sealed minute
 *   item (from its seal on every writer is refused; what arrives later goes to its `L#` item) and
 *   a pane that holds all its minutes (the tick writes a pane only to add a minute to it).
 * - What it decoded of the panes. The tick adds a minute to a pane once a minute and a dashboard
 *   is read every second or two, so most reads fetch the panes their last read fetched: a pane
 *   found unchanged is not decoded again, and the counters the same panes give at the same minute
 *   are built once.
 */
export class ReaderMemory {
  queueSlots: number[] = [];
  private readonly settled = new Map<string, StoredItem>();
  /** Settled panes decoded whole, by the kept item: they go when it does. */
  private readonly decodedPanes = new WeakMap<StoredItem, Pane>();
  /** Each pane that may still change, as last fetched and decoded. */
  private readonly openPanes = new Map<number, { item: StoredItem | undefined; needs: PaneNeeds; pane: Pane }>();
  private lastPaneCounters: { minute: number; panes: readonly Pane[]; counters: ReadonlyMap<CounterKey, number> } | undefined;

  constructor(private readonly capacity = SETTLED_ITEMS_KEPT) {}

  settledItem(key: string): StoredItem | undefined {
    return this.settled.get(key);
  }

  /** Keeps `item` if it can no longer change; past capacity, the one kept longest goes. */
  remember(key: string, item: StoredItem): void {
    if (this.settled.has(key) || !isSettled(key, item)) return;
    this.settled.set(key, item);
    if (this.settled.size > this.capacity) this.settled.delete(this.settled.keys().next().value!);
  }

  /**
   * A pane decoded: a settled one once and whole (a read takes from it only the minutes and
   * entries it needs); any other as much as `needs` asks, again only if it changed since.
   */
  paneOf(paneStart: number, item: StoredItem | undefined, needs: PaneNeeds): Pane {
    if (item && this.settled.get(sealedPaneItem(paneStart)) === item) {
      let pane = this.decodedPanes.get(item);
      if (!pane) {
        pane = paneOf(paneStart, item);
        this.decodedPanes.set(item, pane);
      }
      return pane;
    }
    const last = this.openPanes.get(paneStart);
    if (last && last.needs.fromMinute === needs.fromMinute && last.needs.entriesFrom === needs.entriesFrom && sameItem(last.item, item)) return last.pane;
    const pane = paneOf(paneStart, item, needs);
    this.openPanes.delete(paneStart);
    this.openPanes.set(paneStart, { item, needs, pane });
    if (this.openPanes.size > OPEN_PANES_KEPT) this.openPanes.delete(this.openPanes.keys().next().value!);
    return pane;
  }

  /**
   * The counters `panes` give a read at `minute`, built by `build` (which must depend on nothing
   * else); built once while the same panes are read at the same minute. Kept panes and panes
   * found unchanged are the same objects from read to read.
   */
  paneCountersAt(minute: number, panes: readonly Pane[], build: () => ReadonlyMap<CounterKey, number>): ReadonlyMap<CounterKey, number> {
    const last = this.lastPaneCounters;
    if (last && last.minute === minute && last.panes.length === panes.length && last.panes.every((pane, i) => pane === panes[i])) return last.counters;
    const counters = build();
    this.lastPaneCounters = { minute, panes, counters };
    return counters;
  }

  get settledCount(): number {
    return this.settled.size;
  }
}

/** Whether an item can no longer change: a sealed minute item, or a pane holding all its minutes. */
export function isSettled(key: string, item: StoredItem): boolean {
  const at = Number(key.slice(key.indexOf('#') + 1));
  if (!Number.isInteger(at)) return false;
  if (key === minuteItem(at)) return isSealed(item);
  if (key !== sealedPaneItem(at)) return false;
  for (let minute = at; minute < at + SEAL_PANE_MINUTES; minute++) if (item[sealedSummaryAttribute(minute)] === undefined) return false;
  return true;
}

/** Whether two fetched items hold the same attributes with the same values (a pane's values are strings and numbers). */
function sameItem(a: StoredItem | undefined, b: StoredItem | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let attributes = 0;
  for (const name in a) {
    if (a[name] !== b[name]) return false;
    attributes++;
  }
  for (const _ in b) attributes--;
  return attributes === 0;
}
