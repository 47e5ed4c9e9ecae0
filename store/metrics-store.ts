import type { CounterKey } from '../aggregators/counters';
import { minuteOf } from '../aggregators/time';
import type { CounterUnit, EntityWrite, StoredEntity } from '../aggregators/fold-lane';
import type { EntityState } from '../aggregators/entity-state';

/** What a batch says of its source when it commits: folded into a counter write the batch makes anyway. */
export interface FreshnessStamp {
  source: string;
  lane: string;
  /** Newest `occurredAt` applied (epoch ms). */
  newestEventAt: number;
  appliedAt: number;
  /** How long the batch's newest record waited between entering the transport and being committed. */
  lagMs: number;
}

/**
 * A lane whose batch failed: the oldest record it holds back, and when it last failed. Given to
 * the store with the full lane; the store hands markers back with its own short id of the lane,
 * the same id that the snapshot's freshness stamps carry.
 */
export interface StuckLane {
  source: string;
  lane: string;
  oldestEnteredAt: number;
  failedAt: number;
}

/** One hour of the active total after a write: its per-minute entries and the version that wrote them. */
export interface ActiveHour {
  hour: number;
  version: number;
  /** Difference-array entries of the active total, by minute (aggregators/coverage.ts). */
  entries: ReadonlyMap<number, number>;
  /**
   * The entries just before this write, when this write changed them; absent when it found its
   * units already applied (a retry), so the caller cannot tell what changed and must record anew.
   */
  previous?: ReadonlyMap<number, number>;
}

/** Everything the document at `atMs` needs, fetched with a fixed number of key look-ups. */
export interface Snapshot {
  atMs: number;
  /** When it was read. Before `atMs`'s minute it is a look-back: gauges come from their time line, freshness from the tick's record. */
  nowMs: number;
  /** Counters of the last hour's minutes, this hour's series, today, the gauges and the oldest pending escalations. */
  counters: ReadonlyMap<CounterKey, number>;
  /** Today's highest active total per UTC hour (for the day's peak), as writers last recorded them. */
  hourPeaks: ReadonlyMap<number, number>;
  /** The p95 of each sealed minute whose sketch the read did not fetch (older than the last 5 minutes), by minute. */
  minuteP95: ReadonlyMap<number, number>;
  /** The newest stamp of every lane that committed in the last hour (lanes by the store's short id). */
  freshness: readonly FreshnessStamp[];
  /** What the tick last recorded per source: used when no lane committed in the last hour. */
  lastKnownFreshness: ReadonlyMap<string, { newestEventAt: string | null; lastAppliedAt: string | null; lagSeconds: number | null }>;
  stuck: readonly StuckLane[];
  alertSince: ReadonlyMap<string, number>;
}

/**
 * An entity state that a lane's journal holds until it is written to the entity's own item
 * (docs/metrics-model.md, "The write-back journal").
 */
export interface JournalEntry {
  key: string;
  state: EntityState;
  appliedSeq: string;
  /** The newest event time of the lane's records in the state: how long the entity has been quiet. */
  lastEventAt: number;
}

/** A lane's journal: entries 1…head exist, and every state in entries 1…compactedThrough is in its entity's item. */
export interface JournalPosition {
  head: number;
  compactedThrough: number;
}

/** A read at `atMs` made at `nowMs` looks back when `atMs` lies in an earlier minute (SPEC §4.1: the document counts its minute whole). */
export const isLookBack = (atMs: number, nowMs: number): boolean => minuteOf(atMs) < minuteOf(nowMs);

/** The snapshot of a table that holds nothing yet: what a read of a fresh deployment gets. */
export const emptySnapshot = (atMs: number): Snapshot => ({
  atMs,
  nowMs: atMs,
  counters: new Map(),
  hourPeaks: new Map(),
  minuteP95: new Map(),
  freshness: [],
  lastKnownFreshness: new Map(),
  stuck: [],
  alertSince: new Map(),
});

/**
 * The metrics table, as the rest of Clara Pulse sees it. Every write is idempotent on its own,
 * so a commit needs no transaction: repeating any part of it changes nothing.
 */
