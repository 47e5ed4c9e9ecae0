/**
 * The regime ADA Clara lives in: a busy hour of its own traffic (the standard mix at 9,600
 * events/h) on the deployed one telemetry and one pulse-events shard, with batches of 3 (what a
 * 1 s batching window gathers at that rate), metered late in the day and early in the next.
 *
 * One history serves both: hours of that traffic ending at 23:55 are folded through the real
 * functions at batch 1000 without metering (setup, not measurement); then the last events before
 * 23:55 are metered at batch 3. The traffic goes on through midnight (setup again), and the last
 * events before 00:55 are metered the same way. What differs between the two is the time of day:
 * how much of "today" the long-lived items hold.
 *
 * Beside it, the naive counters on the same metered events (after the minute before them, so the
 * minute items they write to are as full as they would be).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import { BenchPipeline, type ItemCost, costByItem, DynamoMeter } from './harness';
import { standardMix } from './mix';
import { applyNaive } from './naive';
import { log, round, timed } from './stats';

export interface QuietOptions {
  seed: number;
  eventsPerHour: number;
  /** The end of the late metered window (23:55 of a day)... */
  lateAtMs: number;
  /** ...and of the early one (00:55 of the next). */
  earlyAtMs: number;
  /** Hours of traffic before the late window: a full day, or fewer in quick mode. */
  historyHours: number;
  meteredEvents: number;
  batchSize: number;
  setupBatchSize: number;
  telemetryShards: number;
  pulseShards: number;
}

export interface QuietWindow {
  startsAt: string;
  endsAt: string;
  events: number;
  batchSize: number;
  wcuPerEvent: number;
  writeRequestsPerEvent: number;
  rcuPerEvent: number;
  readRequestsPerEvent: number;
  /** Conditional writes refused (a lane conflict or a repeat): billed, and counted in the WCU above. */
  conditionalFailuresPerEvent: number;
  invocationsPerEvent: number;
  /** By kind of item (the key's prefix): writes, WCU per event, and WCU per write (the item's size in KB, rounded up). */
  byItem: Record<string, ItemCost>;
  /** Of wcuPerEvent: the tick's sealing of the window's minutes (freezing each minute item, writing its pane). */
  sealingWcuPerEvent: number;
  naive: { wcuPerEvent: number; writeRequestsPerEvent: number };
}

export interface QuietResult {
  /** Hours of traffic folded before the late window, and how many events (both windows' setup). */
  historyHours: number;
  historyEvents: number;
  setupBatchSize: number;
  /** The setup's own rate, at batch 1000 on one shard each (a by-product, not a figure). */
  setupEventsPerSec: number;
  late: QuietWindow;
  early: QuietWindow;
}

let tables = 0;

