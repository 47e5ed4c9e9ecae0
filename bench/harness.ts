/**
 * The Kinesis path of Clara Pulse, driven as Lambda drives it but without a Kinesis engine in
 * the way: producer records are spread over the telemetry shards by partition key, the ingest
 * function is invoked per shard batch, what the deployed forwarder puts on pulse-events lands on
 * in-memory shards (by the partition key it chose, as Kinesis would), and the aggregator is
 * invoked per shard batch until every shard is empty. The functions are the real ones
 * (`functions/`), on the real store, on dynalite. A meter on the DynamoDB client counts every
 * request and its consumed capacity.
 *
 * The bench speaks only to the pipeline's public entry points: the function factories, the
 * `MetricsStore` port, the forwarder and `readDocument` (through the tick). What it must know
 * of the rest (how the store adapter is built, what a deployed handler records of itself) is in
 * `metricsStoreOn` and `recordOwnInvocation` below, and nowhere else.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { parseSettings, type Settings } from '../config/settings';
import { createKinesisIngest } from '../functions/kinesis-ingest';
import type { KinesisBatchResult } from '../functions/kinesis-batch';
import { createPulseAggregator } from '../functions/pulse-aggregator';
import { type LaneStates, laneStatesFor } from '../pipeline/lane-states';
import type { Runtime } from '../functions/runtime';
import { createTick } from '../functions/tick';
import { FUNCTION_NAMES } from '../local/stack/names';
import { recordInvocation } from '../local/stack/self-measurement';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import { DynamoDbMetricsStore } from '../store/dynamodb-metrics-store';
import type { MetricsStore, StoreUsage } from '../store/metrics-store';
import { MemoryDeadLetters } from '../streams/dead-letters';
import type { EventForwarder } from '../streams/event-forwarder';
import { KinesisEventForwarder } from '../streams/kinesis-event-forwarder';
import { createTableReady } from './engine';
import { nowMs } from './stats';

// ───────────────────────────── the meter ─────────────────────────────

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);
const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

export interface MeterCounts {
  writeRequests: number;
  /** Conditional writes refused: DynamoDB bills them too (counted as 1 WCU each: our items are small). */
  conditionalFailures: number;
  readRequests: number;
  writeUnits: number;
  readUnits: number;
  /** Requests by command name. */
  byCommand: Record<string, number>;
  /** Write requests and units by the kind of item (the key's prefix: M, D, G, C, E, U, S…). */
  writesByItem: Record<string, number>;
  writeUnitsByItem: Record<string, number>;
  conditionalFailuresByItem: Record<string, number>;
}

const emptyCounts = (): MeterCounts => ({
  writeRequests: 0,
  conditionalFailures: 0,
  readRequests: 0,
  writeUnits: 0,
  readUnits: 0,
  byCommand: {},
  writesByItem: {},
  writeUnitsByItem: {},
  conditionalFailuresByItem: {},
});

const bump = (record: Record<string, number>, key: string, by: number) => {
  record[key] = (record[key] ?? 0) + by;
};

type AttributeMap = Record<string, { S?: string }>;

/**
 * Counts requests and capacity units of every call a client makes (asking DynamoDB to report
 * them). It learns each table's partition key from the CreateTable calls it sees, so the kinds of
 * item (the key's prefix, up to the first `#` or `:`) follow whatever layout the store chooses.
 */
