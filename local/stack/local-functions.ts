import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { Settings } from '../../config/settings';
import { createApiDescription } from '../../functions/api-description';
import { createDynamoDbStreamIngest } from '../../functions/dynamodb-stream-ingest';
import { createEventBridgeIngest } from '../../functions/eventbridge-ingest';
import { createKinesisIngest } from '../../functions/kinesis-ingest';
import { createPulseAggregator } from '../../functions/pulse-aggregator';
import { createRealtimePusher, type PushRun } from '../../functions/realtime-pusher';
import { createRealtimeRead } from '../../functions/realtime-read';
import type { Runtime } from '../../functions/runtime';
import { createTick, type DeadLetterCounter, type OnCallPublisher } from '../../functions/tick';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import type { ViewerChannel } from '../../push/viewer-channel';
import type { DeadLetterSink } from '../../streams/dead-letters';
import { KinesisEventForwarder } from '../../streams/kinesis-event-forwarder';
import { armCrashes, crashingAfterWork, InjectedCrash, runWithCrashes } from '../chaos';
import type { ChaosDice } from './chaos-dice';
import { FUNCTION_NAMES } from './names';
import { recordInvocation } from './self-measurement';

export interface LocalFunctionDeps {
  settings: Settings;
  /** The client of the metrics table (with injected throttling under --chaos). */
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  deadLetters: DeadLetterSink;
  chaos: ChaosDice | undefined;
  log: (line: string) => void;
}

export interface MetricsTableUsage {
  requests: number;
  readUnits: number;
  writeUnits: number;
}

export interface FunctionStats {
  invocations: number;
  errors: number;
  /** Mean duration of the invocations so far. */
  meanMs: number;
  lastError?: string;
}

/**
 * The Clara Pulse functions, called as Lambda calls their handlers: one warm container (store)
 * per function, a fresh runtime per invocation, which under --chaos may die before any of its
 * DynamoDB writes or after its work, before returning.
 */
export function localFunctions(deps: LocalFunctionDeps) {
  const stats: Record<string, FunctionStats> = {};
  // What each function's calls to the metrics table cost so far, as its store counts them (the
  // pusher's invocation lasts a minute: its store counts while it runs).
  const stores: Record<string, DynamoDbMetricsStore> = {};
  const metricsTableUsage = (): Record<string, MetricsTableUsage> =>
    Object.fromEntries(
      Object.entries(stores).map(([name, { usage }]) => [name, { requests: usage.requests, readUnits: usage.readUnits, writeUnits: usage.writeUnits }]),
    );
  const quietUntil = new Map<string, number>();

  /** One line per kind of error per 10 s, not one per retry; injected crashes are counted in /health, not logged. */
  const report = (name: string, error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    stats[name]!.lastError = text;
    if (error instanceof InjectedCrash) return;
    const key = `${name}|${error instanceof Error ? error.name : text}`;
    if ((quietUntil.get(key) ?? 0) > Date.now()) return;
    quietUntil.set(key, Date.now() + 10_000);
    deps.log(`${name}: ${text}${deps.chaos?.active ? ' (chaos)' : ''} — Lambda semantics retry it`);
  };

  const asLambda = <E, R>(
    name: string,
    create: (runtime: Runtime) => (event: E) => Promise<R>,
    failed: (result: R) => unknown = () => undefined,
    writes = true,
  ) => {
    stats[name] = { invocations: 0, errors: 0, meanMs: 0 };
    // The read writes nothing, so there is no commit for a crash to cut short.
    const chaos = writes ? deps.chaos : undefined;
    // One store per function, as one warm Lambda container keeps it: own measurements wait in it for a write to ride on.
    const store = new DynamoDbMetricsStore({ client: deps.dynamo, tableName: deps.settings.metricsTable });
    stores[name] = store;
    if (chaos) armCrashes(deps.dynamo);
    return async (event: E): Promise<R> => {
      const started = Date.now();
      const usageBefore = { ...store.usage };
      const runtime: Runtime = {
        settings: deps.settings,
        store,
        forwarder: new KinesisEventForwarder(deps.kinesis, deps.settings.pulseStream),
        deadLetters: deps.deadLetters,
        now: Date.now,
      };
      const fn = chaos ? crashingAfterWork(create(runtime), chaos.afterWorkCrash) : create(runtime);
      stats[name]!.invocations++;
      let error: unknown;
      try {
        const result = chaos ? await runWithCrashes(chaos.midWriteCrash(), () => fn(event)) : await fn(event);
        error = failed(result);
        return result;
      } catch (thrown) {
        error = thrown;
        throw thrown;
      } finally {
        const own = stats[name]!;
        own.meanMs = Math.round(own.meanMs + (Date.now() - started - own.meanMs) / own.invocations);
        if (error !== undefined) {
          stats[name]!.errors++;
          report(name, error);
        }
        await recordInvocation(store, name, started, error !== undefined, usageBefore);
      }
    };
  };

  const dynamodbStreamIngest = asLambda(FUNCTION_NAMES.dynamodbStreamIngest, createDynamoDbStreamIngest, (r) => r.error);
  const kinesisIngest = asLambda(FUNCTION_NAMES.kinesisIngest, createKinesisIngest, (r) => r.outcome.errors[0]);
  const pulseAggregator = asLambda(FUNCTION_NAMES.pulseAggregator, createPulseAggregator, (r) => r.outcome.errors[0]);
  return {
    stats,
    metricsTableUsage,
    dynamodbStreamIngest: async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => (await dynamodbStreamIngest(event)).response,
    eventBridgeIngest: asLambda(FUNCTION_NAMES.eventBridgeIngest, createEventBridgeIngest) as (event: EventBridgeEvent<string, unknown>) => Promise<unknown>,
    kinesisIngest: async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => (await kinesisIngest(event)).response,
    pulseAggregator: async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => (await pulseAggregator(event)).response,
    realtimeRead: asLambda(
      FUNCTION_NAMES.realtimeRead,
      (runtime) => createRealtimeRead(runtime, (error) => report(FUNCTION_NAMES.realtimeRead, error)),
      () => undefined,
      false,
    ),
    /** One invocation pushes until `untilMs` (a minute, as the schedule on AWS), or until `signal` aborts. */
    realtimePusher: (channel: ViewerChannel, intervalMs: number) =>
      asLambda(
        FUNCTION_NAMES.realtimePusher,
        (runtime) =>
          (event: { untilMs: number; signal: AbortSignal }): Promise<PushRun> =>
            createRealtimePusher(runtime, channel, { intervalMs })(event.untilMs, event.signal),
        () => undefined,
        false,
      ),
    apiDescription: asLambda(
      FUNCTION_NAMES.apiDescription,
      () => createApiDescription(),
      () => undefined,
      false,
    ),
    tick: (publisher: OnCallPublisher, countDeadLetters: DeadLetterCounter) =>
      asLambda(
        FUNCTION_NAMES.tick,
        (runtime) =>
          (_: undefined): Promise<RealTimeMetrics> =>
            createTick(runtime, publisher, countDeadLetters)(),
      ),
  };
}

export type LocalFunctions = ReturnType<typeof localFunctions>;
