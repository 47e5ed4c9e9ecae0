import type { EntityWrite, StoredEntity } from '../aggregators/fold-lane';
import { DEFAULT_WRITE_BACK_QUIET_SECONDS } from '../config/settings';
import type { JournalEntry, MetricsStore } from '../store/metrics-store';

/**
 * When a lane writes entity items and when it journals (docs/metrics-model.md, "The write-back
 * journal"). The defaults were chosen on the standard mix at one lane's share of 10,000 events/s
 * (`npm run bench`, the sustained step).
 */
export interface WriteBackPolicy {
  /** A batch that changes at most this many entities, on a lane with nothing journaled, writes their items directly (the quiet hours). */
  directWrites: number;
  /** A journaled state goes to its item once its entity has had no event for this long (event time, against the batch's newest). */
  quietMs: number;
  /** …or once this many journal entries were written after it: a recovery reads at most this many. */
  maxSpan: number;
  /**
   * How far event time may pass the first state's quiet point before a batch looks for quiet
   * states: a look is a pass over every state the lane holds (tens of thousands at the full
   * rate), so it is made every few seconds of event time, not every batch. A state then waits
   * at most `quietMs + compactAfterMs`.
   */
  compactAfterMs: number;
}

/**
 * The policy for WRITE_BACK_QUIET_SECONDS. 0 turns the journal off: every batch writes its
 * entities' items, after one batch per lane has written what its journal still held.
 *
 * Not "empty the journal when a batch is small": a lane's batches are small whenever a poll finds
 * few records, and at 10,000 events/s that would write tens of thousands of items at once.
 * Quiet states reach their items as event time goes on, so a lane whose traffic falls empties its
 * journal within `quietMs` and then writes items directly again.
 */
export const writeBackPolicyOf = (quietSeconds: number): WriteBackPolicy =>
  quietSeconds > 0
    ? { directWrites: 8, quietMs: quietSeconds * 1000, maxSpan: 1000, compactAfterMs: 500 }
    : { directWrites: Number.POSITIVE_INFINITY, quietMs: 0, maxSpan: 0, compactAfterMs: 0 };

export const DEFAULT_WRITE_BACK_POLICY: WriteBackPolicy = writeBackPolicyOf(DEFAULT_WRITE_BACK_QUIET_SECONDS);

/** A process's lane states, with the policy its settings name (WRITE_BACK_QUIET_SECONDS). */
export const laneStatesFor = (settings: { writeBackQuietSeconds: number }, onJournalRead?: (read: JournalRead) => void): LaneStates =>
  new LaneStates(writeBackPolicyOf(settings.writeBackQuietSeconds), onJournalRead);

/** A state this process holds of its lane: in journal entry `n`, not yet in its entity's item. */
interface Pending {
  entry: JournalEntry;
  n: number;
}

/** What this process knows of one lane's journal. */
export interface LaneView {
  head: number;
  compactedThrough: number;
  pending: Map<string, Pending>;
  /**
   * At most the oldest event time of the states held (lowered as states come, made exact by
   * each compaction's pass): until it is quiet, or the entry after `compactedThrough` is
   * `maxSpan` back, no pass is needed.
   */
  oldestEventAt: number;
}

/** What a process read of a lane's journal because it did not hold the lane's states (for on-call: LaneJournalReads). */
export interface JournalRead {
  lane: string;
  entries: number;
  states: number;
}

/**
 * Lanes whose states a process keeps. A container may run batches of many lanes in turn, and a
 * busy lane holds tens of thousands of states (tens of MB): the least recently used lane is
 * dropped, which costs only a read of its journal if its next batch comes here.
 */
const LANES_KEPT = 2;

/**
 * The lanes' journaled entity states that this process holds, between its invocations (a Lambda
 * container keeps them while it lives). They are only ever a copy of the journal: written to it
 * before they are kept here, and dropped on any doubt, so a process that lost them, or never had
 * them, reads the journal again.
 */
export class LaneStates {
  /** In order of use, the least recent first. */
  private readonly lanes = new Map<string, LaneView>();

  constructor(
    readonly policy: WriteBackPolicy = DEFAULT_WRITE_BACK_POLICY,
    private readonly onJournalRead: (read: JournalRead) => void = () => {},
  ) {}

