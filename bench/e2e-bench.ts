/**
 * End to end and write cost: the ingest and aggregator functions committing to dynalite,
 * at several batch sizes, with every DynamoDB request and unit counted; and the naive designs
 * on the same events.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import { ownCpuSeconds, type ChildEngine } from './engine';
import { BenchPipeline, costByItem, DynamoMeter, type ItemCost, type MeterCounts } from './harness';
import { applyNaive, naiveCounters } from './naive';
import { profiled, type ProfileSummary } from './profile';
import { median, round, timed } from './stats';

export interface RunCost {
  eventsPerSec: number;
  /** CPU time of the process making the requests (functions, or the naive writer), per event. */
  cpuMsPerEvent: number;
  writeRequestsPerEvent: number;
  writeUnitsPerEvent: number;
  readRequestsPerEvent: number;
  readUnitsPerEvent: number;
  /** Writes and WCU per event by kind of item (the key's prefix), and WCU per write (an item of more than 1 KB costs more than one). */
  byItem: Record<string, ItemCost>;
}

export interface BatchResult extends RunCost {
  batchSize: number;
  reps: number;
  /** Of the wall time: how busy the functions' process and dynalite were (1 = one core). */
  functionsCpuShare: number;
  engineCpuShare: number;
  invocationsPerKiloEvent: number;
  /** Records put on pulse-events per event: forwarded entity events and user shares. */
  pulseRecordsPerEvent: number;
  /** CPU of the functions' process per DynamoDB request it made. */
  functionsCpuMsPerRequest: number;
}

export interface Shards {
  telemetryShards: number;
  pulseShards: number;
}

let tables = 0;

/** Runs the events through the functions once, on a fresh table. */
async function runOnce(dynamo: DynamoDBClient, meter: DynamoMeter, events: readonly CanonicalEventInput[], batchSize: number, atMs: number, shards: Shards) {
  const pipeline = await BenchPipeline.create({ dynamo, tableName: `e2e-${batchSize}-${++tables}`, nowMs: atMs, ...shards });
  const before = meter.snapshot();
  const { ms } = await timed(() => pipeline.process(events, batchSize));
  const workMs = ms - pipeline.stats.producerMs;
  return { pipeline, workMs, used: DynamoMeter.since(before, meter.snapshot()) };
}

export const costOf = (events: number, workMs: number, used: MeterCounts, cpuSeconds: number): RunCost => ({
  eventsPerSec: Math.round((events / workMs) * 1000),
  cpuMsPerEvent: round((cpuSeconds * 1000) / events),
  writeRequestsPerEvent: round(used.writeRequests / events),
  writeUnitsPerEvent: round(used.writeUnits / events),
  readRequestsPerEvent: round(used.readRequests / events),
  readUnitsPerEvent: round(used.readUnits / events),
  byItem: costByItem(used, events, round),
});

export async function e2eBench(
  dynamo: DynamoDBClient,
  meter: DynamoMeter,
  engine: ChildEngine,
  events: readonly CanonicalEventInput[],
  options: { batchSizes: readonly number[]; reps: number; atMs: number } & Shards,
): Promise<{ batches: BatchResult[]; profile: ProfileSummary }> {
  const shards = { telemetryShards: options.telemetryShards, pulseShards: options.pulseShards };
  await runOnce(dynamo, meter, events.slice(0, 2000), 100, options.atMs, shards); // warm up
  const runs = new Map<number, { cost: RunCost; cpu: number; engine: number; wall: number; invocations: number; pulseRecords: number; requests: number }[]>();
  for (let rep = 0; rep < options.reps; rep++) {
    for (const batchSize of options.batchSizes) {
      const cpu = ownCpuSeconds();
      const engineCpu = engine.cpuSeconds();
      const { pipeline, workMs, used } = await runOnce(dynamo, meter, events, batchSize, options.atMs, shards);
      const list = runs.get(batchSize) ?? [];
      const cpuUsed = ownCpuSeconds() - cpu;
      list.push({
        cost: costOf(events.length, workMs, used, cpuUsed),
        cpu: cpuUsed,
        engine: engine.cpuSeconds() - engineCpu,
        wall: workMs / 1000,
        invocations: pipeline.stats.ingestInvocations + pipeline.stats.aggregatorInvocations,
        pulseRecords: pipeline.stats.pulseRecords,
        requests: used.writeRequests + used.readRequests,
      });
      runs.set(batchSize, list);
    }
  }
  const largest = options.batchSizes[options.batchSizes.length - 1]!;
  const { profile } = await profiled(() => runOnce(dynamo, meter, events.slice(0, 5000), largest, options.atMs, shards));
  const batches = options.batchSizes.map((batchSize): BatchResult => {
    const list = runs.get(batchSize)!;
    // The run with the median throughput stands for the batch size; request counts do not vary.
    const mid = [...list].sort((a, b) => a.cost.eventsPerSec - b.cost.eventsPerSec)[Math.floor(list.length / 2)]!;
    return {
      batchSize,
      reps: list.length,
      ...mid.cost,
      eventsPerSec: Math.round(median(list.map((run) => run.cost.eventsPerSec))),
      functionsCpuShare: round(mid.cpu / mid.wall),
      engineCpuShare: round(mid.engine / mid.wall),
      invocationsPerKiloEvent: round((mid.invocations / events.length) * 1000),
      pulseRecordsPerEvent: round(mid.pulseRecords / events.length),
      functionsCpuMsPerRequest: round((mid.cpu * 1000) / mid.requests),
    };
  });
  return { batches, profile };
}

/** The designs a team would build instead, on the same events. */
export async function naiveBench(dynamo: DynamoDBClient, meter: DynamoMeter, events: readonly CanonicalEventInput[]) {
  const run = async (idempotent: boolean): Promise<RunCost> => {
    const before = meter.snapshot();
    const cpu = ownCpuSeconds();
    const { ms } = await timed(() => applyNaive(dynamo, `naive-${idempotent ? 'idempotent' : 'counters'}-${++tables}`, events, idempotent));
    return costOf(events.length, ms, DynamoMeter.since(before, meter.snapshot()), ownCpuSeconds() - cpu);
  };
  // One UpdateItem per item an event touches (its counters on one item merged): the gentlest naive variant, counted, not run.
  const perItem = events.reduce((sum, event) => sum + new Set(naiveCounters(event).map(([key]) => key)).size, 0) / events.length;
  return { counters: await run(false), idempotent: await run(true), perEventItemWriteRequestsPerEvent: round(perItem) };
}