export interface MetricsStore {
  /** What this store's calls have cost so far (cumulative). */
  readonly usage: StoreUsage;
  /** Entity states by key, with how far `lane` has applied each: read strongly consistent. */
  getEntities(keys: readonly string[], lane: string): Promise<Map<string, StoredEntity>>;
  /**
   * Replaces entities' states, each provided `lane` is still where the batch found it. Never
   * throws: returns the writes that did not land, with why.
   */
  putEntities(writes: readonly EntityWrite[], lane: string): Promise<{ write: EntityWrite; error: unknown }[]>;
  /**
   * Whether journal entry `next` of the lane exists, and how far the journal is compacted: a
   * strongly consistent read, by which a process that holds the lane's states learns that another
   * process went on after it.
   */
  journalPosition(lane: string, next: number): Promise<{ nextExists: boolean; compactedThrough: number }>;
  /** The lane's journal after its compaction point, oldest entry first: what a process that holds none of its states starts from. */
  readJournal(lane: string): Promise<{ position: JournalPosition; entries: { n: number; entry: JournalEntry }[] }>;
  /**
   * Writes a batch's entries as journal entries `from`, `from + 1`, … (as many as their size
   * needs), each created only if it does not exist: throws LaneConflictError if another process
   * wrote one first. Returns the last entry written.
   */
  appendJournal(lane: string, from: number, entries: readonly JournalEntry[]): Promise<number>;
  /**
   * Writes journaled states to their entities' items, unless an item already holds a later
   * record of `lane`. Never throws: returns the entries that did not land, with why.
   */
  compactEntities(entries: readonly JournalEntry[], lane: string): Promise<{ entry: JournalEntry; error: unknown }[]>;
  /** Moves the lane's compaction point forward to `through` (never back). */
  markCompacted(lane: string, through: number): Promise<void>;
  /**
   * Adds each unit's counters to the items they live in, one conditional update per item, and
   * skips the units this lane already applied to an item (each item keeps the lane's highest
   * applied sequence number). The stamps ride along on the current minute's item. Returns every
   * hour of the active total the batch touched, as it stands after the write.
   */
  applyCounters(lane: string, units: readonly CounterUnit[], stamps: readonly FreshnessStamp[]): Promise<ActiveHour[]>;
  /** Records an hour's highest active total for a local date, unless a later version already did. */
  recordPeak(localDate: string, hour: number, version: number, peak: number): Promise<void>;
  /** Says that a lane is held back, so lag is measured from its oldest uncommitted record. */
  markStuck(lane: StuckLane): Promise<void>;
  /** Forgets a marker, unless the lane failed again since it was read (the tick clears markers of lanes that committed since). */
  clearStuck(lane: StuckLane): Promise<void>;
  /**
   * Counts measurements of Clara Pulse's own functions into a minute. They are kept in memory and
   * ride along on the next counter write to that minute; whatever waits longer than a minute is
   * written on its own. Each invocation is one measurement: no watermark.
   */
  addMeasurements(minute: number, counters: ReadonlyMap<string, number>): Promise<void>;
  /** Writes the measurements still waiting (an invocation that is about to freeze, or a tick). */
  flushMeasurements(): Promise<void>;
  /** Remembers since when each firing alert fires; forgets the ones that stopped. */
  recordAlertState(firingIds: readonly string[], atMs: number): Promise<void>;
  /** Keeps what the tick saw of each source, for the document to show when nothing committed for an hour. */
  recordKnownFreshness(source: string, freshness: { newestEventAt: string | null; lastAppliedAt: string | null; lagSeconds: number | null }): Promise<void>;
  /**
   * Keeps the long-lived items small: removes lane watermarks last written before `beforeSeconds`
   * (their shards are long drained), pending counters back at zero, and empty hours of the queue.
   */
  compactGauges(beforeSeconds: number): Promise<number>;
  /**
   * Seals the closed minutes of the last hour (up to 2 minutes before `nowMs`) that are not sealed
   * yet: each minute item is frozen, and what a read needs of it goes into its 30-minute pane, so a
   * read fetches 3 panes instead of 55 minute items. Later writes for a sealed minute go to its
   * late item. Idempotent; returns how many minutes it sealed.
   */
  sealClosedMinutes(nowMs: number): Promise<number>;
  /**
   * The document's items at `atMs`, read at `nowMs` (a look-back when `atMs` lies in an earlier
   * minute, up to 48 h): one BatchGetItem, and one more when escalations are pending or to look back.
   */
  readSnapshot(atMs: number, timeZone: string, nowMs?: number): Promise<Snapshot>;
}

/** What the store's own DynamoDB calls cost, for `systemPerformance.dynamoDbMetrics`. */
export interface StoreUsage {
  readUnits: number;
  writeUnits: number;
  throttled: number;
  succeeded: number;
  requests: number;
}
