/**
 * The steps of `npm run bench`, one per part of the system measured. Each takes its part of the
 * plan and returns its figures (top-level keys of bench/results.json), the details behind them
 * and the notes a reader needs (what quick mode shortened). run.ts runs them in order.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localDynamoClient } from '../local/engines';
import { canonicalEventSchema } from '../schemas/canonical-events';
import { e2eBench, naiveBench, type Shards } from './e2e-bench';
import { type ChildEngine, startDynaliteChild } from './engine';
import { foldBench } from './fold-bench';
import { entityWriteCauses } from './fold-seam';
import { freshnessBench } from './freshness-bench';
import { DynamoMeter } from './harness';
import { mixShares, standardMix } from './mix';
import { quietBench } from './quiet-bench';
import { readBench } from './read-bench';
import { requestCostBench } from './request-cost';
import { rebuildBench, rebuildFigures } from './rebuild-bench';
import { sustainedBench } from './sustained-bench';
import { log, round } from './stats';

export interface StepResult<F extends Record<string, number>, D> {
  figures: F;
  details: D;
  notes: string[];
}

/** A busy hour of ADA Clara: the quiet regime, the read histories, the whole-conversation fold. */
export const BUSY_HOUR = 9_600;
/** The rate of the cost model, and of the throughput and write-cost runs. */
export const HIGH_RATE = 10_000;
/** Late in a day, when "today" is at its fullest: the quiet regime's late window and every read. */
export const LATE_DAY_MS = Date.parse('2026-03-10T23:55:00Z');
/** Early in the next day: the quiet regime's early window. */
export const EARLY_DAY_MS = Date.parse('2026-03-11T00:55:00Z');
/** The write-cost runs at 10,000 events/s (a few seconds of traffic: the time of day does not matter to them). */
export const HIGH_RATE_AT_MS = Date.parse('2026-03-10T00:55:00Z');

const count = (n: number) => n.toLocaleString('en-US');
const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

/** A dynalite of its own (a child process: its own core) with a metered client, for one step. */
async function withDynalite<T>(work: (engine: { dynamo: DynamoDBClient; meter: DynamoMeter; child: ChildEngine }) => Promise<T>): Promise<T> {
  const child = await startDynaliteChild();
  const dynamo = localDynamoClient(child.endpoint);
  try {
    return await work({ dynamo, meter: new DynamoMeter(dynamo), child });
  } finally {
    dynamo.destroy();
    await child.close();
  }
}

// ───────────────────────────── validate + fold ─────────────────────────────

