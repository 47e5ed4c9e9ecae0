/**
 * 4. Read cost: `GET /admin/realtime` (readDocument: one BatchGetItem of 66 keys, then
 * arithmetic) against the original service's read (Scan every stored event, then compute), over
 * histories of growing size.
 *
 * Every history has the same traffic, 10,000 events an hour (a busy hour of ADA Clara, about
 * 500 conversations), and reaches further back as it grows: what a service sees as it keeps
 * running. From 10k events on, the last hour — what the read fetches — is the same. Histories are built with
 * the real functions and store at batch 1000; the raw events of the Scan baseline are written
 * with BatchWriteItem.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readDocument } from '../pipeline/read-document';
import { buildDocument } from '../read-model/build-document';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import { BenchPipeline, DynamoMeter } from './harness';
import { standardMix } from './mix';
import { profiled, type ProfileSummary } from './profile';
import { naiveNumbers, scanRead, writeRawEvents, type NaiveNumbers } from './naive';
import { log, median, nowMs, percentile, round, timed } from './stats';

export interface ReadOptions {
  sizes: readonly number[];
  eventsPerHour: number;
  seed: number;
  atMs: number;
  reads: number;
  /** Scans per size (a scan of a million events takes a while). */
  scans: (size: number) => number;
  /** CPU seconds used so far by the DynamoDB engine. */
  engineCpuSeconds: () => number;
}

export interface ReadResult {
  sizes: SizeResult[];
  /** Where the read's time goes, on the largest history: fetching the 66 items, building the document. */
  fetchP50Ms: number;
  buildP50Ms: number;
  /** What one read fetches: items as JSON, and their attributes. */
  fetchedKb: number;
  fetchedAttributes: number;
  /** KB of what one read fetches, by kind of attribute: w: lane watermarks, h: sketch bins, a: day minutes, fn: functions… */
  fetchedKbByKind: Record<string, number>;
  /** CPU profile of the read loop in the reading process (the engine's share is in engineCpuMsPerRead). */
  profile: ProfileSummary;
  /** dynalite's CPU time per read. */
  engineCpuMsPerRead: number;
  /** The read at the end of a day (today's item then holds all 1440 minutes), on the largest history. */
  endOfDay: { atIso: string; readP50Ms: number; readP95Ms: number; readUnitsPerRead: number };
}

export interface SizeResult {
  events: number;
  historyHours: number;
  buildEventsPerSec: number;
  readP50Ms: number;
  readP95Ms: number;
  readRequestsPerRead: number;
  readUnitsPerRead: number;
  scans: number;
  scanReadP50Ms: number;
  scanReadP95Ms: number;
  scanRequestsPerRead: number;
  scanReadUnitsPerRead: number;
  /** Numbers on which the design's document and the Scan baseline's computation disagree. */
  disagreements: string[];
}

/** One engine for Clara Pulse's tables, another for the raw events of the Scan baseline, so neither slows the other. */
export interface ReadEngines {
  dynamo: DynamoDBClient;
  meter: DynamoMeter;
  rawDynamo: DynamoDBClient;
  rawMeter: DynamoMeter;
}

