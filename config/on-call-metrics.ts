import definitions from './on-call-metrics.json';

/**
 * The on-call metrics, read from the same JSON that serverless.yml turns into alarms, so the
 * names the code emits and the names the alarms watch cannot drift apart.
 */
export const ON_CALL_NAMESPACE = definitions.namespace;

/** Metrics with a fixed threshold (one static alarm each). */
export const ON_CALL_METRICS = definitions.metrics;
/** Rates watched by anomaly detection instead of a threshold. */
export const ANOMALY_METRICS = definitions.anomalyMetrics;

export type OnCallMetricName = (typeof definitions.metrics)[number]['name'] | (typeof definitions.anomalyMetrics)[number]['name'];

function metricName<N extends OnCallMetricName>(name: N): N {
  if (![...ON_CALL_METRICS, ...ANOMALY_METRICS].some((metric) => metric.name === name)) throw new Error(`no on-call metric ${name}`);
  return name;
}

export const OnCallMetric = {
  pendingEscalations: metricName('PendingEscalations'),
  oldestPendingAge: metricName('OldestPendingAgeSeconds'),
  criticalOpen: metricName('CriticalOpenEscalations'),
  errorRate: metricName('ErrorRate'),
  responseTimeP95: metricName('ResponseTimeP95Ms'),
  sourceLag: metricName('SourceLagSeconds'),
  deadLettered: metricName('DeadLetteredRecords'),
  deadLettersWaiting: metricName('DeadLettersWaiting'),
  messagesLastHour: metricName('MessagesLastHour'),
  escalationsCreatedToday: metricName('EscalationsCreatedToday'),
  driftedFields: metricName('DriftedFields'),
  laneJournalReads: metricName('LaneJournalReads'),
} as const;

export const SOURCE_DIMENSION = 'Source';

/** The CloudWatch unit of an on-call metric, wherever it is defined. */
export const unitOfOnCallMetric = (name: string): string => [...ON_CALL_METRICS, ...ANOMALY_METRICS].find((metric) => metric.name === name)?.unit ?? 'None';
