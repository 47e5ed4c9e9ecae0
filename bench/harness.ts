/**
 * The Kinesis path of Clara Pulse, driven as Lambda drives it but without a Kinesis engine in
 * the way: producer records are spread over the telemetry shards by partition key, the ingest
 * function is invoked per shard batch, what it forwards lands on in-memory pulse-events shards
 * (partitioned by entity, as Kinesis would), and the aggregator is invoked per shard batch until
 * every shard is empty. The functions are the real ones (`functions/`), on the real store, on
 * dynalite. A meter on the DynamoDB client counts every request and its consumed capacity.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { entityKeyOf } from '../aggregators/entity-routing';
import type { Settings } from '../config/settings';
import { createKinesisIngest } from '../functions/kinesis-ingest';
import type { KinesisBatchResult } from '../functions/kinesis-batch';
import { createPulseAggregator } from '../functions/pulse-aggregator';
import type { Runtime } from '../functions/runtime';
import { createTable } from '../local/engines';
import { recordInvocation } from '../local/stack/self-measurement';
import { DEFAULT_LABEL_POLICY } from '../aggregators/labels';
import { DEFAULT_ALERT_THRESHOLDS } from '../schemas/alert-rules';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import type { PulseRecord } from '../schemas/pulse-events';
import { DynamoDbMetricsStore } from '../store/dynamodb-metrics-store';
import { MemoryDeadLetters } from '../streams/dead-letters';
import type { EventForwarder } from '../streams/event-forwarder';
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
});

const bump = (record: Record<string, number>, key: string, by: number) => {
  record[key] = (record[key] ?? 0) + by;
};

/** Counts requests and capacity units of every call a client makes (asking DynamoDB to report them). */
export class DynamoMeter {
  private counts = emptyCounts();

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const input = args.input as Record<string, unknown> & { Key?: { pk?: { S?: string } }; Item?: { pk?: { S?: string } } };
        const isWrite = WRITES.has(command);
        if (isWrite || READS.has(command)) input.ReturnConsumedCapacity ??= 'TOTAL';
        const item = (input.Key?.pk?.S ?? input.Item?.pk?.S ?? (command === 'BatchWriteItemCommand' ? 'batch#' : '?#')).split('#')[0]!;
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

  snapshot(): MeterCounts {
    return structuredClone(this.counts);
  }

  /** What happened between two snapshots. */
  static since(before: MeterCounts, after: MeterCounts): MeterCounts {
    const minus = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(a)
          .map(([key, n]) => [key, n - (b[key] ?? 0)])
          .filter(([, n]) => n !== 0),
      );
    return {
      writeRequests: after.writeRequests - before.writeRequests,
      conditionalFailures: after.conditionalFailures - before.conditionalFailures,
      readRequests: after.readRequests - before.readRequests,
      writeUnits: after.writeUnits - before.writeUnits,
      readUnits: after.readUnits - before.readUnits,
      byCommand: minus(after.byCommand, before.byCommand),
      writesByItem: minus(after.writesByItem, before.writesByItem),
      writeUnitsByItem: minus(after.writeUnitsByItem, before.writeUnitsByItem),
    };
  }
}

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
const shardFor = (shards: readonly Shard[], partitionKey: string): Shard =>
  shards[createHash('md5').update(partitionKey).digest().readUInt32BE(0) % shards.length]!;

