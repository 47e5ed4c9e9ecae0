/**
 * 10,000 events/s as one lane lives it, for long enough that the write-back journal reaches its
 * steady state: states go to their items as their entities fall quiet, not all at once. The
 * write step's 1.5 s window on an empty table cannot show that: in it, no conversation is quiet
 * yet, so nothing is compacted, and every conversation is a first sight.
 *
 * The standard mix at 1,250 events/s on one telemetry and one pulse-events shard (one lane's share
 * of 10,000 events/s on the write step's 8 pulse shards), the clock following the events so the
 * tick runs once a minute of that clock: `warmMinutes` unmetered at batch 1000, then `meteredMinutes`
 * metered at batch 1000 and as many more at batch 100, the same traffic going on. One tick serves
 * every lane, so a lane's figures hold its share of the tick's writes, and its time does not hold
 * the tick's (a function of its own, on its own schedule).
 *
 * The other lanes: the escalation items (`Q#`, `X#`, `R#`, `G#`) are shared by every lane, so at
 * the full rate they hold every lane's escalations, and a lane's write of them is billed for all.
 * `otherLanes` more lanes carry the escalation events of as many other mixes of the same rate
 * (nothing else: the lanes' other items are their own), on the same table, in step with the
 * metered lane; only the metered lane's requests are counted.
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
  /** The tick's writes (sealing, compaction, status), a minute's worth: the run's figures hold the lane's share of them. */
  tickWriteUnitsPerMinute: number;
}

export interface SustainedResult {
  eventsPerSecond: number;
  /** Lanes whose escalations share the escalation items with the metered one, and how many events they carried. */
  otherLanes: number;
  otherLaneEvents: number;
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
  options: { seed: number; eventsPerSecond: number; warmMinutes: number; meteredMinutes: number; endMs: number; otherLanes: number },
): Promise<SustainedResult> {
  const minutes = options.warmMinutes + 2 * options.meteredMinutes;
  const mix = { count: Math.round(options.eventsPerSecond * 60 * minutes), endMs: options.endMs, eventsPerSecond: options.eventsPerSecond };
  const events = standardMix({ seed: options.seed, ...mix });
  const firstAt = Date.parse(events[0]!.occurredAt);
  const before = (minute: number) => (event: CanonicalEventInput) => Date.parse(event.occurredAt) < firstAt + minute * 60_000;
  const warm = events.filter(before(options.warmMinutes));
  const metered1000 = events.slice(warm.length).filter(before(options.warmMinutes + options.meteredMinutes));
  const metered100 = events.slice(warm.length + metered1000.length);

  const tableName = `sustained-${options.seed}`;
  const pipeline = await BenchPipeline.create({ dynamo, tableName, nowMs: 0, clockFollowsEvents: true, telemetryShards: 1, pulseShards: 1 });
  const others = await otherLanesOf(dynamo, tableName, options, mix, firstAt);
  const lanes = 1 + options.otherLanes;
  let lastTickMinute = Number.NEGATIVE_INFINITY;
  /**
   * The lane's events, a chunk at a time, each after the other lanes' escalations up to its last
   * event; the tick once a minute of the events' clock, as scheduled. What the lane spent, and
   * its share of the tick's writes (one tick serves every lane).
   */
  const process = async (part: readonly CanonicalEventInput[], batchSize: number) => {
    let used = DynamoMeter.none();
    let ticked = DynamoMeter.none();
    let workMs = 0;
    let cpu = 0;
    const chunk = Math.max(20_000, batchSize * 16);
    for (let i = 0; i < part.length; i += chunk) {
      const slice = part.slice(i, i + chunk);
      await others.upTo(Date.parse(slice[slice.length - 1]!.occurredAt));
      pipeline.stats.producerMs = 0;
      const usedBefore = meter.snapshot();
      const cpuBefore = ownCpuSeconds();
      const started = nowMs();
      await pipeline.process(slice, batchSize, { tick: false });
      workMs += nowMs() - started - pipeline.stats.producerMs;
      cpu += ownCpuSeconds() - cpuBefore;
      used = DynamoMeter.plus(used, DynamoMeter.since(usedBefore, meter.snapshot()));
      if (Math.floor(pipeline.clockMs / 60_000) > lastTickMinute) {
        lastTickMinute = Math.floor(pipeline.clockMs / 60_000);
        const tickBefore = meter.snapshot();
        await pipeline.tick();
        ticked = DynamoMeter.plus(ticked, DynamoMeter.since(tickBefore, meter.snapshot()));
      }
    }
    return { used: DynamoMeter.plus(used, DynamoMeter.times(ticked, 1 / lanes)), ticked, workMs, cpu };
  };

  await process(warm, 1000);
  const runs: SustainedRun[] = [];
  for (const [batchSize, part] of [
    [1000, metered1000],
    [100, metered100],
  ] as const) {
    const { used, ticked, workMs, cpu } = await process(part, batchSize);
    const meteredMinutes = (Date.parse(part[part.length - 1]!.occurredAt) - Date.parse(part[0]!.occurredAt)) / 60_000;
    runs.push({
      batchSize,
      events: part.length,
      ...costOf(part.length, workMs, used, cpu),
      tickWriteUnitsPerMinute: round(ticked.writeUnits / meteredMinutes),
    });
  }

  const readBefore = meter.snapshot();
  const started = nowMs();
  const view = await new LaneStates().open(pipeline.store, LANE);
  const ms = nowMs() - started;
  return {
    eventsPerSecond: options.eventsPerSecond,
    otherLanes: options.otherLanes,
    otherLaneEvents: others.events,
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

/** The other lanes: each one more mix's escalation events, on streams of their own (so lanes of their own) over the same table. */
async function otherLanesOf(
  dynamo: DynamoDBClient,
  tableName: string,
  options: { seed: number; otherLanes: number },
  mix: { count: number; endMs: number; eventsPerSecond: number },
  firstAt: number,
): Promise<{ upTo(ms: number): Promise<void>; events: number }> {
  if (options.otherLanes === 0) return { upTo: async () => {}, events: 0 };
  const escalations = Array.from({ length: options.otherLanes }, (_, lane) =>
    standardMix({ seed: options.seed + 1 + lane, ...mix, keep: (type) => type.startsWith('escalation.') }),
  )
    .flat()
    .filter((event) => Date.parse(event.occurredAt) >= firstAt)
    .sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
  const lanes = await BenchPipeline.create({
    dynamo,
    tableName,
    nowMs: 0,
    clockFollowsEvents: true,
    telemetryShards: 1,
    pulseShards: options.otherLanes,
    streams: { telemetry: 'telemetry-other-lanes', pulse: 'pulse-events-other-lanes' },
    createTable: false,
  });
  let next = 0;
  return {
    events: escalations.length,
    async upTo(ms: number) {
      const from = next;
      while (next < escalations.length && Date.parse(escalations[next]!.occurredAt) <= ms) next++;
      // A batch of each lane's few escalation events: their entries are what the shared items hold; the tick is the metered lane's.
      if (next > from) await lanes.process(escalations.slice(from, next), 100, { tick: false });
    },
  };
}