export async function foldStep(seed: number, plan: { events: number; youngEvents: number; reps: number }) {
  log(
    `fold: ${count(plan.events)} events of whole conversations at batch 100, and ${count(plan.youngEvents)} at ${count(HIGH_RATE)}/s at batch 1000; ${plan.reps} runs each`,
  );
  const wholeConversations = standardMix({ seed, count: plan.events, endMs: HIGH_RATE_AT_MS, eventsPerSecond: BUSY_HOUR / 3600 });
  const fold = await foldBench(wholeConversations, plan.reps, 100);
  const young = standardMix({ seed, count: plan.youngEvents, endMs: HIGH_RATE_AT_MS, eventsPerSecond: HIGH_RATE });
  const youngFold = await foldBench(young, plan.reps, 1000);
  log(`   ${fold.eventsPerSec} events/s (young conversations: ${youngFold.eventsPerSec})`);
  return {
    figures: { foldEventsPerSec: fold.eventsPerSec, foldYoungEventsPerSec: youngFold.eventsPerSec, validateEventsPerSec: fold.validateOnlyPerSec },
    details: { fold, youngFold },
    notes: [
      `Fold (foldEventsPerSec): whole conversations (the standard mix at ${count(BUSY_HOUR)} events/h, many hours) at batch 100, median of ${plan.reps} runs; young conversations (${count(HIGH_RATE)} events/s, a few seconds) at batch 1000 in foldYoungEventsPerSec.`,
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── write cost and throughput at 10,000 events/s ─────────────────────────────

/** Kinesis takes 1,000 records/s per shard: 10,000 events/s need 10 telemetry shards, and ~5,600 pulse records/s 8. */
const HIGH_RATE_SHARDS: Shards = { telemetryShards: 10, pulseShards: 8 };

export async function writeStep(
  seed: number,
  plan: { events: number; reps: number; naiveEvents: number; batchSizes: readonly number[]; requestCostRequests: number },
) {
  const events = standardMix({ seed, count: Math.max(plan.events, plan.naiveEvents), endMs: HIGH_RATE_AT_MS, eventsPerSecond: HIGH_RATE });
  log(
    `writes: ${count(plan.events)} events at ${count(HIGH_RATE)}/s, batch ${plan.batchSizes.join('/')}, ${plan.reps} run(s) each; naive designs on ${count(plan.naiveEvents)}`,
  );
  const { e2e, naive, requestCost } = await withDynalite(async ({ dynamo, meter, child }) => {
    const e2e = await e2eBench(dynamo, meter, child, events.slice(-plan.events), {
      batchSizes: plan.batchSizes,
      reps: plan.reps,
      atMs: HIGH_RATE_AT_MS,
      ...HIGH_RATE_SHARDS,
    });
    for (const b of e2e.batches) log(`   batch ${b.batchSize}: ${b.eventsPerSec} events/s, ${b.writeUnitsPerEvent} WCU/event`);
    const naive = await naiveBench(dynamo, meter, events.slice(-plan.naiveEvents));
    log(`   naive counters: ${naive.counters.writeUnitsPerEvent} WCU/event; per-record idempotency: ${naive.idempotent.writeUnitsPerEvent}`);
    const requestCost = await requestCostBench(dynamo, child, { requests: plan.requestCostRequests, reps: 3 });
    log(`   one PutItem: ${requestCost.sdkCpuMs} ms of CPU through the SDK, ${requestCost.bareHttpCpuMs} ms as a bare HTTP POST`);
    return { e2e, naive, requestCost };
  });
  const measured = events.slice(-plan.events).map((event) => canonicalEventSchema.parse(event));
  const writeCauses = Object.fromEntries(
    plan.batchSizes.map((batchSize) => [batchSize, entityWriteCauses(measured, { lanes: HIGH_RATE_SHARDS.pulseShards, batchSize })]),
  );
  return {
    // The window's figures are not the targets' (the sustained step measures those): in 1.5 s on an
    // empty table no entity is quiet yet, so nothing is compacted.
    figures: {
      naiveWcuPerEvent: naive.counters.writeUnitsPerEvent,
      ...Object.fromEntries(
        e2e.batches.flatMap((b) => [
          [`windowEventsPerSecBatch${b.batchSize}`, b.eventsPerSec],
          [`windowWcuPerEventBatch${b.batchSize}`, b.writeUnitsPerEvent],
          [`windowWriteRequestsPerEventBatch${b.batchSize}`, b.writeRequestsPerEvent],
        ]),
      ),
      naiveWriteRequestsPerEvent: naive.counters.writeRequestsPerEvent,
      naiveEventsPerSec: naive.counters.eventsPerSec,
      idempotentWcuPerEvent: naive.idempotent.writeUnitsPerEvent,
      idempotentWriteRequestsPerEvent: naive.idempotent.writeRequestsPerEvent,
    },
    details: { mix: mixShares(events), ...HIGH_RATE_SHARDS, e2e, naive, requestCost, writeCauses },
    notes: [
      `Write cost and throughput: the standard mix at ${count(HIGH_RATE)} events/s (${count(plan.events)} events), ${HIGH_RATE_SHARDS.telemetryShards} telemetry and ${HIGH_RATE_SHARDS.pulseShards} pulse-events shards, ` +
        `batch ${plan.batchSizes.join('/')} (100 is serverless.yml's batchSize); throughput is the median of ${plan.reps} run(s), request and unit counts do not vary. ` +
        `The naive designs ran on the last ${count(plan.naiveEvents)} of those events, in the same process, on the same engine.`,
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── 10,000 events/s, sustained ─────────────────────────────

export async function sustainedStep(seed: number, plan: { warmMinutes: number; meteredMinutes: number }) {
  const eventsPerSecond = HIGH_RATE / HIGH_RATE_SHARDS.pulseShards;
  const otherLanes = HIGH_RATE_SHARDS.pulseShards - 1;
  log(
    `sustained: ${count(eventsPerSecond)} events/s on one lane (and the escalations of ${otherLanes} more), ${plan.warmMinutes} min unmetered, then ${plan.meteredMinutes} min at batch 1000 and ${plan.meteredMinutes} at batch 100`,
  );
  const sustained = await withDynalite(({ dynamo, meter }) =>
    sustainedBench(dynamo, meter, { seed, eventsPerSecond, ...plan, endMs: HIGH_RATE_AT_MS, otherLanes }),
  );
  for (const run of sustained.runs) log(`   batch ${run.batchSize}: ${run.eventsPerSec} events/s, ${run.writeUnitsPerEvent} WCU/event`);
  const run = (size: number) => sustained.runs.find((r) => r.batchSize === size)!;
  return {
    figures: {
      wcuPerEventBatch1000: run(1000).writeUnitsPerEvent,
      wcuPerEventBatch100: run(100).writeUnitsPerEvent,
      e2eEventsPerSec: run(1000).eventsPerSec,
      e2eEventsPerSecBatch100: run(100).eventsPerSec,
      writeRequestsPerEventBatch1000: run(1000).writeRequestsPerEvent,
      writeRequestsPerEventBatch100: run(100).writeRequestsPerEvent,
      recoveryStates: sustained.recovery.states,
      recoveryReadUnits: sustained.recovery.readUnits,
      recoveryMs: sustained.recovery.ms,
    },
    details: sustained,
    notes: [
      `Sustained (wcuPerEventBatch100/1000, e2eEventsPerSec*): the standard mix at ${count(eventsPerSecond)} events/s on 1 telemetry and 1 pulse-events shard, one lane's share of ${count(HIGH_RATE)} events/s on ${HIGH_RATE_SHARDS.pulseShards} pulse shards; ` +
        `${plan.warmMinutes} min folded through the functions at batch 1000 without metering, then ${plan.meteredMinutes} min metered at batch 1000 and the next ${plan.meteredMinutes} at batch 100; the tick seals minutes as the clock follows the events. ` +
        `The escalation items that all lanes share hold the other ${otherLanes} lanes' escalations too: ${count(sustained.otherLaneEvents)} escalation events of ${otherLanes} more mixes, on lanes of their own, in step; only the metered lane's requests count. ` +
        "Recovery: what a process that holds none of the lane's journaled states reads at its first batch, after the last metered minute.",
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── the quiet regime: a busy ADA Clara hour, late and early in the day ─────────────────────────────

/** The deployed shard counts (serverless.yml). */
const DEPLOYED_SHARDS: Shards = { telemetryShards: 1, pulseShards: 1 };
/** What a 1 s batching window gathers per shard at 9,600 events/h (2.7 events/s). */
const QUIET_BATCH = 3;

export async function quietStep(seed: number, plan: { historyHours: number; meteredEvents: number }, quick: boolean) {
  log(
    `quiet: ${count(BUSY_HOUR)} events/h on ${DEPLOYED_SHARDS.telemetryShards}+${DEPLOYED_SHARDS.pulseShards} shards, ${plan.historyHours} h of history before 23:55, then on to 00:55`,
  );
  const quiet = await withDynalite(({ dynamo, meter }) =>
    quietBench(dynamo, meter, {
      seed,
      eventsPerHour: BUSY_HOUR,
      lateAtMs: LATE_DAY_MS,
      earlyAtMs: EARLY_DAY_MS,
      historyHours: plan.historyHours,
      meteredEvents: plan.meteredEvents,
      batchSize: QUIET_BATCH,
      setupBatchSize: 1000,
      ...DEPLOYED_SHARDS,
    }),
  );
  log(
    `   23:55: ${quiet.late.wcuPerEvent} WCU/event; 00:55: ${quiet.early.wcuPerEvent} WCU/event (naive: ${quiet.late.naive.wcuPerEvent}, ${quiet.early.naive.wcuPerEvent})`,
  );
  return {
    figures: {
      quietLateDayWcuPerEvent: quiet.late.wcuPerEvent,
      quietEarlyDayWcuPerEvent: quiet.early.wcuPerEvent,
      quietLateDayWriteRequestsPerEvent: quiet.late.writeRequestsPerEvent,
      quietEarlyDayWriteRequestsPerEvent: quiet.early.writeRequestsPerEvent,
      naiveQuietLateDayWcuPerEvent: quiet.late.naive.wcuPerEvent,
      naiveQuietEarlyDayWcuPerEvent: quiet.early.naive.wcuPerEvent,
      quietHistoryHours: quiet.historyHours,
    },
    details: { ...DEPLOYED_SHARDS, ...quiet },
    notes: [
      `Quiet regime (quietLateDayWcuPerEvent, quietEarlyDayWcuPerEvent): the standard mix at ${count(BUSY_HOUR)} events/h on ${DEPLOYED_SHARDS.telemetryShards}+${DEPLOYED_SHARDS.pulseShards} shards. ` +
        `${quiet.historyHours} h of it ending at ${new Date(LATE_DAY_MS).toISOString().slice(11, 16)} are folded through the functions at batch 1000 without metering; the last ${count(plan.meteredEvents)} events before then are metered at batch ${QUIET_BATCH} (a 1 s batching window). ` +
        `The traffic goes on through midnight (unmetered) and the last ${count(plan.meteredEvents)} events before ${new Date(EARLY_DAY_MS).toISOString().slice(11, 16)} are metered the same way. ` +
        "Batch 3 on both streams, as the issue defines the regime; at 1 s windows the pulse-events batches would hold ~1.4 records. Sealing each closed minute (the tick's work) is in the figures (it grows with the traffic: sealingWcuPerEvent in the details); the rest of the tick costs the same with no events (idle cost) and is not. " +
        "Self-measurement writes go to the wall clock's minute item (local/stack/self-measurement.ts), smaller than the 23:55 one they would share on AWS.",
      ...(quick
        ? [
            `quick: the day is shortened to ${plan.historyHours} h of history before 23:55 (the full run folds 24 h), so today's long-lived items hold fewer hours than at a real 23:55.`,
          ]
        : []),
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── reads at 23:55 ─────────────────────────────

export async function readStep(seed: number, plan: { sizes: readonly number[]; reads: number }, quick: boolean) {
  log(`read: histories of ${plan.sizes.map(label).join(', ')} events at ${count(BUSY_HOUR)}/h, read at 23:55`);
  const read = await withDynalite(({ dynamo, meter, child }) =>
    readBench(
      { dynamo, meter, withRawEngine: (work) => withDynalite(work) },
      {
        sizes: plan.sizes,
        eventsPerHour: BUSY_HOUR,
        seed,
        atMs: LATE_DAY_MS,
        reads: plan.reads,
        scans: (size) => (size >= 1_000_000 ? 3 : size >= 100_000 ? (quick ? 3 : 5) : 10),
        engineCpuSeconds: () => child.cpuSeconds(),
      },
    ),
  );
  const largest = read.sizes[read.sizes.length - 1]!;
  const smallest = read.sizes[0]!;
  log(`   p95 ${largest.readP95Ms} ms, ${largest.readUnitsPerRead} RCU, ${largest.readRequestsPerRead} request(s) per read at ${label(largest.events)}`);
  return {
    figures: {
      readP95MsLateDay1M: largest.readP95Ms,
      readUnitsPerRead: largest.readUnitsPerRead,
      readRequestsPerRead: Math.max(...read.sizes.map((s) => s.readRequestsPerRead)),
      readP50MsLateDay1M: largest.readP50Ms,
      coldReadP50MsLateDay1M: largest.coldReadP50Ms,
      coldReadP95MsLateDay1M: largest.coldReadP95Ms,
      coldReadUnitsPerRead: largest.coldReadUnitsPerRead,
      coldReadRequestsPerRead: Math.max(...read.sizes.map((s) => s.coldReadRequestsPerRead)),
      readBareRequestP50MsLateDay1M: largest.bareRequestP50Ms,
      readBareRequestP95MsLateDay1M: largest.bareRequestP95Ms,
      readP95OverBareRequestP95: round(largest.readP95Ms / largest.bareRequestP95Ms),
      readLateDayHistoryEvents: largest.events,
      scanReadP95MsLateDay1M: largest.scanReadP95Ms,
      scanToDesignReadP95Ratio: round(largest.scanReadP95Ms / largest.readP95Ms),
      readP95RatioLargestToSmallest: round(largest.readP95Ms / smallest.readP95Ms),
      ...Object.fromEntries(
        read.sizes.flatMap((s) => [
          [`readP50Ms${label(s.events)}`, s.readP50Ms],
          [`readP95Ms${label(s.events)}`, s.readP95Ms],
          [`readUnitsPerRead${label(s.events)}`, s.readUnitsPerRead],
          [`scanReadP95Ms${label(s.events)}`, s.scanReadP95Ms],
        ]),
      ),
    },
    details: read,
    notes: [
      `Reads: histories of ${plan.sizes.map(label).join(', ')} events of the standard mix at ${count(BUSY_HOUR)} events/h, each ending at and read at ${read.atIso} (23:55: today's items at their fullest); the tick runs after every 20,000 events, and its last run, at 23:55, has sealed the last hour's closed minutes as the 1-minute tick would have; ` +
        `${plan.reads} reads per history by a warm reader (a container that has read before, as a polled dashboard is served: it keeps the items that can no longer change and the queues its last read needed), sizes interleaved; p50 and p95 over those reads. ` +
        `cold*: as many reads, each by a new store (a container's first read). ` +
        `readBareRequest*: the warm read's own BatchGetItem requests sent again as they were, nothing decoded, in interleaved rounds after the reads: the floor any read of those items has on this engine and machine. ` +
        `The Scan baseline's raw events live in a second dynalite, started and written only after the design's reads are measured, and scanned in the same process.`,
      ...(quick
        ? [
            `quick: readP95MsLateDay1M, readP50MsLateDay1M, readUnitsPerRead and scanReadP95MsLateDay1M are measured on the largest history of this run, ${label(largest.events)} events (readLateDayHistoryEvents).`,
          ]
        : []),
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── freshness ─────────────────────────────

export async function freshnessStep(seed: number, plan: { probes: number }) {
  log(`freshness: ${plan.probes} probes through the local stack`);
  const freshness = await freshnessBench(plan.probes, seed);
  log(`   p50 ${freshness.p50Ms} ms, p95 ${freshness.p95Ms} ms`);
  return {
    figures: { freshnessP95Ms: freshness.p95Ms, freshnessP50Ms: freshness.p50Ms },
    details: freshness,
    notes: [
      `Freshness: ${freshness.probes} probes through the whole local stack (npm start's, in memory), one at a time, turn by turn over the three transports: producer write → first read that shows it.`,
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── memory ─────────────────────────────

async function memoryOf(
  mode: 'fold' | 'handler',
  seed: number,
  events: number,
  endpoint = '',
): Promise<{ peakRssMb: number; beforeMb: number; peakBeforeMb: number }> {
  const rate = mode === 'fold' ? BUSY_HOUR / 3600 : HIGH_RATE;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'memory-child.ts'), mode, String(seed), '1000', String(events), String(rate), endpoint],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

export async function memoryStep(seed: number, plan: { events: number }) {
  log('memory: fold and handler invocations at batch 1000, each in a process of its own');
  const fold = await memoryOf('fold', seed, plan.events);
  const child = await startDynaliteChild();
  const handler = await memoryOf('handler', seed, plan.events, child.endpoint).finally(() => child.close());
  return {
    figures: {
      peakRssMb: Math.round(Math.max(fold.peakRssMb, handler.peakRssMb)),
      foldPeakRssMb: Math.round(fold.peakRssMb),
      handlerPeakRssMb: Math.round(handler.peakRssMb),
    },
    details: { events: plan.events, fold, handler },
    notes: [],
  } satisfies StepResult<Record<string, number>, unknown>;
}

// ───────────────────────────── rebuild and drift over the producer tables (issue 10) ─────────────────────────────

export async function rebuildStep(seed: number, plan: { items: number }) {
  log(`rebuild and drift over producer tables of ${count(plan.items)} items (bench/rebuild-bench.ts)`);
  const { rebuildDetails, ...figures } = rebuildFigures(await rebuildBench({ items: plan.items, seed, atMs: HIGH_RATE_AT_MS }));
  log(`   rebuild ${figures.rebuildItemsPerSec} items/s, drift ${figures.driftSeconds100k} s`);
  return {
    figures,
    details: rebuildDetails,
    notes: [
      `Rebuild (rebuildItemsPerSec): ${count(plan.items)} producer items scanned, decoded and applied through the live path until every fact is applied; driftSeconds100k is the drift check over the same tables.`,
    ],
  } satisfies StepResult<Record<string, number>, unknown>;
}
