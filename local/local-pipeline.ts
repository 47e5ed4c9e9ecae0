import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteStreamCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { randomUUID } from 'node:crypto';
import { DEFAULT_WRITE_BACK_QUIET_SECONDS, type Settings } from '../config/settings';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { KinesisBatchResult } from '../functions/kinesis-batch';
import { createDynamoDbStreamIngest } from '../functions/dynamodb-stream-ingest';
import { createEventBridgeIngest } from '../functions/eventbridge-ingest';
import { createKinesisIngest } from '../functions/kinesis-ingest';
import { createPulseAggregator } from '../functions/pulse-aggregator';
import type { Runtime } from '../functions/runtime';
import { LaneStates, type WriteBackPolicy, writeBackPolicyOf } from '../pipeline/lane-states';
import { readDocument } from '../pipeline/read-document';
import { DEFAULT_LABEL_POLICY } from '../aggregators/labels';
import { DEFAULT_SERVICE_LEVEL_SECONDS } from '../aggregators/entity-contributions';
import { DEFAULT_ALERT_THRESHOLDS } from '../schemas/alert-rules';
import type { CanonicalEventInput } from '../schemas/canonical-events';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import { DynamoDbMetricsStore } from '../store/dynamodb-metrics-store';
import { type DeadLetterSink, MemoryDeadLetters } from '../streams/dead-letters';
import { KinesisEventForwarder } from '../streams/kinesis-event-forwarder';
import { armCrashes, crashingAfterWork, InjectedCrash, runWithCrashes } from './chaos';
import { createStream, createTable } from './engines';
import { KinesisEventSource } from './kinesis-event-source';

export interface LocalPipelineOptions {
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  timeZone?: string;
  /** SERVICE_LEVEL_SECONDS; 120 unless given. */
  serviceLevelSeconds?: number;
  /** Names are suffixed with a random id unless given, so pipelines never share state. */
  names?: { metricsTable: string; telemetryStream: string; pulseStream: string };
  telemetryShards?: number;
  pulseShards?: number;
  batchSize?: number;
  deadLetters?: DeadLetterSink;
  now?: () => number;
  /** Asked after each delivery of a batch: deliver it once more. */
  deliverAgain?: () => boolean;
  /** Asked after each aggregator batch: run the tick's sealing now (at `now`), between two commits. */
  sealAfterBatch?: () => boolean;
  /** When the aggregator journals entity states and when it writes their items; the deployed defaults unless given. */
  writeBack?: WriteBackPolicy;
  faults?: PipelineFaults;
}

/** Faults injected into every function of the pipeline, each asked once per chance to strike. */
export interface PipelineFaults {
  /** Per store write: the process dies here, mid-commit. */
  crashMidWrite: () => boolean;
  /** Per invocation: the process dies after its work, before returning. */
  crashAfterWork: () => boolean;
  /** Retries per batch before Lambda gives up (records then go to the failure destination). */
  maxRetries?: number;
  /** Per aggregator batch: Lambda runs it in its other warm container, whose journaled states may be stale. */
  otherContainer?: () => boolean;
  /** Per aggregator batch: the container is a fresh one (a cold start), holding no journaled states. */
  coldStart?: () => boolean;
}

/**
 * The Kinesis path of Clara Pulse on local engines: a producer's telemetry stream, the ingest
 * function, the internal pulse stream, the aggregator and the metrics table, wired as on AWS
 * and driven by a local event source mapping. Used by the replay command and the tests.
 */
