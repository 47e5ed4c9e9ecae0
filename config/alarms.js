/**
 * One CloudWatch alarm per on-call metric (SPEC §5), built from config/on-call-metrics.json:
 * the same file the code takes its EMF names from, so an alarm cannot watch a name that is
 * not emitted. Used from serverless.yml as `Resources: ${file(./config/alarms.js)}`.
 *
 * Powertools Metrics adds a `service` dimension (POWERTOOLS_SERVICE_NAME) to every metric, so
 * every alarm carries it, read from the provider environment the functions get.
 */

const onCall = require('./on-call-metrics.json');

const SERVICE_DIMENSION = 'service';
const ALARM_TOPIC = 'AlarmTopic';

const pascal = (text) => text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_, __, c) => c.toUpperCase());

/** Every combination of the metric's own dimension values: `[[]]` for a metric without any. */
function dimensionSets(metric) {
  return metric.dimensions.reduce(
    (sets, dimension) => sets.flatMap((set) => dimension.values.map((value) => [...set, { Name: dimension.name, Value: value }])),
    [[]],
  );
}

function alarmResources(serviceName) {
  const resources = {};
  for (const metric of onCall.metrics) {
    for (const extra of dimensionSets(metric)) {
      const suffix = extra.map((d) => d.Value).join('-');
      resources[`OnCallAlarm${metric.name}${pascal(suffix)}`] = {
        Type: 'AWS::CloudWatch::Alarm',
        Properties: {
          AlarmName: [serviceName, metric.name, suffix].filter(Boolean).join('-'),
          AlarmDescription: `${metric.severity}: ${metric.name}${suffix ? ` (${suffix})` : ''} above ${metric.threshold} — SPEC §5, config/on-call-metrics.json`,
          Namespace: onCall.namespace,
          MetricName: metric.name,
          Dimensions: [{ Name: SERVICE_DIMENSION, Value: serviceName }, ...extra],
          Statistic: metric.statistic,
          // One minute above the threshold, like the dashboard's alert rules: on-call sees what the dashboard shows.
          // A metric published less often (the hourly drift check) is evaluated over its own period instead.
          Period: metric.periodSeconds ?? 60,
          EvaluationPeriods: 1,
          Threshold: metric.threshold,
          ComparisonOperator: 'GreaterThanThreshold',
          // The tick publishes only what it knows (no p95 without bot messages, no lag for a source
          // never used) and dead letters are counted only when there are some: no data = nothing wrong.
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: ALARM_TOPIC }],
          OKActions: [{ Ref: ALARM_TOPIC }],
        },
      };
    }
  }
  return resources;
}

module.exports = async ({ resolveConfigurationProperty }) => {
  const serviceName = await resolveConfigurationProperty(['provider', 'environment', 'POWERTOOLS_SERVICE_NAME']);
  if (typeof serviceName !== 'string' || serviceName === '')
    throw new Error('provider.environment.POWERTOOLS_SERVICE_NAME must be set: alarms need it as the service dimension');
  return alarmResources(serviceName);
};