function append(shard: Shard, partitionKey: string, json: string, arrivalMs: number): void {
  const sequenceNumber = String(shard.nextSeq++);
  shard.records.push({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(json).toString('base64'),
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

// ───────────────────────────── the pipeline ─────────────────────────────

export interface BenchPipelineOptions {
  dynamo: DynamoDBClient;
  tableName: string;
  timeZone?: string;
  /** The functions' clock (the read time of the history)... */
  nowMs: number;
  /**
   * ...or, for a history of many hours, the time of the newest event produced so far, as if the
   * history were happening now; the 1-minute tick's pruning of old watermarks then runs along.
   */
  clockFollowsEvents?: boolean;
  telemetryShards?: number;
  pulseShards?: number;
}

export interface PipelineStats {
  ingestInvocations: number;
  aggregatorInvocations: number;
  /** Records the aggregator handled: forwarded entity events and user shares. */
  pulseRecords: number;
  /** Time spent encoding producer records (a producer's work, not Clara Pulse's). */
  producerMs: number;
}

export class BenchPipeline implements EventForwarder {
  readonly settings: Settings;
  readonly store: DynamoDbMetricsStore;
  readonly stats: PipelineStats = { ingestInvocations: 0, aggregatorInvocations: 0, pulseRecords: 0, producerMs: 0 };
  private readonly telemetry: Shard[];
  private readonly pulse: Shard[];
  private nowMs: number;

  private constructor(private readonly options: BenchPipelineOptions) {
    this.nowMs = options.clockFollowsEvents ? 0 : options.nowMs;
    this.settings = {
      metricsTable: options.tableName,
      pulseStream: 'pulse-events',
      timeZone: options.timeZone ?? 'UTC',
      producerTables: { chatSessions: 'chat-sessions', messages: 'messages', escalations: 'escalations' },
      readCapacityBudget: 100,
      writeCapacityBudget: 100,
      thresholds: DEFAULT_ALERT_THRESHOLDS,
      labels: DEFAULT_LABEL_POLICY,
    };
    this.store = this.newStore();
    this.telemetry = shardsOf('telemetry', options.telemetryShards ?? 2);
    this.pulse = shardsOf('pulse-events', options.pulseShards ?? 4);
  }

  static async create(options: BenchPipelineOptions): Promise<BenchPipeline> {
    await createTable(options.dynamo, options.tableName);
    return new BenchPipeline(options);
  }

  /** The internal stream: what the functions forward lands on its entity's shard. */
  async forward(records: readonly PulseRecord[]): Promise<void> {
    for (const record of records) {
      const key = entityKeyOf(record.event);
      append(shardFor(this.pulse, key), key, JSON.stringify(record), this.nowMs);
    }
  }

  /**
   * Puts the events on the telemetry stream (partition key = event id, as producers do) and runs
   * every function until all shards are empty, `chunk` producer records at a time.
   */
  async process(events: readonly CanonicalEventInput[], batchSize: number, chunk = Math.max(20_000, batchSize * 16)): Promise<void> {
    for (let i = 0; i < events.length; i += chunk) {
      const encoding = nowMs();
      for (const event of events.slice(i, i + chunk)) {
        const at = Date.parse(event.occurredAt);
        if (this.options.clockFollowsEvents) this.nowMs = Math.max(this.nowMs, at);
        append(shardFor(this.telemetry, event.eventId), event.eventId, JSON.stringify(event), at);
      }
      this.stats.producerMs += nowMs() - encoding;
      await Promise.all(this.telemetry.map((shard) => this.drain(shard, batchSize, 'ingest')));
      while (this.pulse.some((shard) => shard.records.length > 0)) {
        await Promise.all(this.pulse.map((shard) => this.drain(shard, batchSize, 'aggregate')));
      }
      // What the tick does every minute to the one counter item that never expires.
      if (this.options.clockFollowsEvents) await this.store.compactGauges(Math.floor(this.nowMs / 1000) - 48 * 3600);
    }
  }

  private readonly stores = new Map<Shard, DynamoDbMetricsStore>();
  private storeOf(shard: Shard): DynamoDbMetricsStore {
    let store = this.stores.get(shard);
    if (!store) {
      store = this.newStore();
      this.stores.set(shard, store);
    }
    return store;
  }

  private newStore(): DynamoDbMetricsStore {
    return new DynamoDbMetricsStore({ client: this.options.dynamo, tableName: this.options.tableName, now: () => this.nowMs });
  }

  /** One batch at a time per shard, as Lambda does with parallelization factor 1. */
  private async drain(shard: Shard, batchSize: number, step: 'ingest' | 'aggregate'): Promise<void> {
    while (shard.records.length > 0) {
      const event: KinesisStreamEvent = { Records: shard.records.splice(0, batchSize) };
      const started = Date.now();
      // One warm container per shard, as Lambda keeps one per shard: its store keeps the measurements waiting for a write.
      const store = this.storeOf(shard);
      const usageBefore = { ...store.usage };
      const runtime: Runtime = { settings: this.settings, store, forwarder: this, deadLetters: new MemoryDeadLetters(), now: () => this.nowMs };
      let result: KinesisBatchResult;
      if (step === 'ingest') {
        this.stats.ingestInvocations++;
        result = await createKinesisIngest(runtime)(event);
      } else {
        this.stats.aggregatorInvocations++;
        this.stats.pulseRecords += event.Records.length;
        result = await createPulseAggregator(runtime)(event);
      }
      // What handlers/observability.ts adds on AWS: a measurement per invocation, riding on a later write.
      await recordInvocation(store, step === 'ingest' ? 'kinesisIngest' : 'pulseAggregator', started, false, usageBefore);
      if (result.response.batchItemFailures.length > 0 || result.deadLettered > 0) {
        throw new Error(
          `${step}: ${result.deadLettered} dead-lettered, ${result.response.batchItemFailures.length} failed: ${String(result.outcome.errors[0])}`,
        );
      }
    }
  }
}
