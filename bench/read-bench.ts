/**
 * Read cost: `GET /admin/realtime` (`readDocument` on the `MetricsStore` port) against the
 * original service's read (Scan every stored event, then compute), over histories of growing
 * size, all read at the same instant late in the day (23:55), when "today" is at its fullest.
 * The design's reads are measured by a warm reader (a read function's container that has served
 * the dashboard before, which is how a polled dashboard is served) and by a cold one (a new
 * container's first read).
 *
 * Every history has the same traffic (the standard mix at a busy hour's rate) and reaches further
 * back as it grows: what a service sees as it keeps running. Histories are built with the real
 * functions and store at batch 1000, the tick running along; the raw events of the Scan baseline
 * are written with BatchWriteItem to an engine of its own, started only once the design's reads are
 * measured: an engine holding a million raw items does work of its own now and then (a pass 30 s
 * after the build measured 3.35 ms of its CPU per read), and on a 2-core machine that falls on
 * the reads it has nothing to do with. What the read fetches is seen on the client, so the
 * figures follow whatever items and attributes the store lays out. Beside them, a bare-request
 * baseline: the warm read's own requests sent again, nothing decoded, so a run says how much of
 * a read is the engine and the SDK on this machine, and how much is the design's.
 */
import { BatchGetItemCommand, type BatchGetItemCommandInput, type BatchGetItemCommandOutput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { readDocument } from '../pipeline/read-document';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import { KEY_ATTRIBUTE } from '../store/layout';
import type { MetricsStore } from '../store/metrics-store';
import { ownCpuSeconds, settled } from './engine';
import { BenchPipeline, DynamoMeter, metricsStoreOn } from './harness';
import { standardMix } from './mix';
import { profiled, type ProfileSummary } from './profile';
import { naiveNumbers, scanRead, writeRawEvents, type NaiveNumbers } from './naive';
import { log, median, nowMs, percentile, round, timed } from './stats';

/** An item a read fetched, as the client returned it (unmarshalled). */
type StoredItem = Record<string, unknown>;

export interface ReadOptions {
  sizes: readonly number[];
  eventsPerHour: number;
  seed: number;
  /** The read time, and the end of every history. */
  atMs: number;
  reads: number;
  /** Scans per size (a scan of a million events takes a while). */
  scans: (size: number) => number;
  /** CPU seconds used so far by the DynamoDB engine. */
  engineCpuSeconds: () => number;
}

export interface ReadResult {
  atIso: string;
  reads: number;
  sizes: SizeResult[];
  /** Where a read's time goes, on the largest history: in the store's calls (fetching, and decoding into a snapshot), and the rest (building the document). */
  fetchP50Ms: number;
  buildP50Ms: number;
  /** What one warm read fetches on the largest history (the items its requests return): items, KB as JSON, attributes. */
  fetched: { items: number; kb: number; attributes: number };
  /** KB of what one read fetches, by the attribute name's prefix (up to the first `:`). */
  fetchedKbByAttribute: Record<string, number>;
  /** KB of what one read fetches, by the item key's prefix (up to the first `#` or `:`). */
  fetchedKbByItem: Record<string, number>;
  /** The largest items one read fetches. */
  largestItems: { key: string; kb: number }[];
  /** CPU profile of the read loop in the reading process (the engine's share is in engineCpuMsPerRead). */
  profile: ProfileSummary;
  /** dynalite's CPU time per read, and the reading process's. */
  engineCpuMsPerRead: number;
  ownCpuMsPerRead: number;
  /** How long the engine kept working after the histories were built, before the reads began. */
  engineSettledAfterMs: number;
}

export interface SizeResult {
  events: number;
  historyHours: number;
  buildEventsPerSec: number;
  readP50Ms: number;
  readP95Ms: number;
  /** A new container's first read: nothing kept from earlier reads (reader-memory.ts). */
  coldReadP50Ms: number;
  coldReadP95Ms: number;
  coldReadUnitsPerRead: number;
  coldReadRequestsPerRead: number;
  /**
   * The warm read's own requests sent again as they were, with nothing decoded or built: what
   * any read of those items costs on this engine and machine, the floor under readP95Ms.
   */
  bareRequestP50Ms: number;
  bareRequestP95Ms: number;
  readRequestsPerRead: number;
  readUnitsPerRead: number;
  /** The largest item a read fetches from this history, and all they fetch (KB as JSON). */
  largestItem: { key: string; kb: number };
  fetchedKb: number;
  scans: number;
  scanReadP50Ms: number;
  scanReadP95Ms: number;
  scanRequestsPerRead: number;
  scanReadUnitsPerRead: number;
  /** Numbers on which the design's document and the Scan baseline's computation disagree. */
  disagreements: string[];
}

/** One engine for Clara Pulse's tables; another, started after the design's reads, for the raw events of the Scan baseline. */
export interface ReadEngines {
  dynamo: DynamoDBClient;
  meter: DynamoMeter;
  withRawEngine: <T>(work: (raw: { dynamo: DynamoDBClient; meter: DynamoMeter }) => Promise<T>) => Promise<T>;
}

interface History {
  size: number;
  historyHours: number;
  buildEventsPerSec: number;
  pipeline: BenchPipeline;
  /** The numbers computed from the raw events. */
  expected: NaiveNumbers;
  observed: ReturnType<typeof observe>;
}

export async function readBench({ dynamo, meter, withRawEngine }: ReadEngines, options: ReadOptions): Promise<ReadResult> {
  const historyOf = (size: number) => standardMix({ seed: options.seed, count: size, endMs: options.atMs, eventsPerSecond: options.eventsPerHour / 3600 });
  const built: History[] = [];
  for (const size of options.sizes) {
    const events = historyOf(size);
    const historyHours = (options.atMs - Date.parse(events[0]!.occurredAt)) / 3_600_000;
    const pipeline = await BenchPipeline.create({ dynamo, tableName: `read-${size}`, nowMs: options.atMs, clockFollowsEvents: true });
    const build = await timed(() => pipeline.process(events, 1000));
    const buildEventsPerSec = size / ((build.ms - pipeline.stats.producerMs - pipeline.stats.tickMs) / 1000);
    log(`   read: ${size} events (${historyHours.toFixed(1)} h) built through the functions at ${Math.round(buildEventsPerSec)} events/s`);
    const expected = naiveNumbers(events, options.atMs);
    built.push({ size, historyHours, buildEventsPerSec, pipeline, expected, observed: observe(pipeline.store) });
  }
  const read = (entry: History, store: MetricsStore = entry.pipeline.store) => readDocument(store, entry.pipeline.settings, options.atMs);
  // A new container's store: nothing kept from earlier reads.
  const coldStore = (entry: History) => metricsStoreOn(dynamo, `read-${entry.size}`, () => options.atMs);

  const settling = await settled(options.engineCpuSeconds);
  log(`   read: the engine settled ${round(settling.waitedMs / 1000)} s after the build (${round(settling.cpuSeconds)} s of its CPU meanwhile)`);

  /** `options.reads` metered reads per history, sizes interleaved so that noise falls on all of them alike. */
  const meteredReads = async (storeOf: (entry: History) => MetricsStore) => {
    const bySize = new Map(built.map(({ size }) => [size, { ms: [] as number[], requests: 0, units: 0, document: undefined as RealTimeMetrics | undefined }]));
    for (let r = 0; r < options.reads; r++) {
      for (const entry of built) {
        const store = storeOf(entry);
        const before = meter.snapshot();
        const { result, ms } = await timed(() => read(entry, store));
        const used = DynamoMeter.since(before, meter.snapshot());
        const sample = bySize.get(entry.size)!;
        sample.ms.push(ms);
        sample.requests += used.readRequests;
        sample.units += used.readUnits;
        sample.document = result;
      }
    }
    return bySize;
  };

  // The design's read by a warm reader (each history's own store, warmed up first), then by cold ones.
  for (const entry of built) for (let i = 0; i < 20; i++) await read(entry);
  const engineBefore = options.engineCpuSeconds();
  const ownBefore = ownCpuSeconds();
  const warm = await meteredReads((entry) => entry.pipeline.store);
  const engineCpuMsPerRead = ((options.engineCpuSeconds() - engineBefore) * 1000) / (options.reads * built.length);
  const ownCpuMsPerRead = ((ownCpuSeconds() - ownBefore) * 1000) / (options.reads * built.length);
  log(`   read: CPU per read: the reading process ${round(ownCpuMsPerRead)} ms, dynalite ${round(engineCpuMsPerRead)} ms`);
  const cold = await meteredReads(coldStore);

  // The bare-request baseline: each history's warm read's requests, captured once, then sent again in interleaved rounds.
  const requestsBySize = new Map<number, BatchGetItemCommandInput[]>();
  const fetchedBySize = new Map<number, Map<string, StoredItem>>();
  for (const entry of built) {
    const { requests, items } = await requestsOf(dynamo, () => read(entry));
    requestsBySize.set(entry.size, requests);
    fetchedBySize.set(entry.size, items);
  }
  const bareMs = new Map<number, number[]>(built.map(({ size }) => [size, []]));
  for (let r = 0; r < options.reads; r++) {
    for (const { size } of built) {
      const { ms } = await timed(async () => {
        for (const input of requestsBySize.get(size)!) await dynamo.send(new BatchGetItemCommand(input));
      });
      bareMs.get(size)!.push(ms);
    }
  }

  // Where the time goes: the same reads through an observed store.
  const fetchMs: number[] = [];
  const buildMs: number[] = [];
  const largest = built[built.length - 1]!;
  for (let r = 0; r < options.reads; r++) {
    const { ms } = await timed(() => read(largest, largest.observed.store));
    const inStore = largest.observed.takeMs();
    fetchMs.push(inStore);
    buildMs.push(ms - inStore);
  }
  const { profile } = await profiled(async () => {
    for (let r = 0; r < options.reads; r++) await read(largest);
  });

  const scans = new Map<number, { ms: number[]; requests: number; units: number; numbers?: NaiveNumbers }>(
    built.map(({ size }) => [size, { ms: [], requests: 0, units: 0 }]),
  );
  await withRawEngine(async ({ dynamo: rawDynamo, meter: rawMeter }) => {
    for (const { size } of built) {
      await writeRawEvents(rawDynamo, `raw-${size}`, historyOf(size));
      log(`   read: ${size} events written as raw items for the Scan baseline`);
    }
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
        log(`   read: Scan of ${size} events: ${Math.round(ms)} ms (${result.pages} pages, scan ${Math.round(result.scanMs)} ms)`);
      }
    }
  });

  const sizes = built.map(({ size, historyHours, buildEventsPerSec, expected }): SizeResult => {
    const scan = scans.get(size)!;
    const warmReads = warm.get(size)!;
    const coldReads = cold.get(size)!;
    const items = fetchedBySize.get(size)!;
    return {
      events: size,
      historyHours: round(historyHours),
      buildEventsPerSec: Math.round(buildEventsPerSec),
      readP50Ms: round(median(warmReads.ms)),
      readP95Ms: round(percentile(warmReads.ms, 95)),
      coldReadP50Ms: round(median(coldReads.ms)),
      coldReadP95Ms: round(percentile(coldReads.ms, 95)),
      coldReadUnitsPerRead: round(coldReads.units / options.reads),
      coldReadRequestsPerRead: round(coldReads.requests / options.reads),
      bareRequestP50Ms: round(median(bareMs.get(size)!)),
      bareRequestP95Ms: round(percentile(bareMs.get(size)!, 95)),
      readRequestsPerRead: warmReads.requests / options.reads,
      readUnitsPerRead: round(warmReads.units / options.reads),
      largestItem: largestItems(items, 1)[0] ?? { key: '-', kb: 0 },
      fetchedKb: round(kbOf([...items.values()])),
      scans: scan.ms.length,
      scanReadP50Ms: round(median(scan.ms)),
      scanReadP95Ms: round(percentile(scan.ms, 95)),
      scanRequestsPerRead: round(scan.requests / scan.ms.length),
      scanReadUnitsPerRead: round(scan.units / scan.ms.length),
      disagreements: [...compare(warmReads.document!, expected), ...compare(warmReads.document!, scan.numbers!).map((d) => `scan: ${d}`)],
    };
  });
  const items = fetchedBySize.get(largest.size)!;
  return {
    atIso: new Date(options.atMs).toISOString(),
    reads: options.reads,
    sizes,
    fetchP50Ms: round(median(fetchMs)),
    buildP50Ms: round(median(buildMs)),
    fetched: {
      items: items.size,
      kb: round(kbOf([...items.values()])),
      attributes: [...items.values()].reduce((sum, item) => sum + Object.keys(item).length, 0),
    },
    fetchedKbByAttribute: kbBy(
      [...items.values()].flatMap((item) => Object.entries(item)),
      ([name]) => prefixOf(name, /:/),
      ([name, value]) => name.length + JSON.stringify(value).length,
    ),
    fetchedKbByItem: kbBy(
      [...items],
      ([key]) => prefixOf(key, /[#:]/),
      ([, item]) => JSON.stringify(item).length,
    ),
    largestItems: largestItems(items, 5),
    profile,
    engineCpuMsPerRead: round(engineCpuMsPerRead),
    ownCpuMsPerRead: round(ownCpuMsPerRead),
    engineSettledAfterMs: Math.round(settling.waitedMs),
  };
}

/**
 * The BatchGetItem requests `work` sends, as sent, and the items they return: seen on the client,
 * whatever the store does with them.
 */
async function requestsOf(
  dynamo: DynamoDBClient,
  work: () => Promise<unknown>,
): Promise<{ requests: BatchGetItemCommandInput[]; items: Map<string, StoredItem> }> {
  const requests: BatchGetItemCommandInput[] = [];
  const items = new Map<string, StoredItem>();
  const name = 'readBenchRequests';
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName !== 'BatchGetItemCommand') return result;
      requests.push(structuredClone(args.input as BatchGetItemCommandInput));
      for (const table of Object.values((result.output as BatchGetItemCommandOutput).Responses ?? {}))
        for (const raw of table) {
          const item = unmarshall(raw);
          items.set(String(item[KEY_ATTRIBUTE]), item);
        }
      return result;
    },
    { step: 'initialize', name },
  );
  try {
    await work();
  } finally {
    dynamo.middlewareStack.remove(name);
  }
  return { requests, items };
}