export class LocalPipeline {
  readonly runtime: Runtime;
  readonly store: DynamoDbMetricsStore;
  /** The EventBridge target and the producer tables' stream target, for tests to invoke as Lambda would. */
  readonly eventBridgeIngest: (event: EventBridgeEvent<string, unknown>) => Promise<unknown>;
  readonly dynamodbStreamIngest: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
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
      serviceLevelSeconds: options.serviceLevelSeconds ?? DEFAULT_SERVICE_LEVEL_SECONDS,
      producerTables: { chatSessions: 'chat-sessions', messages: 'messages', escalations: 'escalations' },
      readCapacityBudget: 100,
      writeCapacityBudget: 100,
      thresholds: DEFAULT_ALERT_THRESHOLDS,
      labels: DEFAULT_LABEL_POLICY,
      writeBackQuietSeconds: DEFAULT_WRITE_BACK_QUIET_SECONDS,
    };
    this.store = new DynamoDbMetricsStore({ client: options.dynamo, tableName: this.names.metricsTable });
    const faults = options.faults;
    this.runtime = {
      settings,
      store: this.store,
      forwarder: new KinesisEventForwarder(options.kinesis, this.names.pulseStream),
      deadLetters: options.deadLetters ?? new MemoryDeadLetters(),
      now: options.now ?? Date.now,
    };
    /**
     * As Lambda runs a function: each invocation is a process of its own, which may die part-way
     * through its writes (then the invocation fails as a whole) or after them, before returning.
     */
    if (faults) armCrashes(options.dynamo);
    const asLambda = <E, R>(create: (runtime: Runtime) => (event: E) => Promise<R>) => {
      if (!faults) return create(this.runtime);
      const fn = crashingAfterWork(create(this.runtime), faults.crashAfterWork);
      return (event: E): Promise<R> => runWithCrashes(faults.crashMidWrite, () => fn(event));
    };
    const ingest = asLambda(createKinesisIngest);
    const aggregate = this.aggregatorContainers(asLambda, options.writeBack ?? writeBackPolicyOf(settings.writeBackQuietSeconds), faults);
    const streamIngest = asLambda(createDynamoDbStreamIngest);
    this.eventBridgeIngest = asLambda(createEventBridgeIngest);
    // The part of the tick that writes counters' items: it may die between any two of its writes too.
    const sealTick = asLambda((runtime: Runtime) => async (_: undefined) => runtime.store.sealClosedMinutes(runtime.now()));
    this.dynamodbStreamIngest = async (event) => (await streamIngest(event)).response;
    const mapping = {
      client: options.kinesis,
      batchSize: options.batchSize ?? 100,
      bisectOnError: true,
      ...(faults?.maxRetries !== undefined && { maxRetries: faults.maxRetries }),
      ...(options.deliverAgain && { deliverAgain: options.deliverAgain }),
      onFailure: async (records: KinesisStreamRecord[], reason: string) =>
        this.runtime.deadLetters.send(records.map((record) => ({ origin: 'event-source-mapping', reason, record, at: new Date().toISOString() }))),
    };
    this.telemetrySource = new KinesisEventSource({
      ...mapping,
      streamName: this.names.telemetryStream,
      handler: async (event) => (await ingest(event)).response,
    });
    this.pulseSource = new KinesisEventSource({
      ...mapping,
      streamName: this.names.pulseStream,
      handler: async (event) => {
        const { response } = await aggregate(event);
        if (options.sealAfterBatch?.()) await sealTick(undefined).catch(survivingTickFailure);
        return response;
      },
    });
  }

  /**
   * The aggregator as Lambda runs it: with faults, in two warm containers, each holding its own
   * journaled states; a batch may go to either, or to a fresh one, and a process that died loses
   * what it held.
   */
  private aggregatorContainers(
    asLambda: <E, R>(create: (runtime: Runtime) => (event: E) => Promise<R>) => (event: E) => Promise<R>,
    policy: WriteBackPolicy,
    faults: PipelineFaults | undefined,
  ): (event: KinesisStreamEvent) => Promise<KinesisBatchResult> {
    const containers = Array.from({ length: faults ? 2 : 1 }, () => {
      const states = new LaneStates(policy);
      return { states, invoke: asLambda((runtime) => createPulseAggregator(runtime, states)) };
    });
    let current = 0;
    return async (event) => {
      if (faults?.otherContainer?.()) current = (current + 1) % containers.length;
      const container = containers[current]!;
      if (faults?.coldStart?.()) container.states.forgetAll();
      try {
        return await container.invoke(event);
      } catch (error) {
        if (error instanceof InjectedCrash) container.states.forgetAll();
        throw error;
      }
    };
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

  /** Writes raw records to the telemetry stream, as a producer with a bug might. */
  async publishRaw(records: readonly { partitionKey: string; data: Buffer }[]): Promise<void> {
    if (records.length === 0) return;
    await this.options.kinesis.send(
      new PutRecordsCommand({ StreamName: this.names.telemetryStream, Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })) }),
    );
  }

  /** Deletes the table and streams (tests create many pipelines on one engine). */
  async dispose(): Promise<void> {
    await this.options.dynamo.send(new DeleteTableCommand({ TableName: this.names.metricsTable }));
    await Promise.all(
      [this.names.telemetryStream, this.names.pulseStream].map((name) => this.options.kinesis.send(new DeleteStreamCommand({ StreamName: name }))),
    );
  }

  /** The document at `atMs`, read at `nowMs` (a look-back when `atMs` lies in an earlier minute). */
  async read(atMs: number, nowMs = atMs): Promise<RealTimeMetrics> {
    return readDocument(this.store, this.runtime.settings, atMs, nowMs);
  }
}

/**
 * The tick is a function of its own: when it dies or is throttled, no batch fails, and the next
 * tick mends what it left (sealing is idempotent).
 */
function survivingTickFailure(error: unknown): void {
  if (!(error instanceof InjectedCrash) && !(error instanceof Error && error.name === 'ProvisionedThroughputExceededException')) throw error;
}
