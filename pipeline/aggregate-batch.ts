import type { FoldContext } from '../aggregators/entity-contributions';
import { entityKeyOf, isTelemetryFact } from '../aggregators/entity-routing';
import { type EntityWrite, foldEntityBatch, foldTelemetry, type LaneFold } from '../aggregators/fold-lane';
import { peaksOfHour } from '../aggregators/peak';
import { compareSequences } from '../aggregators/sequence';
import type { FreshnessSource } from '../schemas/alert-rules';
import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseRecord } from '../schemas/pulse-events';
import type { ActiveHour, FreshnessStamp, MetricsStore } from '../store/metrics-store';
import type { EventForwarder } from '../streams/event-forwarder';
import { compactionOf, type LaneStates, type LaneView, recordCompacted, recordJournaled, storedEntities, writesDirectly } from './lane-states';

export interface AggregatorDeps {
  store: MetricsStore;
  forwarder: EventForwarder;
  context: FoldContext;
  now: () => number;
}

/** The internal stream's aggregator also holds its lanes' journaled entity states between invocations. */
export interface EntityAggregatorDeps extends AggregatorDeps {
  laneStates: LaneStates;
}

export interface BatchOutcome {
  /** The first record not committed: it and everything after it must be delivered again. */
  failedFromSeq?: string;
  /** Why it failed; without `failedFromSeq`, what went wrong after the batch committed (a compaction). */
  errors: unknown[];
}

/** A record of a shard, with what the freshness report needs to know of it. */
export interface ShardRecord<E> {
  seq: string;
  event: E;
  source: FreshnessSource;
  enteredAt: number;
}

/**
 * One shard batch of the internal stream: read the entities (the lane's journaled ones from this
 * process, the others from their items), fold, commit the counters, then keep the changed states:
 * in their items, or in the lane's journal (docs/metrics-model.md, "The write-back journal").
 */
export async function aggregateEntityBatch(
  deps: EntityAggregatorDeps,
  lane: string,
  records: readonly ShardRecord<PulseRecord['event']>[],
): Promise<BatchOutcome> {
  if (records.length === 0) return { errors: [] };
  const lastEventAt = lastEventAtByEntity(records);
  const keys = [...lastEventAt.keys()];
  const view = await deps.laneStates.open(deps.store, lane);
  const fromItems = keys.filter((key) => !view.pending.has(key));
  const stored = storedEntities(view, keys, fromItems.length > 0 ? await deps.store.getEntities(fromItems, lane) : new Map());
  const fold = foldEntityBatch(records, stored, deps.context, lane);
  return commitFold(deps, lane, fold, records, records, (writes) => keepStates(deps, lane, view, writes, records, lastEventAt));
}

/**
 * Writes the batch's states to their items, or journals them and writes the quiet ones' items.
 * `lastEventAt`: the newest event time of each entity's records in the batch.
 */
async function keepStates(
  deps: EntityAggregatorDeps,
  lane: string,
  view: LaneView,
  writes: readonly EntityWrite[],
  records: readonly ShardRecord<PulseRecord['event']>[],
  lastEventAt: ReadonlyMap<string, number>,
): Promise<BatchOutcome> {
  const { policy } = deps.laneStates;
  if (writesDirectly(view, writes, policy)) return putEntityItems(deps, lane, writes, records);
  if (writes.length > 0) {
    const entries = writes.map((write) => ({ key: write.key, state: write.state, appliedSeq: write.appliedSeq, lastEventAt: lastEventAt.get(write.key) ?? 0 }));
    try {
      recordJournaled(view, entries, await deps.store.appendJournal(lane, view.head + 1, entries));
    } catch (error) {
      deps.laneStates.forget(lane);
      return failed(deps, lane, records, writes.map((write) => write.firstSeq).sort(compareSequences)[0]!, [error]);
    }
  }
  const compaction = compactionOf(view, Math.max(...lastEventAt.values()), policy);
  const { entries, through } = compaction;
  try {
    const refused = entries.length > 0 ? await deps.store.compactEntities(entries, lane) : [];
    if (refused.length > 0) throw refused[0]!.error;
    if (through > view.compactedThrough) await deps.store.markCompacted(lane, through);
    recordCompacted(view, compaction);
    return { errors: [] };
  } catch (error) {
    // The batch is committed and its states are in the journal; this process only no longer
    // knows how far the items are, so it reads the journal at its next batch.
    deps.laneStates.forget(lane);
    return { errors: [error] };
  }
}

async function putEntityItems<E>(
  deps: AggregatorDeps,
  lane: string,
  writes: readonly EntityWrite[],
  records: readonly ShardRecord<E>[],
): Promise<BatchOutcome> {
  const refused = await deps.store.putEntities(writes, lane);
  const failedFromSeq = refused.map(({ write }) => write.firstSeq).sort(compareSequences)[0];
  if (failedFromSeq === undefined) return { errors: [] };
  return failed(
    deps,
    lane,
    records,
    failedFromSeq,
    refused.map(({ error }) => error),
  );
}

/** The batch's entities, in the order they first come, each with the newest event time of its records. */
function lastEventAtByEntity(records: readonly ShardRecord<PulseRecord['event']>[]): Map<string, number> {
  const lastEventAt = new Map<string, number>();
  for (const record of records) {
    const key = entityKeyOf(record.event);
    lastEventAt.set(key, Math.max(lastEventAt.get(key) ?? Number.NEGATIVE_INFINITY, occurredAtOf(record)));
  }
  return lastEventAt;
}

