/**
 * `npm run bench [-- --quick] [-- --seed N]`: every benchmark of issue 6, seeded, against its
 * naive baseline in the same process; writes bench/results.json and bench/results.md.
 *
 * Nothing here is a pass/fail test: the figures are reported against their targets.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { localDynamoClient } from '../local/engines';
import { e2eBench, naiveBench } from './e2e-bench';
import { startDynaliteChild } from './engine';
import { foldBench } from './fold-bench';
import { freshnessBench } from './freshness-bench';
import { DynamoMeter } from './harness';
import { standardMix, mixShares } from './mix';
import { readBench } from './read-bench';
import { rebuildBench, rebuildFigures } from './rebuild-bench';
import { renderMarkdown } from './report';
import { log, peakRssMb, round } from './stats';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '20260310' } } });
const quick = values.quick;
const seed = Number(values.seed);

/** Read time of every history: just before 01:00 UTC, so every history has the same part of "today". */
const AT_MS = Date.parse('2026-03-10T00:55:00Z');
/** The rate of the cost model, and of the throughput and write-cost runs. */
const HIGH_RATE = 10_000;
/** A busy hour of ADA Clara: the read histories, and the low-rate write cost. */
const BUSY_HOUR = 9_600;

const plan = quick
  ? {
      foldEvents: 40_000,
      youngFoldEvents: 50_000,
      foldReps: 3,
      e2eEvents: 12_000,
      e2eReps: 1,
      lowRateEvents: 600,
      naiveEvents: 1_500,
      readSizes: [1_000, 10_000, 100_000],
      reads: 100,
      probes: 15,
      memoryEvents: 10_000,
    }
  : {
      foldEvents: 150_000,
      youngFoldEvents: 200_000,
      foldReps: 5,
      e2eEvents: 15_000,
      e2eReps: 3,
      lowRateEvents: 2_000,
      naiveEvents: 5_000,
      readSizes: [10_000, 100_000, 1_000_000],
      reads: 200,
      probes: 45,
      memoryEvents: 20_000,
    };
const BATCH_SIZES = [100, 500, 1000] as const;
/** Kinesis takes 1,000 records/s per shard: 10,000 events/s need 10 telemetry shards, and ~5,600 pulse records/s 8. */
const HIGH_RATE_SHARDS = { telemetryShards: 10, pulseShards: 8 };
/** The deployed shard counts (serverless.yml), and what a 1 s batching window gathers per shard in a busy hour (2.7 events/s). */
const BUSY_HOUR_SHARDS = { telemetryShards: 1, pulseShards: 1 };
const LOW_RATE_BATCH = 3;

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

