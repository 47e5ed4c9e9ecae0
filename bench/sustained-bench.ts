/**
 * 10,000 events/s as one lane lives it, for long enough that the write-back journal reaches its
 * steady state: states go to their items as their entities fall quiet, not all at once. The
 * write step's 1.5 s window on an empty table cannot show that: in it, no conversation is quiet
 * yet, so nothing is compacted, and every conversation is a first sight.
 *
 * The standard mix at 1,250 events/s on one telemetry and one pulse-events shard (one lane's share
 * of 10,000 events/s on the write step's 8 pulse shards), the clock following the events so the
 * tick seals minutes as it would: `warmMinutes` unmetered at batch 1000, then `meteredMinutes`
 * metered at batch 1000 and as many more at batch 100, the same traffic going on.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LaneStates } from '../pipeline/lane-states';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import { ownCpuSeconds } from './engine';
import { costOf, type RunCost } from './e2e-bench';
import { BenchPipeline, DynamoMeter } from './harness';
import { standardMix } from './mix';
import { nowMs, round } from './stats';

export interface SustainedRun extends RunCost {
  batchSize: number;
  events: number;
}

export interface SustainedResult {
  eventsPerSecond: number;
  warmMinutes: number;
  meteredMinutes: number;
  runs: SustainedRun[];
  /** After the last metered minute: what a process that holds none of the lane's states reads to start (docs/metrics-model.md). */
  recovery: { journalEntries: number; states: number; readUnits: number; ms: number };
}

const LANE = 'pulse-events/shardId-000000000000';

export async function sustainedBench(
  dynamo: DynamoDBClient,
  meter: DynamoMeter,
  options: { seed: number; eventsPerSecond: number; warmMinutes: number; meteredMinutes: number; endMs: number },
): Promise<SustainedResult> {
  const minutes = options.warmMinutes + 2 * options.meteredMinutes;
  const events = standardMix({
    seed: options.seed,
    count: Math.round(options.eventsPerSecond * 60 * minutes),
    endMs: options.endMs,
    eventsPerSecond: options.eventsPerSecond,
  });
  const firstAt = Date.parse(events[0]!.occurredAt);
  const before = (minute: number) => (event: CanonicalEventInput) => Date.parse(event.occurredAt) < firstAt + minute * 60_000;
  const warm = events.filter(before(options.warmMinutes));
  const metered1000 = events.slice(warm.length).filter(before(options.warmMinutes + options.meteredMinutes));
  const metered100 = events.slice(warm.length + metered1000.length);

  const pipeline = await BenchPipeline.create({
    dynamo,
    tableName: `sustained-${options.seed}`,
    nowMs: 0,
    clockFollowsEvents: true,
    telemetryShards: 1,
    pulseShards: 1,
  });
  await pipeline.process(warm, 1000);
  const runs: SustainedRun[] = [];
  for (const [batchSize, part] of [
    [1000, metered1000],
    [100, metered100],
  ] as const) {
    pipeline.stats.producerMs = 0;
    const used = meter.snapshot();
    const cpu = ownCpuSeconds();
    const started = nowMs();
    await pipeline.process(part, batchSize);
    const workMs = nowMs() - started - pipeline.stats.producerMs;
    runs.push({ batchSize, events: part.length, ...costOf(part.length, workMs, DynamoMeter.since(used, meter.snapshot()), ownCpuSeconds() - cpu) });
  }

  const readBefore = meter.snapshot();
  const started = nowMs();
  const view = await new LaneStates().open(pipeline.store, LANE);
  const ms = nowMs() - started;
  return {
    eventsPerSecond: options.eventsPerSecond,
    warmMinutes: options.warmMinutes,
    meteredMinutes: options.meteredMinutes,
    runs,
    recovery: {
      journalEntries: view.head - view.compactedThrough,
      states: view.pending.size,
      readUnits: round(DynamoMeter.since(readBefore, meter.snapshot()).readUnits),
      ms: round(ms),
    },
  };
}