const occurredAtOf = <E>(record: ShardRecord<E>): number => Date.parse((record.event as { occurredAt: string }).occurredAt);

/**
 * One shard batch of the producers' Kinesis stream: telemetry facts are counted here, on this
 * shard's lane; conversation and escalation events go on to their entity's writer.
 */
export async function ingestKinesisBatch(deps: AggregatorDeps, lane: string, records: readonly ShardRecord<CanonicalEvent>[]): Promise<BatchOutcome> {
  if (records.length === 0) return { errors: [] };
  const forwards = records.filter((record) => !isTelemetryFact(record.event)).map(toPulseRecord);
  try {
    if (forwards.length > 0) await deps.forwarder.forward(forwards);
  } catch (error) {
    return failed(deps, lane, records, records[0]!.seq, [error]);
  }
  const telemetry = records.filter((record) => isTelemetryFact(record.event));
  // Only what is counted here is stamped: the forwarded events are stamped where they are applied.
  return commitFold(deps, lane, foldTelemetry(telemetry, deps.context), telemetry, records);
}

export const toPulseRecord = (record: { event: CanonicalEvent; source: FreshnessSource; enteredAt: number }): PulseRecord => ({
  source: record.source,
  enteredAt: record.enteredAt,
  event: record.event,
});

/**
 * Counters first (with the batch's freshness riding on them), then the day's peak, the user
 * shares and the entity states — the states only when everything before them landed. A state
 * records which records it holds, so writing it last means a retry recomputes exactly the
 * deltas of every record whose state was not written, while the counters' own watermarks stop
 * any record from being counted twice.
 */
async function commitFold<E>(
  deps: AggregatorDeps,
  lane: string,
  fold: LaneFold,
  counted: readonly ShardRecord<E>[],
  records: readonly ShardRecord<E>[] = counted,
  keep: (writes: readonly EntityWrite[]) => Promise<BatchOutcome> = (writes) => putEntityItems(deps, lane, writes, records),
): Promise<BatchOutcome> {
  const first = records[0];
  if (!first) return { errors: [] };
  try {
    const hours = await deps.store.applyCounters(lane, fold.units, freshnessStamps(lane, counted, deps.now()));
    const bySeq = new Map(records.map((record) => [record.seq, record]));
    const shares = fold.forwards.map(({ share, seq }) => ({
      source: bySeq.get(seq)?.source ?? first.source,
      enteredAt: bySeq.get(seq)?.enteredAt ?? first.enteredAt,
      event: share,
    }));
    await Promise.all([recordPeaks(deps, hours), shares.length > 0 ? deps.forwarder.forward(shares) : undefined]);
  } catch (error) {
    return failed(deps, lane, records, first.seq, [error]);
  }

  return keep(fold.entityWrites);
}

/**
 * The day's peak, per hour: recorded when this write changed the hour's highest active total
 * (or when a retry cannot tell, because it found its write already made), with the version of
 * the hour it saw, so an older view never overwrites a newer one.
 */
async function recordPeaks(deps: AggregatorDeps, hours: readonly ActiveHour[]): Promise<void> {
  const timeZone = deps.context.timeZone;
  for (const hour of hours) {
    const before = hour.previous && peaksOfHour(hour.hour, hour.previous, timeZone);
    for (const [date, peak] of peaksOfHour(hour.hour, hour.entries, timeZone)) {
      if (before?.get(date) === peak) continue;
      await deps.store.recordPeak(date, hour.hour, hour.version, peak);
    }
  }
}

/** Per source in the batch: the newest event time applied, and how long the newest record waited (Lambda's iterator age). */
function freshnessStamps<E>(lane: string, records: readonly ShardRecord<E>[], appliedAt: number): FreshnessStamp[] {
  const bySource = new Map<FreshnessSource, FreshnessStamp>();
  for (const record of records) {
    const occurredAt = occurredAtOf(record);
    const seen = bySource.get(record.source);
    bySource.set(record.source, {
      source: record.source,
      lane,
      newestEventAt: Math.max(seen?.newestEventAt ?? Number.NEGATIVE_INFINITY, occurredAt),
      appliedAt,
      lagMs: Math.max(0, Math.min(seen?.lagMs ?? Number.POSITIVE_INFINITY, appliedAt - record.enteredAt)),
    });
  }
  return [...bySource.values()];
}

/**
 * A batch that could not commit holds its lane back: the marker lets the document measure lag
 * from its oldest uncommitted record (as Lambda's IteratorAge does), not from the last commit.
 */
async function failed<E>(
  deps: AggregatorDeps,
  lane: string,
  records: readonly ShardRecord<E>[],
  failedFromSeq: string,
  errors: unknown[],
): Promise<BatchOutcome> {
  const held = records.filter((record) => compareSequences(record.seq, failedFromSeq) >= 0);
  const failedAt = deps.now();
  try {
    await Promise.all(
      sourcesOf(held).map((source) =>
        deps.store.markStuck({ source, lane, oldestEnteredAt: Math.min(...held.filter((r) => r.source === source).map((r) => r.enteredAt)), failedAt }),
      ),
    );
  } catch (error) {
    errors.push(error); // the table itself may be what fails: the batch still reports its own error first
  }
  return { failedFromSeq, errors };
}

const sourcesOf = <E>(records: readonly ShardRecord<E>[]): FreshnessSource[] => [...new Set(records.map((record) => record.source))];