async function memoryOf(mode: 'fold' | 'handler', endpoint = ''): Promise<{ peakRssMb: number; beforeMb: number; peakBeforeMb: number }> {
  const rate = mode === 'fold' ? BUSY_HOUR / 3600 : HIGH_RATE;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'memory-child.ts'), mode, String(seed), '1000', String(plan.memoryEvents), String(rate), endpoint],
    {
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`${quick ? 'quick' : 'full'} run, seed ${seed}`);

  log(
    `1. fold: ${plan.foldEvents} events of whole conversations at batch 100, and ${plan.youngFoldEvents} at ${HIGH_RATE}/s at batch 1000; ${plan.foldReps} runs each`,
  );
  const wholeConversations = standardMix({ seed, count: plan.foldEvents, endMs: AT_MS, eventsPerSecond: BUSY_HOUR / 3600 });
  const fold = await foldBench(wholeConversations, plan.foldReps, 100);
  const highRate = standardMix({ seed, count: Math.max(plan.youngFoldEvents, plan.e2eEvents, plan.naiveEvents), endMs: AT_MS, eventsPerSecond: HIGH_RATE });
  const youngFold = await foldBench(highRate.slice(-plan.youngFoldEvents), plan.foldReps, 1000);
  log(`   ${fold.eventsPerSec} events/s (young conversations: ${youngFold.eventsPerSec})`);

  const engine = await startDynaliteChild();
  const dynamo = localDynamoClient(engine.endpoint);
  const meter = new DynamoMeter(dynamo);
  let e2e: Parts['e2e'];
  let lowRate: Parts['lowRate'];
  let naive: Parts['naive'];
  let read: Parts['read'];
  try {
    const e2eEvents = highRate.slice(-plan.e2eEvents);
    log(`2-3. end to end and write cost: ${e2eEvents.length} events at batch ${BATCH_SIZES.join('/')}, ${plan.e2eReps} run(s) each`);
    e2e = await e2eBench(dynamo, meter, engine, e2eEvents, { batchSizes: BATCH_SIZES, reps: plan.e2eReps, atMs: AT_MS, ...HIGH_RATE_SHARDS });
    for (const b of e2e.batches) log(`   batch ${b.batchSize}: ${b.eventsPerSec} events/s, ${b.writeRequestsPerEvent} writes/event`);
    const busy = standardMix({ seed, count: plan.lowRateEvents, endMs: AT_MS, eventsPerSecond: BUSY_HOUR / 3600 });
    lowRate = await e2eBench(dynamo, meter, engine, busy, { batchSizes: [LOW_RATE_BATCH], reps: 1, atMs: AT_MS, ...BUSY_HOUR_SHARDS });
    log(`   busy hour, batch ${LOW_RATE_BATCH}: ${lowRate.batches[0]!.writeRequestsPerEvent} writes/event`);
    naive = await naiveBench(dynamo, meter, highRate.slice(-plan.naiveEvents));
    log(`   naive counters: ${naive.counters.writeRequestsPerEvent} writes/event; per-record idempotency: ${naive.idempotent.writeRequestsPerEvent}`);

    log(`4. read: histories of ${plan.readSizes.map(label).join(', ')} events at ${BUSY_HOUR}/h`);
    const rawEngine = await startDynaliteChild();
    const rawDynamo = localDynamoClient(rawEngine.endpoint);
    read = await readBench(
      { dynamo, meter, rawDynamo, rawMeter: new DynamoMeter(rawDynamo) },
      {
        sizes: plan.readSizes,
        eventsPerHour: BUSY_HOUR,
        seed,
        atMs: AT_MS,
        reads: plan.reads,
        scans: (size) => (size >= 1_000_000 ? 3 : size >= 100_000 ? (quick ? 3 : 5) : 10),
        engineCpuSeconds: () => engine.cpuSeconds(),
      },
    ).finally(async () => {
      rawDynamo.destroy();
      await rawEngine.close();
    });
  } finally {
    dynamo.destroy();
    await engine.close();
  }

  log(`5. freshness: ${plan.probes} probes through the local stack`);
  const freshness = await freshnessBench(plan.probes, seed);
  log(`   p50 ${freshness.p50Ms} ms, p95 ${freshness.p95Ms} ms`);

  log('6. memory: fold and handler invocations at batch 1000, each in a process of its own');
  const foldMemory = await memoryOf('fold');
  const memoryEngine = await startDynaliteChild();
  const handlerMemory = await memoryOf('handler', memoryEngine.endpoint).finally(() => memoryEngine.close());

  log(`7. rebuild and drift over producer tables of ${quick ? '20k' : '100k'} items (bench/rebuild-bench.ts)`);
  const rebuild = rebuildFigures(await rebuildBench({ items: quick ? 20_000 : 100_000, seed, atMs: AT_MS }));
  const results = { ...buildResults({ started, fold, youngFold, e2e, lowRate, naive, read, freshness, foldMemory, handlerMemory, highRate }), ...rebuild };
  await writeFile(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(__dirname, 'results.md'), renderMarkdown(results));
  log(`done in ${results.durationSeconds} s: bench/results.json, bench/results.md`);
}

interface Parts {
  started: number;
  fold: Awaited<ReturnType<typeof foldBench>>;
  youngFold: Awaited<ReturnType<typeof foldBench>>;
  e2e: Awaited<ReturnType<typeof e2eBench>>;
  lowRate: Awaited<ReturnType<typeof e2eBench>>;
  naive: Awaited<ReturnType<typeof naiveBench>>;
  read: Awaited<ReturnType<typeof readBench>>;
  freshness: Awaited<ReturnType<typeof freshnessBench>>;
  foldMemory: Awaited<ReturnType<typeof memoryOf>>;
  handlerMemory: Awaited<ReturnType<typeof memoryOf>>;
  highRate: ReturnType<typeof standardMix>;
}

