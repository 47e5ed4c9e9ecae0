import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { PerformanceName } from '../aggregators/counters';
import { minuteOf } from '../aggregators/time';
import { ON_CALL_NAMESPACE, OnCallMetric } from '../config/on-call-metrics';
import type { JournalRead } from '../pipeline/lane-states';
import type { MetricsStore } from '../store/metrics-store';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: ON_CALL_NAMESPACE });

/** Counts records parked in the dead-letter queue: one of the numbers on-call watches. */
export function countDeadLettered(count: number): void {
  if (count > 0) metrics.addMetric(OnCallMetric.deadLettered, MetricUnit.Count, count);
}

/** A batch that read its lane's journal (docs/deploy.md, "The write-back journal: when to turn it off"). */
export function countLaneJournalRead(read: JournalRead): void {
  metrics.addMetric(OnCallMetric.laneJournalReads, MetricUnit.Count, 1);
  if (read.entries > 0) logger.info('read the lane journal', { ...read });
}

/**
 * Records every invocation of our own functions — and what their DynamoDB calls cost — in the
 * minute bucket, so `systemPerformance.lambdaMetrics` and `dynamoDbMetrics` are measured, not
 * invented. The store keeps them until a counter write of that minute can carry them (or a
 * minute has passed), so measuring adds no write of its own to a busy function. A failure to
 * record is logged, never allowed to fail the invocation it measures.
 */
function selfMeasurement(store: MetricsStore): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  let started = 0;
  let usageBefore = { ...store.usage };
  const record = async (context: Context, failed: boolean) => {
    const name = context.functionName;
    const usage = store.usage;
    const counters = new Map<string, number>([
      [PerformanceName.functionInvocations(name), 1],
      [PerformanceName.functionErrors(name), failed ? 1 : 0],
      [PerformanceName.functionDurationMilli(name), (Date.now() - started) * 1000],
      [PerformanceName.storeReadMilliUnits, Math.round((usage.readUnits - usageBefore.readUnits) * 1000)],
      [PerformanceName.storeWriteMilliUnits, Math.round((usage.writeUnits - usageBefore.writeUnits) * 1000)],
      [PerformanceName.storeThrottled, usage.throttled - usageBefore.throttled],
      [PerformanceName.storeSucceeded, usage.succeeded - usageBefore.succeeded],
    ]);
    try {
      await store.addMeasurements(minuteOf(Date.now()), new Map([...counters].filter(([, n]) => n !== 0)));
    } catch (error) {
      logger.warn('could not record self-measurement', { error });
    }
  };
  return {
    before: () => {
      started = Date.now();
      usageBefore = { ...store.usage };
    },
    after: (request) => record(request.context, false),
    onError: (request) => record(request.context, true),
  };
}

/** Wraps a function in the same middleware everywhere: context in logs, EMF flushed, self-measured. */
export function withObservability<E, R>(fn: (event: E, context: Context) => Promise<R>, store: MetricsStore) {
  return middy<E, R, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(selfMeasurement(store) as middy.MiddlewareObj<E, R, Error, Context>)
    .handler((event, context) => fn(event, context));
}