  /**
   * The lane's view, after checking that no other process wrote to its journal or compacted it
   * since this one last did (then the states held here may be stale, and the journal is read).
   */
  async open(store: MetricsStore, lane: string): Promise<LaneView> {
    const held = this.lanes.get(lane);
    if (held) {
      this.lanes.delete(lane);
      const { nextExists, compactedThrough } = await store.journalPosition(lane, held.head + 1);
      if (!nextExists && compactedThrough === held.compactedThrough) return this.keep(lane, held);
    }
    const { position, entries } = await store.readJournal(lane);
    const view: LaneView = { ...position, pending: new Map(), oldestEventAt: Number.POSITIVE_INFINITY };
    for (const { n, entry } of entries) hold(view, entry, n);
    this.keep(lane, view);
    this.onJournalRead({ lane, entries: position.head - position.compactedThrough, states: view.pending.size });
    return view;
  }

  private keep(lane: string, view: LaneView): LaneView {
    this.lanes.set(lane, view);
    for (const oldest of this.lanes.keys()) {
      if (this.lanes.size <= LANES_KEPT) break;
      this.lanes.delete(oldest);
    }
    return view;
  }

  forget(lane: string): void {
    this.lanes.delete(lane);
  }

  forgetAll(): void {
    this.lanes.clear();
  }
}

/** The batch's entities as the fold starts from them: journaled ones from the view, the others from `items`. */
export function storedEntities(view: LaneView, keys: readonly string[], items: ReadonlyMap<string, StoredEntity>): Map<string, StoredEntity> {
  const stored = new Map<string, StoredEntity>();
  for (const key of keys) {
    const pending = view.pending.get(key);
    const found = pending ? { state: pending.entry.state, appliedSeq: pending.entry.appliedSeq } : items.get(key);
    if (found) stored.set(key, found);
  }
  return stored;
}

/** Whether a batch writes its entities' items directly, as before the journal: nothing is journaled, and the batch changes few. */
export const writesDirectly = (view: LaneView, writes: readonly EntityWrite[], policy: WriteBackPolicy): boolean =>
  view.pending.size === 0 && writes.length <= policy.directWrites;

/** Keeps a batch's journaled states, written as entries up to `head`. */
export function recordJournaled(view: LaneView, entries: readonly JournalEntry[], head: number): void {
  // A batch split over several entries is kept as of its last: the compaction point then waits for all of them.
  for (const entry of entries) hold(view, entry, head);
  view.head = head;
}

function hold(view: LaneView, entry: JournalEntry, n: number): void {
  view.pending.set(entry.key, { entry, n });
  view.oldestEventAt = Math.min(view.oldestEventAt, entry.lastEventAt);
}

/** What a batch's compaction writes, where the compaction point may go, and what the states left make due next. */
export interface Compaction {
  entries: JournalEntry[];
  through: number;
  /** The oldest event time of the states left; absent when no pass was made (nothing was due, the view's bound stands). */
  oldestEventAtLeft?: number;
}

/**
 * The states to write to their items after a batch whose newest event is at `newestAt`, and how
 * far the compaction point may then move: to just before the oldest entry still holding a state.
 */
export function compactionOf(view: LaneView, newestAt: number, policy: WriteBackPolicy): Compaction {
  const quietDue = newestAt - view.oldestEventAt >= policy.quietMs + policy.compactAfterMs;
  // Every state held is in an entry after the compaction point: the next one is the oldest it can be.
  const spanDue = view.head - (view.compactedThrough + 1) >= policy.maxSpan;
  if (!quietDue && !spanDue) return { entries: [], through: view.compactedThrough };
  const entries: JournalEntry[] = [];
  let oldestKept = view.head + 1;
  let oldestEventAtLeft = Number.POSITIVE_INFINITY;
  for (const { entry, n } of view.pending.values()) {
    if (newestAt - entry.lastEventAt >= policy.quietMs || view.head - n >= policy.maxSpan) entries.push(entry);
    else {
      oldestKept = Math.min(oldestKept, n);
      oldestEventAtLeft = Math.min(oldestEventAtLeft, entry.lastEventAt);
    }
  }
  return { entries, through: oldestKept - 1, oldestEventAtLeft };
}

/** Forgets the states written to their items, and moves the view's compaction point. */
export function recordCompacted(view: LaneView, { entries, through, oldestEventAtLeft }: Compaction): void {
  for (const entry of entries) view.pending.delete(entry.key);
  view.compactedThrough = Math.max(view.compactedThrough, through);
  if (oldestEventAtLeft !== undefined) view.oldestEventAt = oldestEventAtLeft;
}