/**
 * The store as the read sees it, with the time spent in its calls recorded: whatever methods the
 * port has, a call is "fetching" (and decoding what it fetched into a snapshot), and the rest of
 * a read is building the document.
 */
function observe(store: MetricsStore) {
  let ms = 0;
  const observed = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const started = nowMs();
        const result: unknown = await value.apply(target, args);
        ms += nowMs() - started;
        return result;
      };
    },
  });
  return {
    store: observed,
    /** The time spent in the store's calls since the last take. */
    takeMs: () => {
      const taken = ms;
      ms = 0;
      return taken;
    },
  };
}

const kbOf = (value: unknown): number => JSON.stringify(value).length / 1024;
const prefixOf = (name: string, separator: RegExp): string => {
  const parts = name.split(separator);
  return parts.length > 1 ? `${parts[0]}${name[parts[0]!.length]}` : 'other';
};

function kbBy<T>(entries: readonly T[], kind: (entry: T) => string, bytes: (entry: T) => number): Record<string, number> {
  const total: Record<string, number> = {};
  for (const entry of entries) total[kind(entry)] = (total[kind(entry)] ?? 0) + bytes(entry);
  return Object.fromEntries(
    Object.entries(total)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => [k, round(n / 1024)]),
  );
}

const largestItems = (items: ReadonlyMap<string, StoredItem>, count: number): { key: string; kb: number }[] =>
  [...items]
    .map(([key, item]) => ({ key, kb: round(kbOf(item)) }))
    .sort((a, b) => b.kb - a.kb)
    .slice(0, count);

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
