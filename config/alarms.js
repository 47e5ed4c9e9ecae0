/**
 * One CloudWatch alarm per on-call metric (SPEC §5), and one anomaly detection alarm per rate
 * of `anomalyMetrics`, built from config/on-call-metrics.json: the same file the code takes its
 * EMF names from, so an alarm cannot watch a name that is not emitted. Used from serverless.yml
 * as `Resources: ${file(./config/alarms.js)}`.
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

/**
 * The metric data queries of an anomaly-watched rate: the published metric (`m1`), the rate the
 * alarm watches (`m1` itself, or an expression of it, `rate`).
 */
function rateQueries(metric, serviceName) {
  const published = {
    Id: 'm1',
    MetricStat: {
      Metric: { Namespace: onCall.namespace, MetricName: metric.name, Dimensions: [{ Name: SERVICE_DIMENSION, Value: serviceName }] },
      Period: metric.period,
      Stat: metric.statistic,
    },
    ReturnData: !metric.expression,
  };
  if (!metric.expression) return { queries: [published], watched: 'm1' };
  return {
    queries: [published, { Id: 'rate', Expression: metric.expression, Label: `${metric.name} per ${metric.period} s`, ReturnData: true }],
    watched: 'rate',
  };
}

/**
 * An anomaly detector (the model of the rate's usual pattern) and an alarm on its band. The
 * detector is declared rather than left to the alarm to create, so the model learns the desk's
 * day in the desk's own time zone (daylight saving time included) and goes away with the stack.
 */
function anomalyResources(serviceName, timeZone) {
  const resources = {};
  for (const metric of onCall.anomalyMetrics) {
    const { queries, watched } = rateQueries(metric, serviceName);
    const detectorId = `OnCallAnomalyDetector${metric.name}`;
    const published = queries[0].MetricStat;
    resources[detectorId] = {
      Type: 'AWS::CloudWatch::AnomalyDetector',
      Properties: {
        ...(metric.expression
          ? { MetricMathAnomalyDetector: { MetricDataQueries: queries } }
          : { SingleMetricAnomalyDetector: { ...published.Metric, Stat: published.Stat } }),
        Configuration: { MetricTimeZone: timeZone },
      },
    };
    resources[`OnCallAnomalyAlarm${metric.name}`] = {
      Type: 'AWS::CloudWatch::Alarm',
      DependsOn: [detectorId],
      Properties: {
        AlarmName: `${serviceName}-${metric.name}-anomaly`,
        AlarmDescription: `${metric.severity}: ${metric.meaning} — config/on-call-metrics.json`,
        Metrics: [
          ...queries,
          { Id: 'band', Expression: `ANOMALY_DETECTION_BAND(${watched}, ${metric.band})`, Label: `${metric.name} expected`, ReturnData: true },
        ],
        ThresholdMetricId: 'band',
        ComparisonOperator: metric.comparison,
        EvaluationPeriods: metric.evaluationPeriods,
        DatapointsToAlarm: metric.datapointsToAlarm,
        TreatMissingData: metric.treatMissingData,
        AlarmActions: [{ Ref: ALARM_TOPIC }],
        OKActions: [{ Ref: ALARM_TOPIC }],
      },
    };
  }
  return resources;
}

module.exports = async ({ resolveConfigurationProperty, resolveVariable }) => {
  const serviceName = await resolveConfigurationProperty(['provider', 'environment', 'POWERTOOLS_SERVICE_NAME']);
  if (typeof serviceName !== 'string' || serviceName === '')
    throw new Error('provider.environment.POWERTOOLS_SERVICE_NAME must be set: alarms need it as the service dimension');
  const timeZone = await resolveVariable('param:metricsTimeZone');
  return { ...alarmResources(serviceName), ...anomalyResources(serviceName, String(timeZone)) };
};
