import { OnCallMetric } from '../config/on-call-metrics';
import { buildDocument } from '../read-model/build-document';
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
/**
 * How many dead letters wait for a person (both queues' depth on AWS, the file's letters
 * locally); `undefined` when that cannot be known right now, which the counter reports itself.
 */
export type DeadLetterCounter = () => Promise<number | undefined>;

/**
 * The numbers SPEC §5 asks on-call to watch, as they stand in the document, the dead letters
 * waiting, and the two rates watched by anomaly detection (config/on-call-metrics.json). No data
 * → not published.
 */
export function onCallValues(document: RealTimeMetrics, deadLettersWaiting?: number): OnCallValue[] {
  const escalations = document.realTimeEscalations;
  const p95 = document.systemPerformance.responseTime?.p95;
  return [
    // Counts as the document states them; the alarms turn them into rates (see config/alarms.js).
    { name: OnCallMetric.messagesLastHour, value: document.messagesLastHour },
    { name: OnCallMetric.escalationsCreatedToday, value: document.escalationsToday },
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
 * The 1-minute tick: seal the closed minutes of the last hour, publish the on-call numbers,
 * remember since when each alert fires and what each source's freshness was (the document falls
 * back on it after an idle hour), write the own-function measurements still waiting, forget
 * stuck-lane markers of lanes that committed since, and keep the long-lived items small (old lane
 * watermarks, pending counters back at zero).
 */
export function createTick(runtime: Runtime, publisher: OnCallPublisher, countDeadLetters: DeadLetterCounter = async () => undefined) {
  return async (): Promise<RealTimeMetrics> => {
    const now = runtime.now();
    // Sealing first: the tick's own read, like every read after it, then fetches panes, not minutes.
    await runtime.store.sealClosedMinutes(now);
    const [snapshot, deadLettersWaiting] = await Promise.all([runtime.store.readSnapshot(now, runtime.settings.timeZone), countDeadLetters()]);
    const document = buildDocument(snapshot, now, runtime.settings);
    await publisher.publish(onCallValues(document, deadLettersWaiting));
    await runtime.store.recordAlertState(
      document.alerts.map((alert) => alert.id),
      now,
    );
    for (const source of FRESHNESS_SOURCES) await runtime.store.recordKnownFreshness(source, document.freshness[source]);
    // A lane that committed after it last failed holds nothing back any more.
    for (const marker of snapshot.stuck) {
      if (snapshot.freshness.some((stamp) => stamp.lane === marker.lane && stamp.source === marker.source && stamp.appliedAt > marker.failedAt)) {
        await runtime.store.clearStuck(marker);
      }
    }
    await runtime.store.flushMeasurements();
    await runtime.store.compactGauges(Math.floor(now / 1000) - WATERMARK_RETENTION_SECONDS);
    return document;
  };
}
