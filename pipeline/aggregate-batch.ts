import type { FoldContext } from '../aggregators/entity-contributions';
import { entityKeyOf, isTelemetryFact } from '../aggregators/entity-routing';
import { foldEntityBatch, foldTelemetry, type LaneFold } from '../aggregators/fold-lane';
import { peaksOfHour } from '../aggregators/peak';
import { compareSequences } from '../aggregators/sequence';
import type { FreshnessSource } from '../schemas/alert-rules';
import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseRecord } from '../schemas/pulse-events';
import type { ActiveHour, FreshnessStamp, MetricsStore } from '../store/metrics-store';
import type { EventForwarder } from '../streams/event-forwarder';

export interface AggregatorDeps {
  store: MetricsStore;
  forwarder: EventForwarder;
  context: FoldContext;
  now: () => number;
}

export interface BatchOutcome {
  /** The first record not committed: it and everything after it must be delivered again. */
  failedFromSeq?: string;
  errors: unknown[];
}

/** A record of a shard, with what the freshness report needs to know of it. */
export interface ShardRecord<E> {
  seq: string;
  event: E;
  source: FreshnessSource;
  enteredAt: number;
}

/** One shard batch of the internal stream: read the entities, fold, commit. */
export async function aggregateEntityBatch(deps: AggregatorDeps, lane: string, records: readonly ShardRecord<PulseRecord['event']>[]): Promise<BatchOutcome> {
  if (records.length === 0) return { errors: [] };
  const keys = [...new Set(records.map((record) => entityKeyOf(record.event)))];
  const stored = await deps.store.getEntities(keys, lane);
  const fold = foldEntityBatch(records, stored, deps.context, lane);
  return commitFold(deps, lane, fold, records);
}

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

  const refused = await deps.store.putEntities(fold.entityWrites, lane);
  const failedFromSeq = refused.map(({ write }) => write.firstSeq).sort(compareSequences)[0];
  if (failedFromSeq !== undefined)
    return failed(
      deps,
      lane,
      records,
      failedFromSeq,
      refused.map(({ error }) => error),
    );
  return { errors: [] };
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
    const occurredAt = Date.parse((record.event as { occurredAt: string }).occurredAt);
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