/** Everything measured, as results.json holds it: the figures first, then the rest. */
function buildResults({ started, fold, youngFold, e2e, lowRate, naive, read, freshness, foldMemory, handlerMemory, highRate }: Parts) {
  const batch = (size: number) => e2e.batches.find((b) => b.batchSize === size)!;
  const bySize = (size: number) => read.sizes.find((s) => s.events === size)!;
  const smallest10k = bySize(10_000);
  const largest = read.sizes[read.sizes.length - 1]!;
  const design = batch(1000);
  return {
    quick,
    seed,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      memoryGb: Math.round(totalmem() / 2 ** 30),
    },
    ranAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    notes: [
      "Engines: dynalite in a child process (its own core); the functions in this process; pulse-events as in-memory shards. The Scan baseline's raw events live in a second dynalite.",
      `Fold: whole conversations (the standard mix over many hours) at batch 100; young conversations (${HIGH_RATE} events/s for a few seconds) at batch 1000 in foldYoungEventsPerSec.`,
      `Throughput and write cost: the standard mix at ${HIGH_RATE} events/s, ${HIGH_RATE_SHARDS.telemetryShards} telemetry and ${HIGH_RATE_SHARDS.pulseShards} pulse-events shards; headline figures at batch 1000. ` +
        `Busy hour: ${BUSY_HOUR} events/h on the deployed ${BUSY_HOUR_SHARDS.telemetryShards}+${BUSY_HOUR_SHARDS.pulseShards} shards, batch ${LOW_RATE_BATCH}.`,
      `Read histories: the standard mix at ${BUSY_HOUR} events/hour, read at ${new Date(AT_MS).toISOString()}.`,
      ...(quick ? [`quick: readP95Ms1M and scanReadP95Ms1M are measured on the largest history of this run, ${label(largest.events)} events.`] : []),
    ],
    // ── the figures of issue 6 ──
    foldEventsPerSec: fold.eventsPerSec,
    e2eEventsPerSec: design.eventsPerSec,
    writeRequestsPerEvent: design.writeRequestsPerEvent,
    naiveWriteRequestsPerEvent: naive.counters.writeRequestsPerEvent,
    readRequestsPerRead: Math.max(...read.sizes.map((s) => s.readRequestsPerRead)),
    readP95Ms10k: smallest10k.readP95Ms,
    readP95Ms1M: largest.readP95Ms,
    scanReadP95Ms1M: largest.scanReadP95Ms,
    freshnessP95Ms: freshness.p95Ms,
    peakRssMb: Math.round(Math.max(foldMemory.peakRssMb, handlerMemory.peakRssMb)),
    // ── more figures ──
    foldYoungEventsPerSec: youngFold.eventsPerSec,
    validateEventsPerSec: fold.validateOnlyPerSec,
    ...Object.fromEntries(
      e2e.batches.flatMap((b) => [
        [`e2eEventsPerSecBatch${b.batchSize}`, b.eventsPerSec],
        [`writeRequestsPerEventBatch${b.batchSize}`, b.writeRequestsPerEvent],
        [`writeUnitsPerEventBatch${b.batchSize}`, b.writeUnitsPerEvent],
      ]),
    ),
    writeUnitsPerEvent: design.writeUnitsPerEvent,
    busyHourWriteRequestsPerEvent: lowRate.batches[0]!.writeRequestsPerEvent,
    busyHourWriteUnitsPerEvent: lowRate.batches[0]!.writeUnitsPerEvent,
    naiveWriteUnitsPerEvent: naive.counters.writeUnitsPerEvent,
    naiveEventsPerSec: naive.counters.eventsPerSec,
    naivePerItemWriteRequestsPerEvent: naive.perEventItemWriteRequestsPerEvent,
    idempotentWriteRequestsPerEvent: naive.idempotent.writeRequestsPerEvent,
    idempotentWriteUnitsPerEvent: naive.idempotent.writeUnitsPerEvent,
    naiveToDesignWriteRatio: round(naive.counters.writeRequestsPerEvent / design.writeRequestsPerEvent),
    ...Object.fromEntries(
      read.sizes.flatMap((s) => [
        [`readP50Ms${label(s.events)}`, s.readP50Ms],
        [`readP95Ms${label(s.events)}`, s.readP95Ms],
        [`scanReadP50Ms${label(s.events)}`, s.scanReadP50Ms],
        [`scanReadP95Ms${label(s.events)}`, s.scanReadP95Ms],
      ]),
    ),
    readLargestEvents: largest.events,
    readP95RatioLargestTo10k: round(largest.readP95Ms / smallest10k.readP95Ms),
    scanToDesignReadP95RatioLargest: round(largest.scanReadP95Ms / largest.readP95Ms),
    readP95MsEndOfDay: read.endOfDay.readP95Ms,
    freshnessP50Ms: freshness.p50Ms,
    foldPeakRssMb: Math.round(foldMemory.peakRssMb),
    handlerPeakRssMb: Math.round(handlerMemory.peakRssMb),
    benchProcessPeakRssMb: Math.round(peakRssMb()),
    details: {
      mix: mixShares(highRate),
      fold,
      youngFold,
      e2e,
      lowRate: { batchSize: LOW_RATE_BATCH, ...lowRate },
      naive,
      read,
      freshness,
      memory: { fold: foldMemory, handler: handlerMemory },
    },
  };
}

export type BenchResults = ReturnType<typeof buildResults>;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