export class DynamoMeter {
  private counts = emptyCounts();
  private readonly partitionKeys = new Map<string, string>();

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown> & {
          TableName?: string;
          Key?: AttributeMap;
          Item?: AttributeMap;
          KeySchema?: { AttributeName?: string; KeyType?: string }[];
        };
        if (command === 'CreateTableCommand' && input.TableName) {
          const hash = input.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
          if (hash) this.partitionKeys.set(input.TableName, hash);
        }
        const isWrite = WRITES.has(command);
        if (isWrite || READS.has(command)) input.ReturnConsumedCapacity ??= 'TOTAL';
        const item = command === 'BatchWriteItemCommand' ? 'batch' : this.kindOf(input.TableName, input.Key ?? input.Item);
        bump(this.counts.byCommand, command, 1);
        if (isWrite) {
          this.counts.writeRequests++;
          bump(this.counts.writesByItem, item, 1);
        } else if (READS.has(command)) this.counts.readRequests++;
        let result: Awaited<ReturnType<typeof next>>;
        try {
          result = await next(args);
        } catch (error) {
          if (isWrite && error instanceof Error && error.name === 'ConditionalCheckFailedException') {
            this.counts.conditionalFailures++;
            bump(this.counts.conditionalFailuresByItem, item, 1);
            this.counts.writeUnits += 1;
            bump(this.counts.writeUnitsByItem, item, 1);
          }
          throw error;
        }
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        for (const capacity of [consumed ?? []].flat() as { CapacityUnits?: number }[]) {
          const units = capacity.CapacityUnits ?? 0;
          if (isWrite) {
            this.counts.writeUnits += units;
            bump(this.counts.writeUnitsByItem, item, units);
          } else this.counts.readUnits += units;
        }
        return result;
      },
      { step: 'initialize', name: 'benchMeter' },
    );
  }

  private kindOf(table: string | undefined, attributes: AttributeMap | undefined): string {
    const partitionKey = table === undefined ? undefined : this.partitionKeys.get(table);
    const key = partitionKey === undefined ? undefined : attributes?.[partitionKey]?.S;
    return key === undefined ? '?' : key.split(/[#:]/)[0]!;
  }

  snapshot(): MeterCounts {
    return structuredClone(this.counts);
  }

  /** No requests: where a sum of spans starts. */
  static none(): MeterCounts {
    return emptyCounts();
  }

  /** Two spans' counts together. */
  static plus(a: MeterCounts, b: MeterCounts): MeterCounts {
    return combine(a, b, (x, y) => x + y);
  }

  /** Counts times `factor` (a share of requests that served several lanes). */
  static times(c: MeterCounts, factor: number): MeterCounts {
    return combine(c, emptyCounts(), (x) => x * factor);
  }

  /** What happened between two snapshots. */
  static since(before: MeterCounts, after: MeterCounts): MeterCounts {
    return combine(after, before, (x, y) => x - y);
  }
}

/** Every count of `a` and `b`, field by field, through `f`; keyed counts that come to zero are left out. */
function combine(a: MeterCounts, b: MeterCounts, f: (x: number, y: number) => number): MeterCounts {
  const keyed = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries(
      [...new Set([...Object.keys(x), ...Object.keys(y)])].map((key) => [key, f(x[key] ?? 0, y[key] ?? 0)] as const).filter(([, n]) => n !== 0),
    );
  return {
    writeRequests: f(a.writeRequests, b.writeRequests),
    conditionalFailures: f(a.conditionalFailures, b.conditionalFailures),
    readRequests: f(a.readRequests, b.readRequests),
    writeUnits: f(a.writeUnits, b.writeUnits),
    readUnits: f(a.readUnits, b.readUnits),
    byCommand: keyed(a.byCommand, b.byCommand),
    writesByItem: keyed(a.writesByItem, b.writesByItem),
    writeUnitsByItem: keyed(a.writeUnitsByItem, b.writeUnitsByItem),
    conditionalFailuresByItem: keyed(a.conditionalFailuresByItem, b.conditionalFailuresByItem),
  };
}

export interface ItemCost {
  writesPerEvent: number;
  wcuPerEvent: number;
  /** The item's billed size per write: KB of the larger of before and after, rounded up. */
  wcuPerWrite: number;
  /** Of the writes, the conditional ones refused (billed as 1 WCU each). */
  refusedPerEvent: number;
}

/** Writes and WCU per event by kind of item (the key's prefix), most expensive first. */
export function costByItem(used: MeterCounts, events: number, round: (x: number) => number): Record<string, ItemCost> {
  return Object.fromEntries(
    Object.entries(used.writesByItem)
      .map(([item, writes]): [string, ItemCost] => {
        const units = used.writeUnitsByItem[item] ?? 0;
        const refused = used.conditionalFailuresByItem[item] ?? 0;
        return [
          item,
          {
            writesPerEvent: round(writes / events),
            wcuPerEvent: round(units / events),
            wcuPerWrite: round(units / writes),
            refusedPerEvent: round(refused / events),
          },
        ];
      })
      .sort((a, b) => b[1].wcuPerEvent - a[1].wcuPerEvent),
  );
}

// ───────────────────────────── what the bench knows of the wiring ─────────────────────────────

/** The DynamoDB adapter of the `MetricsStore` port, on the bench's clock: the one place the bench builds a store. */
export const metricsStoreOn = (dynamo: DynamoDBClient, tableName: string, now: () => number): DynamoDbMetricsStore =>
  new DynamoDbMetricsStore({ client: dynamo, tableName, now });

/**
 * What a deployed handler records of its own invocation (handlers/observability.ts), as the local
 * stack records it for its functions: when self-measurement changes, the local stack's copy
 * changes with it, and the bench follows.
 */
const recordOwnInvocation = (
  store: MetricsStore,
  fn: 'kinesisIngest' | 'pulseAggregator',
  started: { wallMs: number; usage: StoreUsage },
  nowMs: number,
): Promise<void> => recordInvocation(store, FUNCTION_NAMES[fn], nowMs - (Date.now() - started.wallMs), false, started.usage, nowMs);

// ───────────────────────────── shards ─────────────────────────────

interface Shard {
  arn: string;
  shardId: string;
  nextSeq: bigint;
  records: KinesisStreamRecord[];
}

const shardsOf = (stream: string, count: number): Shard[] =>
  Array.from({ length: count }, (_, i) => ({
    arn: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
    shardId: `shardId-${String(i).padStart(12, '0')}`,
    nextSeq: 49_650_000_000_000_000_000n + BigInt(i) * 10n ** 18n,
    records: [],
  }));

/** Kinesis maps the MD5 of the partition key onto the shards' hash ranges; an even split is the same. */
export const shardIndexOf = (partitionKey: string, shardCount: number): number => createHash('md5').update(partitionKey).digest().readUInt32BE(0) % shardCount;

const shardFor = (shards: readonly Shard[], partitionKey: string): Shard => shards[shardIndexOf(partitionKey, shards.length)]!;

function append(shard: Shard, partitionKey: string, data: string, arrivalMs: number): void {
  const sequenceNumber = String(shard.nextSeq++);
  shard.records.push({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data,
      approximateArrivalTimestamp: arrivalMs / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shard.shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
    awsRegion: 'us-east-1',
    eventSourceARN: shard.arn,
  });
}

/**
 * A Kinesis client whose PutRecords never leaves the process: each entry is appended to the shard
 * its partition key maps to, and accepted. The deployed forwarder (streams/) chooses the keys.
 */
function inMemoryKinesis(shards: readonly Shard[], arrivalMs: () => number): KinesisClient {
  const client = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const entries = (args.input as { Records?: PutRecordsRequestEntry[] }).Records ?? [];
      for (const entry of entries) {
        append(shardFor(shards, entry.PartitionKey!), entry.PartitionKey!, Buffer.from(entry.Data!).toString('base64'), arrivalMs());
      }
      const output: PutRecordsCommandOutput = { $metadata: {}, FailedRecordCount: 0, Records: entries.map(() => ({ SequenceNumber: '0', ShardId: '0' })) };
      return { output, response: {} } as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', name: 'benchInMemoryKinesis' },
  );
  return client;
}

