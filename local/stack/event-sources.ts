import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBRecord, EventBridgeEvent, KinesisStreamRecord } from 'aws-lambda';
import type { DeadLetterSink } from '../../streams/dead-letters';
import { AsyncInvoker } from './async-invoker';
import type { ChaosDice } from './chaos-dice';
import { DynamoDbStreamSource } from './dynamodb-stream-source';
import { KinesisPoller } from './kinesis-poller';
import type { LocalFunctions } from './local-functions';
import { STACK_NAMES } from './names';
import type { StackTiming } from './options';
import type { Signal } from './signal';
import type { TableStream } from './table-stream';

/** The event source mappings' settings, as serverless.yml gives them (the batching window is compressed, see options.ts). */
const BATCH_SIZE = 100;
const MAX_RETRIES = 1000;

export interface EventSourcesDeps {
  functions: LocalFunctions;
  tableStreams: readonly TableStream[];
  kinesis: KinesisClient;
  kinesisPuts: Signal;
  deadLetters: DeadLetterSink;
  chaos: ChaosDice | undefined;
  timing: StackTiming;
  log: (line: string) => void;
}

/**
 * Everything that invokes the functions as AWS would: a DynamoDB Streams mapping per producer
 * table, Kinesis mappings for the telemetry and pulse-events streams, and EventBridge's
 * asynchronous invocation of the EventBridge ingest.
 */
export function eventSources(deps: EventSourcesDeps) {
  const { functions, chaos } = deps;
  const duplicate = chaos && chaos.rates.duplicate > 0 ? { deliverAgain: chaos.duplicate } : {};
  const park = (origin: string) => async (records: readonly unknown[], reason: string) => {
    const at = new Date().toISOString();
    deps.log(`${origin}: ${records.length} record(s) sent to the dead-letter file after the retries ran out: ${reason}`);
    await deps.deadLetters.send(records.map((record) => ({ origin, reason, record, at })));
  };

  const streamSources = deps.tableStreams.map(
    (stream) =>
      // serverless.yml runs two batches per shard at once here (parallelizationFactor 2); one suffices locally.
      new DynamoDbStreamSource({
        stream,
        handler: functions.dynamodbStreamIngest,
        batchSize: BATCH_SIZE,
        batchingWindowMs: deps.timing.batchingWindowMs,
        maxRetries: MAX_RETRIES,
        bisectOnError: true,
        onFailure: (records: DynamoDBRecord[], reason) => park(`${stream.tableName} stream → dynamodbStreamIngest (on-failure destination)`)(records, reason),
        ...duplicate,
      }),
  );

  const kinesisMapping = (streamName: string, handler: typeof functions.kinesisIngest) =>
    new KinesisPoller(
      streamName,
      {
        client: deps.kinesis,
        streamName,
        handler,
        batchSize: BATCH_SIZE,
        maxRetries: MAX_RETRIES,
        bisectOnError: true,
        onFailure: (records: KinesisStreamRecord[], reason) => park(`${streamName} → event source mapping (on-failure destination)`)(records, reason),
        ...duplicate,
      },
      deps.kinesisPuts,
      { idleMs: deps.timing.pollIntervalMs, batchingWindowMs: deps.timing.batchingWindowMs },
      deps.log,
    );
  const telemetry = kinesisMapping(STACK_NAMES.telemetryStream, functions.kinesisIngest);
  const pulse = kinesisMapping(STACK_NAMES.pulseStream, functions.pulseAggregator);

  const eventBridge = new AsyncInvoker<EventBridgeEvent<string, unknown>>({
    name: 'eventbridgeIngest',
    handler: functions.eventBridgeIngest,
    retryDelaysMs: deps.timing.asyncRetryDelaysMs,
    onFailure: (event, reason) => park('eventbridgeIngest (asynchronous on-failure destination)')([event], reason),
  });
  /** The rule's target; EventBridge itself delivers at least once, so chaos may deliver twice. */
  const deliverToIngest = (event: EventBridgeEvent<string, unknown>) => {
    eventBridge.invoke(event);
    if (chaos?.duplicate()) eventBridge.invoke(structuredClone(event));
  };

  return {
    streamSources,
    telemetry,
    pulse,
    eventBridge,
    deliverToIngest,
    start(): void {
      for (const source of streamSources) source.start();
      telemetry.start();
      pulse.start();
    },
    /**
     * Stops the pollers, then delivers whatever is left, in pipeline order, until every
     * stage is empty (a user share from the aggregator feeds pulse-events once more).
     */
    async stopAndDrain(): Promise<void> {
      await Promise.all([...streamSources.map((source) => source.stop()), telemetry.stop(), pulse.stop()]);
      for (let round = 0; round < 5; round++) {
        eventBridge.hurry();
        await eventBridge.idle();
        await Promise.all(streamSources.map((source) => source.drain()));
        await telemetry.drain();
        await pulse.drain();
        if (eventBridge.pending === 0 && streamSources.every((source) => source.backlog === 0)) return;
      }
    },
  };
}

export type EventSources = ReturnType<typeof eventSources>;
