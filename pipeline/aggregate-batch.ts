import { entityKeyOf } from '../aggregators/entity-routing';
import { foldEntityBatch, foldTelemetry, type LaneFold, type LaneRecord } from '../aggregators/fold-lane';
import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseEvent } from '../schemas/pulse-events';
import type { MetricsStore, SequencedCounters } from '../store/metrics-store';
import type { EventForwarder } from '../streams/event-forwarder';

export interface AggregatorDeps {
  store: MetricsStore;
  forwarder: EventForwarder;
  timeZone: string;
  /** Parallel writes to DynamoDB per batch. */
  writeConcurrency?: number;
}

export interface BatchOutcome {
  /** The first record not committed: it and everything after it must be delivered again. */
  failedFromSeq?: string;
  errors: unknown[];
  writes: number;
}

/** One shard batch of the internal stream: read the entities, fold, commit. */
export async function aggregateEntityBatch(deps: AggregatorDeps, lane: string, records: readonly LaneRecord[]): Promise<BatchOutcome> {
  if (records.length === 0) return { errors: [], writes: 0 };
  const keys = [...new Set(records.map((record) => entityKeyOf(record.event)))];
  const stored = await deps.store.getEntities(keys, lane);
  const fold = foldEntityBatch(records, stored, deps.timeZone);
  return commitFold(deps, lane, fold, records[0]!.seq);
}

/** One shard batch of telemetry straight from the producers' Kinesis stream. */
export async function aggregateTelemetryBatch(
  deps: AggregatorDeps,
  lane: string,
  records: readonly LaneRecord<CanonicalEvent>[],
): Promise<BatchOutcome> {
  if (records.length === 0) return { errors: [], writes: 0 };
  return commitFold(deps, lane, foldTelemetry(records), records[0]!.seq);
}

/**
 * Counters first, then the user shares, then the entity states — and the states only when
 * everything before them landed. A state records which records it holds, so writing it last
 * means a retry recomputes exactly the deltas of every record whose state was not written,
 * while the counters' own watermarks stop any record from being counted twice.
 */
async function commitFold(deps: AggregatorDeps, lane: string, fold: LaneFold, batchFirstSeq: string): Promise<BatchOutcome> {
  const concurrency = deps.writeConcurrency ?? 16;
  const counterTasks = [...unitsByItem(fold)].map(([key, units]) => () => deps.store.applyCounters(lane, key, units));
  const counterErrors = await runAll(counterTasks, concurrency);
  const forwardErrors = counterErrors.length === 0 && fold.forwards.length > 0 ? await runAll([() => deps.forwarder.forward(fold.forwards)], 1) : [];
  const writes = counterTasks.length + (fold.forwards.length > 0 ? 1 : 0);
  if (counterErrors.length > 0 || forwardErrors.length > 0) {
    return { failedFromSeq: batchFirstSeq, errors: [...counterErrors, ...forwardErrors], writes };
  }

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
  const failedFromSeq = failedFirstSeqs.sort(bySequence)[0];
  return { errors: entityErrors, writes: writes + fold.entityWrites.length, ...(failedFromSeq !== undefined && { failedFromSeq }) };
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

const bySequence = (a: string, b: string): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

export type { LaneRecord, PulseEvent };