// ───────────────────────────── the pipeline ─────────────────────────────

export interface BenchPipelineOptions {
  dynamo: DynamoDBClient;
  tableName: string;
  timeZone?: string;
  /** The functions' clock (the read time of the history)... */
  nowMs: number;
  /**
   * ...or, for a history of many hours, the time of the newest event produced so far, as if the
   * history were happening now; the 1-minute tick then runs after each chunk of events, so the
   * long-lived items stay as small as the tick keeps them.
   */
  clockFollowsEvents?: boolean;
  telemetryShards?: number;
  pulseShards?: number;
  /** The streams' names, which name the lanes: another pipeline on the same table needs its own. */
  streams?: { telemetry: string; pulse: string };
  /** Whether the table is to be created (no when another pipeline made it). */
  createTable?: boolean;
}

export interface PipelineStats {
  ingestInvocations: number;
  aggregatorInvocations: number;
  /** Records the aggregator handled: forwarded entity events and user shares. */
  pulseRecords: number;
  /** Time spent encoding producer records (a producer's work, not Clara Pulse's). */
  producerMs: number;
  /** Time spent in the tick (the 1-minute schedule's work, not the event path's). */
  tickMs: number;
}

export class BenchPipeline {
  readonly settings: Settings;
  readonly store: MetricsStore;
  readonly stats: PipelineStats = { ingestInvocations: 0, aggregatorInvocations: 0, pulseRecords: 0, producerMs: 0, tickMs: 0 };
  private readonly telemetry: Shard[];
  private readonly pulse: Shard[];
  /** The deployed forwarder onto this pipeline's in-memory pulse-events shards (the rebuild bench hands events to it). */
  readonly forwarder: EventForwarder;
  private nowMs: number;

  private constructor(private readonly options: BenchPipelineOptions) {
    this.nowMs = options.clockFollowsEvents ? 0 : options.nowMs;
    const streams = options.streams ?? { telemetry: 'telemetry', pulse: 'pulse-events' };
    this.settings = parseSettings({ METRICS_TABLE: options.tableName, PULSE_STREAM: streams.pulse, METRICS_TIME_ZONE: options.timeZone ?? 'UTC' });
    this.store = this.newStore();
    this.telemetry = shardsOf(streams.telemetry, options.telemetryShards ?? 2);
    this.pulse = shardsOf(streams.pulse, options.pulseShards ?? 4);
    this.forwarder = new KinesisEventForwarder(
      inMemoryKinesis(this.pulse, () => this.nowMs),
      this.settings.pulseStream,
    );
  }

