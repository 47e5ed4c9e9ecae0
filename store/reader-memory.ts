import { minuteItem, SEAL_PANE_MINUTES, sealedPaneItem, sealedSummaryAttribute } from './layout';
import { isSealed, type Pane, type PaneNeeds, paneOf } from './sealed-minutes';

type StoredItem = Record<string, unknown>;

/** Settled items a reader keeps: a read now needs at most 3 panes and 5 minute items; a look-back as many again. */
export const SETTLED_ITEMS_KEPT = 32;

/**
 * What a warm reader (one read function's container) keeps between reads.
 *
 * - The creation slots whose queues its last read needed. The oldest pending escalations change
 *   slowly, so it asks for them in its first request and most often makes no second one; a wrong
 *   guess costs half a read unit per queue, never a number.
 * - Items that can no longer change, so that it fetches and pays for each once: a sealed minute
 *   item (from its seal on every writer is refused; what arrives later goes to its `L#` item) and
 *   a pane that holds all its minutes (the tick writes a pane only to add a minute to it).
 */
export class ReaderMemory {
  queueSlots: number[] = [];
  private readonly settled = new Map<string, StoredItem>();
  /** Settled panes decoded whole, by the kept item: they go when it does. */
  private readonly decodedPanes = new WeakMap<StoredItem, Pane>();

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
   * entries it needs), any other for this read only, as much as `needs` asks.
   */
  paneOf(paneStart: number, item: StoredItem | undefined, needs: PaneNeeds): Pane {
    if (!item || this.settled.get(sealedPaneItem(paneStart)) !== item) return paneOf(paneStart, item, needs);
    let pane = this.decodedPanes.get(item);
    if (!pane) {
      pane = paneOf(paneStart, item);
      this.decodedPanes.set(item, pane);
    }
    return pane;
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
