import definitions from './on-call-metrics.json';

/**
 * The on-call metrics, read from the same JSON that serverless.yml turns into alarms, so the
 * names the code emits and the names the alarms watch cannot drift apart.
 */
export const ON_CALL_NAMESPACE = definitions.namespace;

export type OnCallMetricName = (typeof definitions.metrics)[number]['name'];

function metricName<N extends OnCallMetricName>(name: N): N {
  if (!definitions.metrics.some((metric) => metric.name === name)) throw new Error(`no on-call metric ${name}`);
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
} as const;

export const SOURCE_DIMENSION = 'Source';
export const ON_CALL_METRICS = definitions.metrics;