  static async create(options: BenchPipelineOptions): Promise<BenchPipeline> {
    if (options.createTable ?? true) await createTableReady(options.dynamo, options.tableName);
    return new BenchPipeline(options);
  }

  /** The functions' clock now. */
  get clockMs(): number {
    return this.nowMs;
  }

  /**
   * Puts the events on the telemetry stream (partition key = event id, as producers do) and runs
   * every function until all shards are empty, `chunk` producer records at a time; with a clock
   * that follows the events, the tick runs after each chunk unless `tick` is false.
   */
  async process(events: readonly CanonicalEventInput[], batchSize: number, options: { chunk?: number; tick?: boolean } = {}): Promise<void> {
    const chunk = options.chunk ?? Math.max(20_000, batchSize * 16);
    const tick = options.tick ?? this.options.clockFollowsEvents === true;
    for (let i = 0; i < events.length; i += chunk) {
      const encoding = nowMs();
      for (const event of events.slice(i, i + chunk)) {
        const at = Date.parse(event.occurredAt);
        if (this.options.clockFollowsEvents) this.nowMs = Math.max(this.nowMs, at);
        const json = JSON.stringify(event);
        append(shardFor(this.telemetry, event.eventId), event.eventId, Buffer.from(json).toString('base64'), at);
      }
      this.stats.producerMs += nowMs() - encoding;
      await Promise.all(this.telemetry.map((shard) => this.drain(shard, batchSize, 'ingest')));
      while (this.pulse.some((shard) => shard.records.length > 0)) {
        await Promise.all(this.pulse.map((shard) => this.drain(shard, batchSize, 'aggregate')));
      }
      if (tick) await this.tick();
    }
  }

  /** The 1-minute tick (functions/tick.ts) at the pipeline's clock: alert state, and keeping long-lived items small. */
  async tick(): Promise<void> {
    const started = nowMs();
    await createTick(this.runtime(this.newStore()), { publish: () => {} })();
    this.stats.tickMs += nowMs() - started;
  }

  private readonly stores = new Map<Shard, MetricsStore>();
  private storeOf(shard: Shard): MetricsStore {
    const store = this.stores.get(shard) ?? this.newStore();
    this.stores.set(shard, store);
    return store;
  }

  /** The journaled entity states that the shard's warm aggregator container holds between batches. */
  private readonly laneStates = new Map<Shard, LaneStates>();
  private laneStatesOf(shard: Shard): LaneStates {
    const states = this.laneStates.get(shard) ?? laneStatesFor(this.settings);
    this.laneStates.set(shard, states);
    return states;
  }

  private newStore(): MetricsStore {
    return metricsStoreOn(this.options.dynamo, this.options.tableName, () => this.nowMs);
  }

  private runtime(store: MetricsStore): Runtime {
    return { settings: this.settings, store, forwarder: this.forwarder, deadLetters: new MemoryDeadLetters(), now: () => this.nowMs };
  }

  /** One batch at a time per shard, as Lambda does with parallelization factor 1. */
  private async drain(shard: Shard, batchSize: number, step: 'ingest' | 'aggregate'): Promise<void> {
    while (shard.records.length > 0) {
      const event: KinesisStreamEvent = { Records: shard.records.splice(0, batchSize) };
      // One warm container per shard, as Lambda keeps: its store holds the measurements waiting for a write to ride on.
      const store = this.storeOf(shard);
      const started = { wallMs: Date.now(), usage: { ...store.usage } };
      const runtime = this.runtime(store);
      let result: KinesisBatchResult;
      if (step === 'ingest') {
        this.stats.ingestInvocations++;
        result = await createKinesisIngest(runtime)(event);
      } else {
        this.stats.aggregatorInvocations++;
        this.stats.pulseRecords += event.Records.length;
        result = await createPulseAggregator(runtime, this.laneStatesOf(shard))(event);
      }
      await recordOwnInvocation(store, step === 'ingest' ? 'kinesisIngest' : 'pulseAggregator', started, this.nowMs);
      if (result.response.batchItemFailures.length > 0 || result.deadLettered > 0) {
        throw new Error(
          `${step}: ${result.deadLettered} dead-lettered, ${result.response.batchItemFailures.length} failed: ${String(result.outcome.errors[0])}`,
        );
      }
    }
  }
}