export async function readBench({ dynamo, meter, rawDynamo, rawMeter }: ReadEngines, options: ReadOptions): Promise<ReadResult> {
  const built = [];
  for (const size of options.sizes) {
    const events = standardMix({ seed: options.seed, count: size, endMs: options.atMs, eventsPerSecond: options.eventsPerHour / 3600 });
    const historyHours = (options.atMs - Date.parse(events[0]!.occurredAt)) / 3_600_000;
    const pipeline = await BenchPipeline.create({ dynamo, tableName: `read-${size}`, nowMs: options.atMs, clockFollowsEvents: true });
    // The raw table is written meanwhile (dynalite has a core of its own): the build rate is a by-product, not a figure.
    const [build] = await Promise.all([timed(() => pipeline.process(events, 1000)), writeRawEvents(rawDynamo, `raw-${size}`, events)]);
    const buildEventsPerSec = size / ((build.ms - pipeline.stats.producerMs) / 1000);
    log(`read: ${size} events (${historyHours.toFixed(1)} h) built through the functions at ${Math.round(buildEventsPerSec)} events/s, and as raw items`);
    const expected = naiveNumbers(events, options.atMs);
    built.push({ size, historyHours, buildEventsPerSec, pipeline, expected });
  }

  // The design's read, sizes interleaved so that noise falls on all of them alike.
  for (const { pipeline } of built) for (let i = 0; i < 20; i++) await readDocument(pipeline.store, pipeline.settings, options.atMs);
  const reads = new Map<number, number[]>(built.map(({ size }) => [size, []]));
  const readUsage = new Map<number, { requests: number; units: number }>(built.map(({ size }) => [size, { requests: 0, units: 0 }]));
  const documents = new Map<number, RealTimeMetrics>();
  const engineBefore = options.engineCpuSeconds();
  for (let r = 0; r < options.reads; r++) {
    for (const { size, pipeline } of built) {
      const before = meter.snapshot();
      const { result, ms } = await timed(() => readDocument(pipeline.store, pipeline.settings, options.atMs));
      const used = DynamoMeter.since(before, meter.snapshot());
      reads.get(size)!.push(ms);
      readUsage.get(size)!.requests += used.readRequests;
      readUsage.get(size)!.units += used.readUnits;
      documents.set(size, result);
    }
  }
  const engineCpuMsPerRead = ((options.engineCpuSeconds() - engineBefore) * 1000) / (options.reads * built.length);

  const largest = built[built.length - 1]!.pipeline;
  const fetchMs: number[] = [];
  const buildMs: number[] = [];
  let fetchedKb = 0;
  let attributes = 0;
  let kbByKind: Record<string, number> = {};
  for (let r = 0; r < options.reads; r++) {
    const fetched = await timed(() => largest.store.readSnapshot(options.atMs, largest.settings.timeZone));
    const started = nowMs();
    buildDocument(fetched.result, options.atMs, largest.settings);
    buildMs.push(nowMs() - started);
    fetchMs.push(fetched.ms);
    fetchedKb = JSON.stringify([...fetched.result.counters]).length / 1024;
    attributes = fetched.result.counters.size;
    kbByKind = sizeByFamily(fetched.result.counters);
  }
  const { profile } = await profiled(async () => {
    for (let r = 0; r < options.reads; r++) await readDocument(largest.store, largest.settings, options.atMs);
  });
  const endOfDayMs = Math.floor(options.atMs / 86_400_000) * 86_400_000 - 30_000;
  const endOfDay: number[] = [];
  const endOfDayBefore = meter.snapshot();
  for (let r = 0; r < options.reads; r++) endOfDay.push((await timed(() => readDocument(largest.store, largest.settings, endOfDayMs))).ms);
  const endOfDayUnits = DynamoMeter.since(endOfDayBefore, meter.snapshot()).readUnits / options.reads;

  const scans = new Map<number, { ms: number[]; requests: number; units: number; numbers?: NaiveNumbers }>(
    built.map(({ size }) => [size, { ms: [], requests: 0, units: 0 }]),
  );
  const rounds = Math.max(...options.sizes.map(options.scans));
  for (let r = 0; r < rounds; r++) {
    for (const { size } of built) {
      if (r >= options.scans(size)) continue;
      const before = rawMeter.snapshot();
      const { result, ms } = await timed(() => scanRead(rawDynamo, `raw-${size}`, options.atMs));
      const used = DynamoMeter.since(before, rawMeter.snapshot());
      const entry = scans.get(size)!;
      entry.ms.push(ms);
      entry.requests += used.readRequests;
      entry.units += used.readUnits;
      entry.numbers = result.numbers;
      log(`read: Scan of ${size} events: ${Math.round(ms)} ms (${result.pages} pages, scan ${Math.round(result.scanMs)} ms)`);
    }
  }

  const sizes = built.map(({ size, historyHours, buildEventsPerSec, expected }) => {
    const scan = scans.get(size)!;
    const usage = readUsage.get(size)!;
    return {
      events: size,
      historyHours: round(historyHours),
      buildEventsPerSec: Math.round(buildEventsPerSec),
      readP50Ms: round(median(reads.get(size)!)),
      readP95Ms: round(percentile(reads.get(size)!, 95)),
      readRequestsPerRead: usage.requests / options.reads,
      readUnitsPerRead: round(usage.units / options.reads),
      scans: scan.ms.length,
      scanReadP50Ms: round(median(scan.ms)),
      scanReadP95Ms: round(percentile(scan.ms, 95)),
      scanRequestsPerRead: round(scan.requests / scan.ms.length),
      scanReadUnitsPerRead: round(scan.units / scan.ms.length),
      disagreements: [...compare(documents.get(size)!, expected), ...compare(documents.get(size)!, scan.numbers!).map((d) => `scan: ${d}`)],
    };
  });
  return {
    sizes,
    fetchP50Ms: round(median(fetchMs)),
    buildP50Ms: round(median(buildMs)),
    fetchedKb: round(fetchedKb),
    fetchedAttributes: attributes,
    fetchedKbByKind: kbByKind,
    profile,
    engineCpuMsPerRead: round(engineCpuMsPerRead),
    endOfDay: {
      atIso: new Date(endOfDayMs).toISOString(),
      readP50Ms: round(median(endOfDay)),
      readP95Ms: round(percentile(endOfDay, 95)),
      readUnitsPerRead: round(endOfDayUnits),
    },
  };
}

/** Bytes (key + value as JSON) of the fetched counters, by family (m: minute facts, w: window entries, s: series, d: day, g/q: queue). */
function sizeByFamily(counters: ReadonlyMap<string, number>): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const [counter, value] of counters) bytes[counter[0]!] = (bytes[counter[0]!] ?? 0) + counter.length + String(value).length;
  return Object.fromEntries(Object.entries(bytes).map(([family, n]) => [`${family}|`, round(n / 1024)]));
}

/** The numbers both reads compute, side by side. */
function compare(document: RealTimeMetrics, naive: NaiveNumbers): string[] {
  const pairs: [string, unknown, unknown][] = [
    ['messagesLastHour', document.messagesLastHour, naive.messagesLastHour],
    ['escalationsToday', document.escalationsToday, naive.escalationsToday],
    ['liveConversations.total', document.liveConversations.total, naive.liveConversations],
    ['liveConversations.byLanguage', JSON.stringify(document.liveConversations.byLanguage), JSON.stringify(naive.liveByLanguage)],
    ['activeUsers.total', document.activeUsers.total, naive.activeUsers],
    ['activeUsers.unique', document.activeUsers.unique, naive.uniqueUsers],
    ['activeUsers.returning', document.activeUsers.returning, naive.returningUsers],
    ['realTimeEscalations.pending', document.realTimeEscalations.pending, naive.pending],
    ['realTimeEscalations.inProgress', document.realTimeEscalations.inProgress, naive.inProgress],
    ['realTimeEscalations.criticalCount', document.realTimeEscalations.criticalCount, naive.criticalOpen],
    ['realTimeEscalations.resolved', document.realTimeEscalations.resolved, naive.resolvedToday],
    ['systemPerformance.errorRate', document.systemPerformance.errorRate, naive.errorRate],
    ['responseTime', document.responseTime, naive.responseTime],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([name, a, b]) => `${name}: ${String(a)} ≠ ${String(b)}`);
}
