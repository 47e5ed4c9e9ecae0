import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { Settings } from '../../config/settings';
import { createDynamoDbStreamIngest } from '../../functions/dynamodb-stream-ingest';
import { createEventBridgeIngest } from '../../functions/eventbridge-ingest';
import { createKinesisIngest } from '../../functions/kinesis-ingest';
import { createPulseAggregator } from '../../functions/pulse-aggregator';
import { createRealtimeRead } from '../../functions/realtime-read';
import type { Runtime } from '../../functions/runtime';
import { createTick, type DeadLetterCounter, type OnCallPublisher } from '../../functions/tick';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import type { DeadLetterSink } from '../../streams/dead-letters';
import { KinesisEventForwarder } from '../../streams/kinesis-event-forwarder';
import { CrashingStore, crashingAfterWork, InjectedCrash } from '../chaos';
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

export interface FunctionStats {
  invocations: number;
  errors: number;
  /** Mean duration of the invocations so far. */
  meanMs: number;
  lastError?: string;
}

/**
 * The Clara Pulse functions, called as Lambda calls their handlers. Each invocation gets a
 * fresh runtime — a process of its own, as concurrent Lambda invocations are — which under
 * --chaos may die part-way through its store writes or after its work, before returning.
 */
export function localFunctions(deps: LocalFunctionDeps) {
  const stats: Record<string, FunctionStats> = {};
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
    return async (event: E): Promise<R> => {
      const started = Date.now();
      const store = new DynamoDbMetricsStore({ client: deps.dynamo, tableName: deps.settings.metricsTable });
      const crashing = chaos ? new CrashingStore(store, chaos.midWriteCrash()) : undefined;
      const runtime: Runtime = {
        settings: deps.settings,
        store: crashing ?? store,
        forwarder: new KinesisEventForwarder(deps.kinesis, deps.settings.pulseStream),
        deadLetters: deps.deadLetters,
        now: Date.now,
      };
      const fn = chaos ? crashingAfterWork(create(runtime), chaos.afterWorkCrash) : create(runtime);
      stats[name]!.invocations++;
      let error: unknown;
      try {
        const result = await fn(event);
        if (crashing?.endInvocation()) throw new InjectedCrash('process died during the commit');
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
        await recordInvocation(store, name, started, error !== undefined);
      }
    };
  };

  const dynamodbStreamIngest = asLambda(FUNCTION_NAMES.dynamodbStreamIngest, createDynamoDbStreamIngest, (r) => r.error);
  const kinesisIngest = asLambda(FUNCTION_NAMES.kinesisIngest, createKinesisIngest, (r) => r.outcome.errors[0]);
  const pulseAggregator = asLambda(FUNCTION_NAMES.pulseAggregator, createPulseAggregator, (r) => r.outcome.errors[0]);
  return {
    stats,
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