export async function quietBench(dynamo: DynamoDBClient, meter: DynamoMeter, options: QuietOptions): Promise<QuietResult> {
  const hourMs = 3_600_000;
  const events = standardMix({
    seed: options.seed,
    count: Math.round(((options.earlyAtMs - options.lateAtMs) / hourMs + options.historyHours) * options.eventsPerHour),
    endMs: options.earlyAtMs,
    eventsPerSecond: options.eventsPerHour / 3600,
  });
  const lateEnd = lastIndexAtOrBefore(events, options.lateAtMs) + 1;
  const lateStart = lateEnd - options.meteredEvents;
  const earlyStart = events.length - options.meteredEvents;
  if (lateStart <= 0 || earlyStart <= lateEnd) throw new Error('quiet: the history is too short for its metered windows');

  const pipeline = await BenchPipeline.create({
    dynamo,
    tableName: `quiet-${++tables}`,
    nowMs: options.lateAtMs,
    clockFollowsEvents: true,
    telemetryShards: options.telemetryShards,
    pulseShards: options.pulseShards,
  });
  const setup = async (part: readonly CanonicalEventInput[]) => {
    const { ms } = await timed(() => pipeline.process(part, options.setupBatchSize));
    return { events: part.length, ms };
  };
  const metered = async (part: readonly CanonicalEventInput[]): Promise<Omit<QuietWindow, 'naive'>> => {
    const before = meter.snapshot();
    const invocations = pipeline.stats.ingestInvocations + pipeline.stats.aggregatorInvocations;
    // Minute by minute, sealing each closed minute as the tick does: its cost grows with the
    // traffic (the minute item it freezes, the pane it writes), so it is the events' cost. The
    // rest of the tick costs the same with no events (idle cost) and is left out.
    let sealing = { writeUnits: 0, writeRequests: 0 };
    for (const minute of byMinute(part)) {
      await pipeline.process(minute, options.batchSize, { chunk: minute.length, tick: false });
      const sealStart = meter.snapshot();
      await pipeline.store.sealClosedMinutes(pipeline.clockMs);
      const sealed = DynamoMeter.since(sealStart, meter.snapshot());
      sealing = { writeUnits: sealing.writeUnits + sealed.writeUnits, writeRequests: sealing.writeRequests + sealed.writeRequests };
    }
    const used = DynamoMeter.since(before, meter.snapshot());
    const n = part.length;
    const window = {
      startsAt: part[0]!.occurredAt,
      endsAt: part[n - 1]!.occurredAt,
      events: n,
      batchSize: options.batchSize,
      wcuPerEvent: round(used.writeUnits / n),
      writeRequestsPerEvent: round(used.writeRequests / n),
      rcuPerEvent: round(used.readUnits / n),
      readRequestsPerEvent: round(used.readRequests / n),
      conditionalFailuresPerEvent: round(used.conditionalFailures / n),
      invocationsPerEvent: round((pipeline.stats.ingestInvocations + pipeline.stats.aggregatorInvocations - invocations) / n),
      byItem: costByItem(used, n, round),
      sealingWcuPerEvent: round(sealing.writeUnits / n),
    };
    await pipeline.tick();
    return window;
  };

  const first = await setup(events.slice(0, lateStart));
  log(
    `   quiet: ${first.events} events of history folded at batch ${options.setupBatchSize} (${Math.round(first.ms / 1000)} s); metering ${options.meteredEvents} at batch ${options.batchSize}`,
  );
  const late = await metered(events.slice(lateStart, lateEnd));
  const second = await setup(events.slice(lateEnd, earlyStart));
  const early = await metered(events.slice(earlyStart));

  const naiveOf = async (start: number, end: number) => {
    const warmFrom = lastIndexAtOrBefore(events, Date.parse(events[start]!.occurredAt) - 60_000) + 1;
    return naiveWindow(dynamo, meter, events.slice(warmFrom, start), events.slice(start, end));
  };
  return {
    historyHours: round((options.lateAtMs - Date.parse(events[0]!.occurredAt)) / hourMs),
    historyEvents: first.events + second.events,
    setupBatchSize: options.setupBatchSize,
    setupEventsPerSec: Math.round(((first.events + second.events) / (first.ms + second.ms)) * 1000),
    late: { ...late, naive: await naiveOf(lateStart, lateEnd) },
    early: { ...early, naive: await naiveOf(earlyStart, events.length) },
  };
}

/** Naive counters on `window`, after `before` (unmetered) on the same table. */
async function naiveWindow(dynamo: DynamoDBClient, meter: DynamoMeter, before: readonly CanonicalEventInput[], window: readonly CanonicalEventInput[]) {
  const tableName = `quiet-naive-${++tables}`;
  await applyNaive(dynamo, tableName, before, false);
  const snapshot = meter.snapshot();
  await applyNaive(dynamo, tableName, window, false);
  const used = DynamoMeter.since(snapshot, meter.snapshot());
  return { wcuPerEvent: round(used.writeUnits / window.length), writeRequestsPerEvent: round(used.writeRequests / window.length) };
}

/** Events are in time order: the index of the last one at or before `ms` (-1 if none). */
function lastIndexAtOrBefore(events: readonly CanonicalEventInput[], ms: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (Date.parse(events[mid]!.occurredAt) <= ms) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}

/** Consecutive runs of events in the same minute (events come in time order). */
function byMinute(events: readonly CanonicalEventInput[]): CanonicalEventInput[][] {
  const runs: CanonicalEventInput[][] = [];
  let last = Number.NaN;
  for (const event of events) {
    const minute = Math.floor(Date.parse(event.occurredAt) / 60_000);
    if (minute !== last) runs.push([]);
    runs[runs.length - 1]!.push(event);
    last = minute;
  }
  return runs;
}
