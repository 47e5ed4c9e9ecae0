import { OnCallMetric } from '../config/on-call-metrics';
import { ESCALATION_GAUGES_KEY } from '../aggregators/metrics-items';
import { readDocument } from '../pipeline/read-document';
import { FRESHNESS_SOURCES } from '../schemas/alert-rules';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import type { Runtime } from './runtime';

export interface OnCallValue {
  name: string;
  value: number;
  dimensions?: Record<string, string>;
}

/** Where on-call numbers go: CloudWatch EMF on AWS, a log line or a list locally. */
export interface OnCallPublisher {
  publish(values: readonly OnCallValue[]): Promise<void> | void;
}

/** Lane watermarks are needed while a shard can redeliver (24 h on Kinesis); keep two days. */
const WATERMARK_RETENTION_SECONDS = 48 * 3600;

/**
 * How many dead letters wait for a person (both queues' depth on AWS, the file's letters
 * locally); `undefined` when that cannot be known right now, which the counter reports itself.
 */
export type DeadLetterCounter = () => Promise<number | undefined>;

/**
 * The numbers SPEC §5 asks on-call to watch, as they stand in the document, and the dead
 * letters waiting. No data → not published.
 */
export function onCallValues(document: RealTimeMetrics, deadLettersWaiting?: number): OnCallValue[] {
  const escalations = document.realTimeEscalations;
  const p95 = document.systemPerformance.responseTime?.p95;
  return [
    { name: OnCallMetric.pendingEscalations, value: escalations.pending },
    { name: OnCallMetric.oldestPendingAge, value: escalations.oldestPendingAge },
    { name: OnCallMetric.criticalOpen, value: escalations.criticalCount },
    { name: OnCallMetric.errorRate, value: document.systemPerformance.errorRate },
    ...(p95 === undefined ? [] : [{ name: OnCallMetric.responseTimeP95, value: p95 }]),
    ...FRESHNESS_SOURCES.flatMap((source) => {
      const lag = document.freshness[source].lagSeconds;
      return lag === null ? [] : [{ name: OnCallMetric.sourceLag, value: lag, dimensions: { Source: source } }];
    }),
    ...(deadLettersWaiting === undefined ? [] : [{ name: OnCallMetric.deadLettersWaiting, value: deadLettersWaiting }]),
  ];
}

/**
 * The 1-minute tick: publish the on-call numbers, remember since when each alert fires, and
 * keep the long-lived gauge item small (old lane watermarks, pending counters back at zero).
 */
export function createTick(runtime: Runtime, publisher: OnCallPublisher, countDeadLetters: DeadLetterCounter = async () => undefined) {
  return async (): Promise<RealTimeMetrics> => {
    const now = runtime.now();
    const [document, deadLettersWaiting] = await Promise.all([readDocument(runtime.store, runtime.settings, now), countDeadLetters()]);
    await publisher.publish(onCallValues(document, deadLettersWaiting));
    await runtime.store.recordAlertState(
      document.alerts.map((alert) => alert.id),
      now,
    );
    await runtime.store.compactGauges(ESCALATION_GAUGES_KEY, Math.floor(now / 1000) - WATERMARK_RETENTION_SECONDS);
    return document;
  };
}
