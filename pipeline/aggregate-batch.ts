import { entityKeyOf, isTelemetryFact } from '../aggregators/entity-routing';
import { foldEntityBatch, foldTelemetry, type LaneFold } from '../aggregators/fold-lane';
import { compareSequences } from '../aggregators/sequence';
import type { FreshnessSource } from '../schemas/alert-rules';
import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseRecord } from '../schemas/pulse-events';
import type { MetricsStore, SequencedCounters } from '../store/metrics-store';
import type { EventForwarder } from '../streams/event-forwarder';

export interface AggregatorDeps {
  store: MetricsStore;
  forwarder: EventForwarder;
  timeZone: string;
  now: () => number;
  /** Parallel writes to DynamoDB per batch. */
  writeConcurrency?: number;
}

export interface BatchOutcome {
  /** The first record not committed: it and everything after it must be delivered again. */
  failedFromSeq?: string;
  errors: unknown[];
  writes: number;
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
  if (records.length === 0) return { errors: [], writes: 0 };
  const keys = [...new Set(records.map((record) => entityKeyOf(record.event)))];
  const stored = await deps.store.getEntities(keys, lane);
  const fold = foldEntityBatch(records, stored, deps.timeZone, lane);
  return commitFold(deps, lane, fold, records);
}

/**
 * One shard batch of the producers' Kinesis stream: telemetry facts are counted here, on this
 * shard's lane; conversation and escalation events go on to their entity's writer.
 */
export async function ingestKinesisBatch(deps: AggregatorDeps, lane: string, records: readonly ShardRecord<CanonicalEvent>[]): Promise<BatchOutcome> {
  if (records.length === 0) return { errors: [], writes: 0 };
  const forwards = records.filter((record) => !isTelemetryFact(record.event)).map(toPulseRecord);
  try {
    if (forwards.length > 0) await deps.forwarder.forward(forwards);
  } catch (error) {
    return { failedFromSeq: records[0]!.seq, errors: [error], writes: 1 };
  }
  const telemetry = records.filter((record) => isTelemetryFact(record.event));
  const outcome = await commitFold(deps, lane, foldTelemetry(telemetry), telemetry);
  return { ...outcome, writes: outcome.writes + (forwards.length > 0 ? 1 : 0) };
}

export const toPulseRecord = (record: { event: CanonicalEvent; source: FreshnessSource; enteredAt: number }): PulseRecord => ({
  source: record.source,
  enteredAt: record.enteredAt,
  event: record.event,
});

/**
 * Counters first, then the user shares, then the entity states — and the states only when
 * everything before them landed. A state records which records it holds, so writing it last
 * means a retry recomputes exactly the deltas of every record whose state was not written,
 * while the counters' own watermarks stop any record from being counted twice.
 */
async function commitFold<E>(deps: AggregatorDeps, lane: string, fold: LaneFold, records: readonly ShardRecord<E>[]): Promise<BatchOutcome> {
  const first = records[0];
  if (!first) return { errors: [], writes: 0 };
  const concurrency = deps.writeConcurrency ?? 16;
  const counterTasks = [...unitsByItem(fold)].map(
    ([key, units]) =>
      () =>
        deps.store.applyCounters(lane, key, units),
  );
  const errors = await runAll(counterTasks, concurrency);
  let writes = counterTasks.length;
  if (errors.length === 0 && fold.forwards.length > 0) {
    const bySeq = new Map(records.map((record) => [record.seq, record]));
    const shares = fold.forwards.map(({ share, seq }) => ({
      source: bySeq.get(seq)?.source ?? first.source,
      enteredAt: bySeq.get(seq)?.enteredAt ?? first.enteredAt,
      event: share,
    }));
    errors.push(...(await runAll([() => deps.forwarder.forward(shares)], 1)));
    writes++;
  }
  if (errors.length > 0) return { failedFromSeq: first.seq, errors, writes };

  const failedFirstSeqs: string[] = [];
  const entityErrors = await runAll(
    fold.entityWrites.map((write) => async () => {
      try {
        await deps.store.putEntity(write, lane);
      } catch (error) {
        failedFirstSeqs.push(write.firstSeq);
        throw error;
      }
    }),
    concurrency,
  );
  writes += fold.entityWrites.length;
  const failedFromSeq = failedFirstSeqs.sort(compareSequences)[0];
  if (failedFromSeq !== undefined) return { failedFromSeq, errors: entityErrors, writes };
  writes += await recordFreshness(deps, records);
  return { errors: [], writes };
}

/** Per source in the batch: the newest event time applied, when, and how long the newest record waited. */
async function recordFreshness<E>(deps: AggregatorDeps, records: readonly ShardRecord<E>[]): Promise<number> {
  const appliedAt = deps.now();
  const bySource = new Map<FreshnessSource, { newestEventAt: number; newestEnteredAt: number }>();
  for (const record of records) {
    const occurredAt = Date.parse((record.event as { occurredAt: string }).occurredAt);
    const seen = bySource.get(record.source) ?? { newestEventAt: -Infinity, newestEnteredAt: -Infinity };
    bySource.set(record.source, {
      newestEventAt: Math.max(seen.newestEventAt, occurredAt),
      newestEnteredAt: Math.max(seen.newestEnteredAt, record.enteredAt),
    });
  }
  await Promise.all(
    [...bySource].map(([source, seen]) =>
      deps.store.recordFreshness(source, {
        newestEventAt: new Date(seen.newestEventAt).toISOString(),
        appliedAt: new Date(appliedAt).toISOString(),
        lagSeconds: Math.max(0, Math.round((appliedAt - seen.newestEnteredAt) / 10) / 100),
      }),
    ),
  );
  return bySource.size * 2;
}

function unitsByItem(fold: LaneFold): Map<string, SequencedCounters[]> {
  const byItem = new Map<string, SequencedCounters[]>();
  for (const { seq, deltas } of fold.units) {
    for (const [key, counters] of deltas) {
      const units = byItem.get(key) ?? [];
      units.push({ seq, counters });
      byItem.set(key, units);
    }
  }
  return byItem;
}

/** Runs tasks with bounded parallelism; returns the errors, never throws. */
async function runAll(tasks: readonly (() => Promise<unknown>)[], concurrency: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return errors;
}
