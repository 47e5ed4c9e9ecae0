import type { EntityWrite, StoredEntity } from '../aggregators/fold-lane';

/** Counter deltas of one item that came from one delivery unit. */
export interface SequencedCounters {
  seq: string;
  counters: ReadonlyMap<string, number>;
}

/** A stored item, as plain JS values. */
export type StoredItem = Record<string, unknown>;

/**
 * The metrics table, as the rest of Clara Pulse sees it. Every write is idempotent on its own,
 * so a commit needs no transaction: repeating any part of it changes nothing.
 */
export interface MetricsStore {
  /** What this store's calls have cost so far (cumulative). */
  readonly usage: StoreUsage;
  /** Entity states by key, with how far `lane` has applied each. */
  getEntities(keys: readonly string[], lane: string): Promise<Map<string, StoredEntity>>;
  /** Replaces an entity's state, provided `lane` is still where the batch found it. */
  putEntity(write: EntityWrite, lane: string): Promise<void>;
  /**
   * Adds the counters of each unit to one item, skipping units that this lane already applied
   * to that item (the item keeps the lane's highest applied sequence number).
   */
  applyCounters(lane: string, key: string, units: readonly SequencedCounters[]): Promise<void>;
  /** Moves a source's freshness forward (the newest event time only ever grows). */
  recordFreshness(source: string, freshness: SourceFreshnessUpdate): Promise<void>;
  /** Adds measurements of Clara Pulse's own functions and calls to a minute bucket (plain sums: each invocation is one). */
  addMeasurements(key: string, counters: ReadonlyMap<string, number>): Promise<void>;
  /** Remembers since when each firing alert fires; forgets the ones that stopped. */
  recordAlertState(firingIds: readonly string[], atMs: number): Promise<void>;
  /**
   * Keeps a long-lived gauge item small: removes lane watermarks last written before
   * `beforeSeconds` (their shards are long drained) and pending counters back at zero.
   */
  compactGauges(key: string, beforeSeconds: number): Promise<number>;
  /** Fetches items by key, in as few requests as the engine allows (one for ≤ 100 keys). */
  getItems(keys: readonly string[]): Promise<Map<string, StoredItem>>;
}

export interface SourceFreshnessUpdate {
  newestEventAt: string;
  appliedAt: string;
  lagSeconds: number;
}

/** What the store's own DynamoDB calls cost, for `systemPerformance.dynamoDbMetrics`. */
export interface StoreUsage {
  readUnits: number;
  writeUnits: number;
  throttled: number;
  succeeded: number;
  requests: number;
}
