import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/settings';
import { createKinesisIngest } from '../functions/kinesis-ingest';
import { createPulseAggregator } from '../functions/pulse-aggregator';
import type { Runtime } from '../functions/runtime';
import { buildDocument } from '../read-model/build-document';
import { snapshotKeys } from '../read-model/snapshot-keys';
import { DEFAULT_ALERT_THRESHOLDS } from '../schemas/alert-rules';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import { DynamoDbMetricsStore } from '../store/dynamodb-metrics-store';
import { type DeadLetterSink, MemoryDeadLetters } from '../streams/dead-letters';
import { KinesisEventForwarder } from '../streams/kinesis-event-forwarder';
import { createStream, createTable } from './engines';
import { KinesisEventSource } from './kinesis-event-source';

export interface LocalPipelineOptions {
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  timeZone?: string;
  /** Names are suffixed with a random id unless given, so pipelines never share state. */
  names?: { metricsTable: string; telemetryStream: string; pulseStream: string };
  telemetryShards?: number;
  pulseShards?: number;
  batchSize?: number;
  deadLetters?: DeadLetterSink;
  now?: () => number;
  /** Asked after each delivery of a batch: deliver it once more. */
  deliverAgain?: () => boolean;
}

/**
 * The Kinesis path of Clara Pulse on local engines: a producer's telemetry stream, the ingest
 * function, the internal pulse stream, the aggregator and the metrics table, wired as on AWS
 * and driven by a local event source mapping. Used by the replay command and the tests.
 */
export class LocalPipeline {
  readonly runtime: Runtime;
  readonly store: DynamoDbMetricsStore;
  readonly names: { metricsTable: string; telemetryStream: string; pulseStream: string };
  private readonly telemetrySource: KinesisEventSource;
  private readonly pulseSource: KinesisEventSource;

  private constructor(private readonly options: LocalPipelineOptions) {
    const suffix = randomUUID().slice(0, 8);
    this.names = options.names ?? { metricsTable: `metrics-${suffix}`, telemetryStream: `telemetry-${suffix}`, pulseStream: `pulse-${suffix}` };
    const settings: Settings = {
      metricsTable: this.names.metricsTable,
      pulseStream: this.names.pulseStream,
      timeZone: options.timeZone ?? 'UTC',
      producerTables: { chatSessions: 'chat-sessions', messages: 'messages', escalations: 'escalations' },
      readCapacityBudget: 100,
      writeCapacityBudget: 100,
      thresholds: DEFAULT_ALERT_THRESHOLDS,
    };
    this.store = new DynamoDbMetricsStore({ client: options.dynamo, tableName: this.names.metricsTable });
    this.runtime = {
      settings,
      store: this.store,
      forwarder: new KinesisEventForwarder(options.kinesis, this.names.pulseStream),
      deadLetters: options.deadLetters ?? new MemoryDeadLetters(),
      now: options.now ?? Date.now,
    };
    const ingest = createKinesisIngest(this.runtime);
    const aggregate = createPulseAggregator(this.runtime);
    const batchSize = options.batchSize ?? 100;
    const redelivery = options.deliverAgain ? { deliverAgain: options.deliverAgain } : {};
    this.telemetrySource = new KinesisEventSource({
      client: options.kinesis,
      streamName: this.names.telemetryStream,
      batchSize,
      ...redelivery,
      handler: async (event) => (await ingest(event)).response,
    });
    this.pulseSource = new KinesisEventSource({
      client: options.kinesis,
      streamName: this.names.pulseStream,
      batchSize,
      ...redelivery,
      handler: async (event) => (await aggregate(event)).response,
    });
  }

  static async create(options: LocalPipelineOptions): Promise<LocalPipeline> {
    const pipeline = new LocalPipeline(options);
    await createTable(options.dynamo, pipeline.names.metricsTable);
    await createStream(options.kinesis, pipeline.names.telemetryStream, options.telemetryShards ?? 2);
    await createStream(options.kinesis, pipeline.names.pulseStream, options.pulseShards ?? 2);
    return pipeline;
  }

  /** Writes events to the telemetry stream as a producer would (JSON, partitioned by event id). */
  async publish(events: readonly CanonicalEventInput[]): Promise<void> {
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500);
      const response = await this.options.kinesis.send(
        new PutRecordsCommand({
          StreamName: this.names.telemetryStream,
          Records: chunk.map((event) => ({ PartitionKey: event.eventId, Data: Buffer.from(JSON.stringify(event)) })),
        }),
      );
      if (response.FailedRecordCount) throw new Error(`${response.FailedRecordCount} record(s) refused by kinesalite`);
    }
  }

  /** Runs the event sources until nothing is left in either stream. */
  async drain(): Promise<void> {
    await this.telemetrySource.drain();
    await this.pulseSource.drain();
  }

  /** Deletes the table and streams (tests create many pipelines on one engine). */
  async dispose(): Promise<void> {
    await this.options.dynamo.send(new DeleteTableCommand({ TableName: this.names.metricsTable }));
    await Promise.all(
      [this.names.telemetryStream, this.names.pulseStream].map((name) => this.options.kinesis.send(new DeleteStreamCommand({ StreamName: name }))),
    );
  }

  async read(atMs: number): Promise<RealTimeMetrics> {
    const settings = this.runtime.settings;
    const items = await this.store.getItems(snapshotKeys(atMs, settings.timeZone));
    return buildDocument(items, atMs, { ...settings, thresholds: settings.thresholds });
  }
}
