import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBRecord, EventBridgeEvent, KinesisStreamRecord } from 'aws-lambda';
import type { DeadLetterSink } from '../../streams/dead-letters';
import { AsyncInvoker, type InvokerLine } from './async-invoker';
import type { ChaosDice } from './chaos-dice';
import type { CheckpointFile } from './checkpoints';
import { DynamoDbStreamSource } from './dynamodb-stream-source';
import { KinesisPoller } from './kinesis-poller';
import type { LocalFunctions } from './local-functions';
import { STACK_NAMES } from './names';
import type { StackTiming } from './options';
import type { Signal } from './signal';
import type { Journal } from './journal';
import type { TableStream } from './table-stream';

/** The origin of letters from EventBridge's asynchronous invocations that failed every attempt: they hold the whole event, so they can be redriven. */
export const EVENTBRIDGE_ON_FAILURE = 'eventbridgeIngest (asynchronous on-failure destination)';

export type EventBridgeTargetEvent = EventBridgeEvent<string, unknown>;

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
  /** Where the Kinesis mappings keep their places, and EventBridge's queue its events, across restarts (on disk only). */
  checkpoints?: CheckpointFile;
  eventBridgeJournal?: Journal<InvokerLine<EventBridgeTargetEvent>>;
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
        ...(deps.checkpoints && { checkpoints: deps.checkpoints.of(streamName) }),
      },
      deps.kinesisPuts,
      { idleMs: deps.timing.pollIntervalMs, batchingWindowMs: deps.timing.batchingWindowMs },
      deps.log,
    );
  const telemetry = kinesisMapping(STACK_NAMES.telemetryStream, functions.kinesisIngest);
  const pulse = kinesisMapping(STACK_NAMES.pulseStream, functions.pulseAggregator);

  const eventBridge = new AsyncInvoker<EventBridgeTargetEvent>({
    name: 'eventbridgeIngest',
    handler: functions.eventBridgeIngest,
    retryDelaysMs: deps.timing.asyncRetryDelaysMs,
    onFailure: (event, reason) => park(EVENTBRIDGE_ON_FAILURE)([event], reason),
    ...(deps.eventBridgeJournal && { journal: deps.eventBridgeJournal }),
  });
  /** The rule's target; EventBridge itself delivers at least once, so chaos may deliver twice. */
  const deliverToIngest = (event: EventBridgeEvent<string, unknown>) => {
    eventBridge.invoke(event);
    if (chaos?.duplicate()) eventBridge.invoke(structuredClone(event));
  };

  /** What is accepted and not yet in the metrics table, stage by stage (empty: nothing). */
  const waiting = (): string[] => {
    const kinesis = [telemetry, pulse].flatMap((poller) => {
      const { buffered, shardsBehind } = poller.waiting;
      return buffered + shardsBehind === 0 ? [] : [`${poller.name}: ${buffered} record(s) read, ${shardsBehind} shard(s) not yet read to the end`];
    });
    return [
      ...streamSources.filter((source) => source.backlog > 0).map((source) => `${source.tableName} stream: ${source.backlog} record(s)`),
      ...(eventBridge.pending > 0 ? [`EventBridge → eventbridgeIngest: ${eventBridge.pending} event(s)`] : []),
      ...kinesis,
    ];
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
     * Stops the pollers, then delivers whatever is left, in pipeline order, until every stage is
     * empty (a user share from the aggregator feeds pulse-events once more) or `signal` says to
     * stop waiting. What is left then is told by `waiting()`.
     */
    async stopAndDrain(signal: AbortSignal): Promise<void> {
      await Promise.all([...streamSources.map((source) => source.stop()), telemetry.stop(), pulse.stop()]);
      for (let round = 0; round < 5 && !signal.aborted; round++) {
        eventBridge.hurry();
        await Promise.race([eventBridge.idle(), new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))]);
        await Promise.all(streamSources.map((source) => source.drain(signal)));
        await telemetry.drain(signal);
        await pulse.drain(signal);
        if (waiting().length === 0) return;
      }
    },
    waiting,
  };
}

export type EventSources = ReturnType<typeof eventSources>;
