import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from '../../store/layout';
import { VIEWER_CONNECTION_KEY, VIEWER_CONNECTION_TTL } from '../../push/dynamodb-viewer-registry';
import { ANOMALY_METRICS, ON_CALL_METRICS, ON_CALL_NAMESPACE, OnCallMetric } from '../../config/on-call-metrics';
import type { ReconcileEnvironment } from '../../config/reconcile-settings';
import { type Environment, parsePusherSettings, parseSettings, parseViewerConnectionSettings, type ViewerPushEnvironment } from '../../config/settings';
import { onCallValues, type OnCallValue } from '../../functions/tick';
import { buildDocument } from '../../read-model/build-document';
import { FRESHNESS_SOURCES } from '../../schemas/alert-rules';
import type { Freshness } from '../../schemas/realtime-metrics';
import { EVENT_BRIDGE_SOURCES } from '../../schemas/transports/eventbridge';
import { createTable } from '../../local/engines';
import { STACK_OUTPUTS } from '../../local/reconcile-target';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import { emptySnapshot } from '../../store/metrics-store';
import { testClients } from '../support/engines';
import {
  asArray,
  literalStrings,
  logicalIdOf,
  ofType,
  packageStage,
  packageWithNpm,
  policyStatements,
  props,
  readZipEntry,
  ROOT,
  type Json,
  type Template,
} from './template';

/**
 * Wildcards that AWS leaves no narrower choice for. Every action is named and every other
 * resource is a table, stream, queue or log group of this stack (DynamoDB's ListStreams is
 * scoped to the stream ARNs, as in AWS's own example for stream triggers). Add an entry here,
 * with the reason, and a comment in serverless.yml, before adding a `*` anywhere.
 */
const WILDCARD_EXCEPTIONS: { owner: string; sid: string; why: string }[] = [
  {
    owner: 'RealtimePusherRole',
    sid: 'PushToViewers',
    why: 'API Gateway makes up a connection id at each $connect; the grant names the API, the stage and POST/DELETE @connections, the id alone is a wildcard',
  },
];

const STANDALONE = {
  service: 'clara-pulse-ci',
  issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_ci0000000',
  audience: 'ci-dashboard-client',
  adminOrigin: 'https://admin.ci.example.org',
};
const SHARED_ARNS = {
  chatSessionsStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/chat-sessions/stream/2026-01-01T00:00:00.000',
  messagesStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/messages/stream/2026-01-01T00:00:00.000',
  escalationsStreamArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/escalations/stream/2026-01-01T00:00:00.000',
};

/** Every key of config/settings.ts and config/reconcile-settings.ts; the compiler keeps this list complete and exact. */
const SETTINGS_KEYS: Record<keyof Environment | keyof ViewerPushEnvironment | keyof ReconcileEnvironment, true> = {
  VIEWER_CONNECTIONS_TABLE: true,
  VIEWER_TOKEN_ISSUER: true,
  VIEWER_TOKEN_AUDIENCE: true,
  ADMIN_ORIGINS: true,
  WEBSOCKET_MANAGEMENT_ENDPOINT: true,
  PUSH_INTERVAL_MS: true,
  METRICS_TABLE: true,
  PULSE_STREAM: true,
  METRICS_TIME_ZONE: true,
  DEAD_LETTER_QUEUE_URL: true,
  FAILED_BATCHES_QUEUE_URL: true,
  CHAT_SESSIONS_TABLE: true,
  MESSAGES_TABLE: true,
  ESCALATIONS_TABLE: true,
  METRIC_LANGUAGES: true,
  WRITE_BACK_QUIET_SECONDS: true,
  METRIC_REGIONS: true,
  METRIC_FUNCTION_NAMES: true,
  READ_CAPACITY_BUDGET: true,
  WRITE_CAPACITY_BUDGET: true,
  ALERT_PENDING_ESCALATIONS: true,
  ALERT_OLDEST_PENDING_SECONDS: true,
  ALERT_CRITICAL_OPEN: true,
  ALERT_ERROR_RATE: true,
  ALERT_P95_MS: true,
  ALERT_CPU_PERCENT: true,
  ALERT_SOURCE_LAG_SECONDS: true,
  ALERT_SERVICE_LEVEL: true,
  ALERT_SERVICE_LEVEL_MIN_SERVED: true,
  SERVICE_LEVEL_SECONDS: true,
  SCAN_READ_UNITS: true,
  SCAN_SEGMENTS: true,
  DRIFT_SETTLE_SECONDS: true,
  DRIFT_OTHER_SOURCES: true,
  REBUILD_QUEUE_URL: true,
};

interface FunctionProps {
  FunctionName: string;
  Handler: string;
  Role: Json;
  Environment: { Variables: Record<string, Json> };
}
interface EsmProps {
  EventSourceArn: Json;
  FunctionName: Json;
  BatchSize: number;
  MaximumBatchingWindowInSeconds?: number;
  ParallelizationFactor?: number;
  StartingPosition: string;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  BisectBatchOnFunctionError?: boolean;
  FunctionResponseTypes?: string[];
  DestinationConfig?: { OnFailure?: { Destination: Json } };
}
interface AlarmProps {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic: string;
  Threshold: number;
  ComparisonOperator: string;
  Period: number;
  TreatMissingData: string;
  AlarmActions: Json[];
}
interface MetricStat {
  Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
  Period: number;
  Stat: string;
}
interface MetricQuery {
  Id: string;
  MetricStat?: MetricStat;
  Expression?: string;
  ReturnData: boolean;
}
interface AnomalyAlarmProps {
  Metrics: MetricQuery[];
  ThresholdMetricId: string;
  ComparisonOperator: string;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  TreatMissingData: string;
  AlarmActions: Json[];
}

/** Alarms on a fixed threshold: one metric, named at the top. */
const thresholdAlarms = (t: Template) =>
  ofType(t, 'AWS::CloudWatch::Alarm')
    .map(([, resource]) => props<AlarmProps>(resource))
    .filter((alarm) => alarm.MetricName !== undefined);

/** Anomaly detection alarms: metric data queries, the band among them. */
const anomalyAlarms = (t: Template) =>
  ofType(t, 'AWS::CloudWatch::Alarm')
    .map(([id, resource]) => ({ id, alarm: props<AnomalyAlarmProps>(resource), dependsOn: asArray(resource.DependsOn) }))
    .filter(({ alarm }) => alarm.Metrics !== undefined);

/** What every alarm of a template watches: namespace, metric name and dimensions. */
const watchedMetrics = (t: Template) => [
  ...thresholdAlarms(t).map((alarm) => ({ namespace: alarm.Namespace, name: alarm.MetricName, dimensions: alarm.Dimensions })),
  ...anomalyAlarms(t).flatMap(({ alarm }) =>
    alarm.Metrics.flatMap((query) => (query.MetricStat ? [{ namespace: query.MetricStat.Metric.Namespace, ...metricOf(query.MetricStat) }] : [])),
  ),
];
const metricOf = (stat: MetricStat) => ({ name: stat.Metric.MetricName, dimensions: stat.Metric.Dimensions });

/** A function with what belongs to it in the template. */
interface DeployedFunction {
  key: string;
  fn: FunctionProps;
  roleId: string;
  logGroupId: string;
  mappings: EsmProps[];
  /** Where Lambda itself sends what it gives up on (on-failure destinations). */
  destinations: string[];
}

function deployedFunctions(template: Template): DeployedFunction[] {
  return ofType(template, 'AWS::Lambda::Function').map(([id, resource]) => {
    const fn = props<FunctionProps>(resource);
    const mappings = ofType(template, 'AWS::Lambda::EventSourceMapping')
      .map(([, esm]) => props<EsmProps>(esm))
      .filter((esm) => logicalIdOf(esm.FunctionName) === id);
    const invokeConfigs = ofType(template, 'AWS::Lambda::EventInvokeConfig')
      .map(([, config]) => props<{ FunctionName: Json; DestinationConfig?: { OnFailure?: { Destination: Json } } }>(config))
      .filter((config) => logicalIdOf(config.FunctionName) === id);
    const destinations = [...mappings, ...invokeConfigs].flatMap((config) => asArray(logicalIdOf(config.DestinationConfig?.OnFailure?.Destination)));
    const base = id.replace(/LambdaFunction$/, '');
    return { key: base, fn, roleId: logicalIdOf(fn.Role) ?? '', logGroupId: `${base}LogGroup`, mappings, destinations };
  });
}

const statementsOf = (template: Template, roleId: string) =>
  policyStatements(template)
    .filter(({ owner, statement }) => owner === roleId && statement.Effect === 'Allow')
    .map(({ statement }) => statement);

const granted = (template: Template, roleId: string, action: string, resource: Json): boolean =>
  statementsOf(template, roleId).some(
    (s) => asArray(s.Action).includes(action) && asArray(s.Resource as Json | Json[]).some((r) => JSON.stringify(r) === JSON.stringify(resource)),
  );

/** The on-call metrics the code emits: the tick's values for a document where every number is known (dead letters waiting too), the parked count, the drift check's count, and the aggregator's journal reads. */
function emittedByTheCode(): { name: string; dimensions: Record<string, string> }[] {
  const settings = parseSettings({ METRICS_TABLE: 'unused', PULSE_STREAM: 'unused' });
  const at = Date.parse('2026-01-01T12:00:00Z');
  const empty = buildDocument(emptySnapshot(at), at, settings);
  const lag = { newestEventAt: null, lastAppliedAt: null, lagSeconds: 1 };
  const known = {
    ...empty,
    systemPerformance: { ...empty.systemPerformance, responseTime: { p50: 1, p95: 2, p99: 3 } },
    freshness: Object.fromEntries(FRESHNESS_SOURCES.map((source) => [source, lag])) as Freshness,
  };
  const emitted: OnCallValue[] = [
    ...onCallValues(known, 3),
    { name: OnCallMetric.deadLettered, value: 1 },
    { name: OnCallMetric.driftedFields, value: 1 },
    { name: OnCallMetric.laneJournalReads, value: 1 },
  ];
  return emitted.map(({ name, dimensions }) => ({ name, dimensions: dimensions ?? {} }));
}

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Unzips one function's bundle into `dir`; returns the file and the name of its handler export. */
async function unpackBundle(f: DeployedFunction, dir: string): Promise<{ bundle: string; exported: string }> {
  const zip = path.join(ROOT, '.serverless', `${f.key.charAt(0).toLowerCase()}${f.key.slice(1)}.zip`);
  const dot = f.fn.Handler.lastIndexOf('.');
  const bundle = path.join(dir, `${f.key}.js`);
  writeFileSync(bundle, await readZipEntry(zip, `${f.fn.Handler.slice(0, dot)}.js`));
  return { bundle, exported: f.fn.Handler.slice(dot + 1) };
}

/**
 * A stand-in for SQS that answers GetQueueAttributes (JSON protocol) with `waiting` visible and
 * `inFlight` invisible messages per queue, so the packaged tick's dead-letter count can be seen
 * without calling AWS.
 */
async function sqsStub(waiting: number, inFlight: number): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = JSON.stringify({ Attributes: { ApproximateNumberOfMessages: String(waiting), ApproximateNumberOfMessagesNotVisible: String(inFlight) } });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/**
 * Runs the packaged tick once, in its own process, against the dynalite of the jest global setup
 * (asynchronously: dynalite may live in this very process) and an SQS stand-in, and returns the
 * EMF lines it prints.
 */
async function runPackagedTick(tick: DeployedFunction, dir: string, tableName: string, sqsEndpoint: string): Promise<EmfLine[]> {
  const { bundle, exported } = await unpackBundle(tick, dir);
  const context = {
    functionName: tick.fn.FunctionName,
    awsRequestId: 'deploy-test',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:tick',
    memoryLimitInMB: '512',
    functionVersion: '$LATEST',
  };
  const script = `require(${JSON.stringify(bundle)})[${JSON.stringify(exported)}]({}, { ...${JSON.stringify(context)}, getRemainingTimeInMillis: () => 30000 }).catch((e) => { console.error(e); process.exit(1); });`;
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'dummy',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT ?? '',
    ...Object.fromEntries(
      Object.entries(tick.fn.Environment.Variables).map(([name, value]) => [name, typeof value === 'string' ? value : `unused-${logicalIdOf(value)}`]),
    ),
    METRICS_TABLE: tableName,
    AWS_ENDPOINT_URL_SQS: sqsEndpoint,
    DEAD_LETTER_QUEUE_URL: `${sqsEndpoint}/123456789012/dead-letters`,
    FAILED_BATCHES_QUEUE_URL: `${sqsEndpoint}/123456789012/failed-batches`,
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env, maxBuffer: 16 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);
}

/** `name {dimension: value, …}` of every metric in EMF lines. */
const emfMetrics = (lines: readonly EmfLine[]) =>
  lines.flatMap((line) =>
    line._aws.CloudWatchMetrics.flatMap((directive) =>
      directive.Dimensions.flatMap((names) =>
        directive.Metrics.map((metric) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: Object.fromEntries(names.map((n) => [n, String(line[n])])),
        })),
      ),
    ),
  );

let template: Template;
let shared: Template;

beforeAll(() => {
  // The shared stage first: any package run clears .serverless/, which then holds `npm run package`'s output.
  const dir = mkdtempSync(path.join(tmpdir(), 'clara-pulse-shared-'));
  try {
    shared = packageStage('shared', dir, {
      cognitoIssuerUrl: STANDALONE.issuer,
      cognitoAudience: STANDALONE.audience,
      adminOrigin: 'https://admin.example.org,http://localhost:5173',
      ...SHARED_ARNS,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  template = packageWithNpm();
}, 300_000);

describe('the packaged template (npm run package, standalone ci stage)', () => {
  it('has the metrics table on-demand, with the key and TTL attribute the store uses and point-in-time recovery', () => {
    const table = props<{
      TableName: string;
      BillingMode: string;
      KeySchema: { AttributeName: string; KeyType: string }[];
      TimeToLiveSpecification: { AttributeName: string; Enabled: boolean };
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: boolean };
    }>(template.Resources.MetricsTable!);

    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.KeySchema).toEqual([{ AttributeName: KEY_ATTRIBUTE, KeyType: 'HASH' }]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
  });

  it('names every resource after the service and stage', () => {
    const named: [string, string][] = [
      ['AWS::DynamoDB::Table', 'TableName'],
      ['AWS::Kinesis::Stream', 'Name'],
      ['AWS::SQS::Queue', 'QueueName'],
      ['AWS::SNS::Topic', 'TopicName'],
      ['AWS::Events::EventBus', 'Name'],
      ['AWS::Events::Rule', 'Name'],
      ['AWS::Lambda::Function', 'FunctionName'],
      ['AWS::CloudWatch::Alarm', 'AlarmName'],
    ];
    const names = named.flatMap(([type, property]) => ofType(template, type).map(([, resource]) => resource.Properties[property]));

    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(name).toMatch(new RegExp(`^${STANDALONE.service}(-|$)`));
  });

  it('keeps logs for a bounded time', () => {
    const groups = ofType(template, 'AWS::Logs::LogGroup');

    expect(groups).toHaveLength(deployedFunctions(template).length);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  describe('stream mappings', () => {
    const mappings = () => ofType(template, 'AWS::Lambda::EventSourceMapping').map(([id, resource]) => [id, props<EsmProps>(resource)] as const);

    /** The stream mappings: the rebuild queue's mapping is checked on its own below. */
    const streamMappings = () => mappings().filter(([, esm]) => template.Resources[logicalIdOf(esm.EventSourceArn) ?? '']?.Type !== 'AWS::SQS::Queue');

    it('map the three producer tables, telemetry and pulse-events to their functions, and the rebuild queue to rebuildSegment', () => {
      const wiring = mappings().map(([, esm]) => `${logicalIdOf(esm.EventSourceArn)} -> ${logicalIdOf(esm.FunctionName)}`);

      expect(wiring.sort()).toEqual([
        'ChatSessionsTable -> DynamodbStreamIngestLambdaFunction',
        'EscalationsTable -> DynamodbStreamIngestLambdaFunction',
        'MessagesTable -> DynamodbStreamIngestLambdaFunction',
        'PulseEventsStream -> PulseAggregatorLambdaFunction',
        'RebuildQueue -> RebuildSegmentLambdaFunction',
        'TelemetryStream -> KinesisIngestLambdaFunction',
      ]);
    });

    it('report partial failures, bisect, bound their retries and record age, and keep what they give up on', () => {
      for (const [id, esm] of streamMappings()) {
        expect({ id, types: esm.FunctionResponseTypes }).toEqual({ id, types: ['ReportBatchItemFailures'] });
        expect(esm.BisectBatchOnFunctionError).toBe(true);
        expect(esm.MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
        expect(esm.MaximumRetryAttempts).toBeLessThanOrEqual(10_000);
        // Bounded, and short of the 24 h stream retention so a batch given up on can still be replayed.
        expect(esm.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(60);
        expect(esm.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
        expect(logicalIdOf(esm.DestinationConfig?.OnFailure?.Destination)).toBe('FailedBatchesQueue');
        expect(esm.StartingPosition).toBe('TRIM_HORIZON');
        expect(esm.BatchSize).toBeGreaterThan(0);
        expect(esm.MaximumBatchingWindowInSeconds).toBeDefined();
      }
    });

    it('hand the rebuild one segment at a time, a bounded number at once, and park a segment that keeps failing', () => {
      const [, esm] = mappings().find(([, m]) => logicalIdOf(m.EventSourceArn) === 'RebuildQueue')!;
      const queue = props<{ VisibilityTimeout: number; RedrivePolicy: { deadLetterTargetArn: Json; maxReceiveCount: number } }>(
        template.Resources.RebuildQueue!,
      );
      const rebuild = deployedFunctions(template).find((f) => f.key === 'RebuildSegment')!;
      const timeout = (template.Resources.RebuildSegmentLambdaFunction!.Properties.Timeout as number) ?? 0;

      expect(esm).toMatchObject({ BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'] });
      expect((esm as unknown as { ScalingConfig: { MaximumConcurrency: number } }).ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      expect(logicalIdOf(queue.RedrivePolicy.deadLetterTargetArn)).toBe('FailedBatchesQueue');
      expect(queue.RedrivePolicy.maxReceiveCount).toBeGreaterThan(1);
      expect(rebuild.fn.Environment.Variables.REBUILD_QUEUE_URL).toEqual({ Ref: 'RebuildQueue' });
    });

    it('read each Kinesis shard with one batch at a time (per-shard watermarks)', () => {
      const kinesis = mappings().filter(([, esm]) => ['TelemetryStream', 'PulseEventsStream'].includes(logicalIdOf(esm.EventSourceArn) ?? ''));

      expect(kinesis).toHaveLength(2);
      for (const [, esm] of kinesis) expect(esm.ParallelizationFactor).toBe(1);
    });

    it('replay from streams that keep records longer than the mappings wait', () => {
      for (const [, stream] of ofType(template, 'AWS::Kinesis::Stream')) {
        const { RetentionPeriodHours, StreamEncryption } = props<{ RetentionPeriodHours: number; StreamEncryption: { EncryptionType: string } }>(stream);
        const longestWait = Math.max(...streamMappings().map(([, esm]) => esm.MaximumRecordAgeInSeconds ?? Infinity));

        expect(RetentionPeriodHours * 3600).toBeGreaterThan(longestWait);
        expect(StreamEncryption.EncryptionType).toBe('KMS');
      }
    });
  });

  describe('EventBridge', () => {
    it('routes exactly the sources the decoder accepts from the custom bus to eventbridgeIngest, keeping undeliverable events', () => {
      const rules = ofType(template, 'AWS::Events::Rule')
        .map(([, rule]) =>
          props<{ EventBusName?: Json; EventPattern?: { source: string[] }; Targets: { Arn: Json; DeadLetterConfig?: { Arn: Json } }[] }>(rule),
        )
        .filter((rule) => rule.EventPattern !== undefined);

      expect(rules).toHaveLength(1);
      const [rule] = rules;
      expect(logicalIdOf(rule!.EventBusName)).toBe('PulseEventBus');
      expect([...rule!.EventPattern!.source].sort()).toEqual([...EVENT_BRIDGE_SOURCES].sort());
      expect(rule!.Targets.map((target) => logicalIdOf(target.Arn))).toEqual(['EventbridgeIngestLambdaFunction']);
      expect(logicalIdOf(rule!.Targets[0]!.DeadLetterConfig?.Arn)).toBe('FailedBatchesQueue');
    });

    it('retries an asynchronous invocation a bounded number of times, then keeps the event', () => {
      const ingest = deployedFunctions(template).find((f) => f.key === 'EventbridgeIngest')!;
      const [, config] = ofType(template, 'AWS::Lambda::EventInvokeConfig').find(
        ([, c]) => logicalIdOf(c.Properties.FunctionName) === 'EventbridgeIngestLambdaFunction',
      )!;

      expect(config.Properties.MaximumRetryAttempts).toBe(2);
      expect(config.Properties.MaximumEventAgeInSeconds).toBeLessThanOrEqual(21_600);
      expect(ingest.destinations).toEqual(['FailedBatchesQueue']);
    });

    it('runs the tick and the pusher every minute, and the drift check every hour', () => {
      const schedules = ofType(template, 'AWS::Events::Rule')
        .map(([, rule]) => props<{ ScheduleExpression?: string; Targets: { Arn: Json }[] }>(rule))
        .filter((rule) => rule.ScheduleExpression !== undefined);

      expect(schedules.map((rule) => [rule.ScheduleExpression, logicalIdOf(rule.Targets[0]!.Arn)]).sort()).toEqual([
        ['rate(1 hour)', 'DriftCheckLambdaFunction'],
        ['rate(1 minute)', 'RealtimePusherLambdaFunction'],
        ['rate(1 minute)', 'TickLambdaFunction'],
      ]);
    });
  });

  describe('alarms', () => {
    const key = (name: string, dimensions: Record<string, string>) => `${name} ${JSON.stringify(Object.entries(dimensions).sort())}`;
    const keyOf = (metric: { name: string; dimensions: { Name: string; Value: string }[] }) =>
      key(metric.name, Object.fromEntries(metric.dimensions.map((d) => [d.Name, d.Value])));

    it('watch exactly the on-call metrics the code emits, with the service dimension Powertools adds', () => {
      const serviceName = STANDALONE.service;
      const expected = emittedByTheCode().map(({ name, dimensions }) => key(name, { service: serviceName, ...dimensions }));
      const watched = watchedMetrics(template);

      expect(watched.map(keyOf).sort()).toEqual(expected.sort());
      for (const metric of watched) expect(metric.namespace).toBe(ON_CALL_NAMESPACE);
    });

    it('cover every metric of config/on-call-metrics.json with its statistic and threshold, checked every minute unless published less often', () => {
      for (const metric of ON_CALL_METRICS) {
        const mine = thresholdAlarms(template).filter((alarm) => alarm.MetricName === metric.name);
        const period = 'periodSeconds' in metric ? metric.periodSeconds : 60;

        expect(mine.length).toBe(Math.max(1, ...metric.dimensions.map((d) => d.values.length)));
        for (const alarm of mine) {
          expect(alarm).toMatchObject({ Statistic: metric.statistic, Threshold: metric.threshold, ComparisonOperator: 'GreaterThanThreshold', Period: period });
          expect(alarm.AlarmActions.map(logicalIdOf)).toEqual(['AlarmTopic']);
        }
      }
    });

    it('watch the message rate and the escalation rate against a learned band, not a fixed threshold, in the time zone of the desk', () => {
      const byMetric = new Map(
        anomalyAlarms(template).map((entry) => [entry.alarm.Metrics.find((query) => query.MetricStat)?.MetricStat?.Metric.MetricName, entry]),
      );

      expect([...byMetric.keys()].sort()).toEqual([OnCallMetric.escalationsCreatedToday, OnCallMetric.messagesLastHour].sort());
      for (const metric of ANOMALY_METRICS) {
        const { alarm, dependsOn } = byMetric.get(metric.name)!;
        const band = alarm.Metrics.find((query) => query.Id === alarm.ThresholdMetricId)!;
        const published = alarm.Metrics.find((query) => query.MetricStat)!;
        const watched = alarm.Metrics.find((query) => query.ReturnData && query.Id !== band.Id)!;
        const detector = props<{ Configuration: { MetricTimeZone: string } }>(template.Resources[dependsOn[0] ?? '']!);

        expect(band.Expression).toBe(`ANOMALY_DETECTION_BAND(${watched.Id}, ${metric.band})`);
        expect(published.MetricStat).toMatchObject({ Period: metric.period, Stat: metric.statistic });
        expect(watched.Expression).toBe('expression' in metric ? metric.expression : undefined);
        expect(alarm).toMatchObject({
          ComparisonOperator: metric.comparison,
          EvaluationPeriods: metric.evaluationPeriods,
          TreatMissingData: metric.treatMissingData,
        });
        expect(alarm.AlarmActions.map(logicalIdOf)).toEqual(['AlarmTopic']);
        expect(template.Resources[dependsOn[0] ?? '']?.Type).toBe('AWS::CloudWatch::AnomalyDetector');
        expect(detector.Configuration.MetricTimeZone).toBe('UTC');
      }
      // "Traffic fell to zero at 3 am": the message rate alarms below its band; escalations on both sides.
      expect(byMetric.get(OnCallMetric.messagesLastHour)?.alarm.ComparisonOperator).toBe('LessThanLowerThreshold');
      expect(byMetric.get(OnCallMetric.escalationsCreatedToday)?.alarm.ComparisonOperator).toBe('LessThanLowerOrGreaterThanUpperThreshold');
    });

    it('match what the packaged tick really prints as EMF: namespace, names, the service and Source dimensions', async () => {
      const tick = deployedFunctions(template).find((f) => f.key === 'Tick')!;
      const tableName = `deploy-tick-${Date.now()}`;
      const { dynamo } = testClients();
      await createTable(dynamo, tableName);
      // A lag known for every source, so the tick publishes SourceLagSeconds for each.
      const store = new DynamoDbMetricsStore({ client: dynamo, tableName });
      const now = new Date().toISOString();
      for (const source of FRESHNESS_SOURCES) await store.recordKnownFreshness(source, { newestEventAt: now, lastAppliedAt: now, lagSeconds: 1 });
      const dir = mkdtempSync(path.join(tmpdir(), 'clara-pulse-tick-'));
      // Two queues, each with 2 letters waiting and 1 being looked at.
      const sqs = await sqsStub(2, 1);

      let printed: ReturnType<typeof emfMetrics>;
      let tickLines: EmfLine[];
      try {
        tickLines = await runPackagedTick(tick, dir, tableName, sqs.endpoint);
        printed = emfMetrics(tickLines);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        sqs.server.close();
      }

      const alarmed = new Set(watchedMetrics(template).map((metric) => `${metric.namespace} ${keyOf(metric)}`));
      const onCall = printed.filter((metric) => [...ON_CALL_METRICS, ...ANOMALY_METRICS].some((m) => m.name === metric.name));
      expect(onCall.map((metric) => metric.name).sort()).toEqual(
        [
          'PendingEscalations',
          'OldestPendingAgeSeconds',
          'CriticalOpenEscalations',
          'ErrorRate',
          'DeadLettersWaiting',
          'MessagesLastHour',
          'EscalationsCreatedToday',
          ...FRESHNESS_SOURCES.map(() => 'SourceLagSeconds'),
        ].sort(),
      );
      for (const metric of onCall) expect(alarmed).toContain(`${metric.namespace} ${key(metric.name, metric.dimensions)}`);
      expect(tickLines.find((line) => 'DeadLettersWaiting' in line)?.DeadLettersWaiting).toBe(6);
    });
  });

  describe('the HTTP API', () => {
    const httpRoutes = () =>
      ofType(template, 'AWS::ApiGatewayV2::Route')
        .map(([, route]) => props<{ ApiId: Json; RouteKey: string; AuthorizationType?: string; AuthorizerId?: Json }>(route))
        .filter((route) => logicalIdOf(route.ApiId) === 'HttpApi');

    it('puts the read behind the Cognito JWT authorizer and leaves only its description open', () => {
      const routes = httpRoutes();
      const [authorizerId] = routes.flatMap((route) => asArray(logicalIdOf(route.AuthorizerId)));
      const authorizer = props<{ AuthorizerType: string; JwtConfiguration: { Issuer: string; Audience: string[] } }>(template.Resources[authorizerId ?? '']!);

      expect(routes.map((route) => [route.RouteKey, route.AuthorizationType ?? 'NONE']).sort()).toEqual([
        ['GET /admin/realtime', 'JWT'],
        ['GET /openapi.json', 'NONE'],
      ]);
      expect(authorizer).toMatchObject({ AuthorizerType: 'JWT', JwtConfiguration: { Issuer: STANDALONE.issuer, Audience: [STANDALONE.audience] } });
    });

    it("allows cross-origin reads from the admin front end's origin only (the adminOrigin parameter), with the bearer header", () => {
      const cors = props<{ CorsConfiguration: { AllowOrigins: string[]; AllowHeaders: string[]; AllowMethods: string[] } }>(
        template.Resources.HttpApi!,
      ).CorsConfiguration;

      expect(cors.AllowOrigins).toEqual([STANDALONE.adminOrigin]);
      expect(cors.AllowHeaders).toContain('Authorization');
      expect(cors.AllowMethods).toEqual(['GET', 'OPTIONS']);
    });
  });

  describe('the viewer WebSocket API (pushed documents)', () => {
    const fn = (key: string) => deployedFunctions(template).find((f) => f.key === key)!;
    const resolvedEnvironment = (f: DeployedFunction) =>
      Object.fromEntries(
        Object.entries(f.fn.Environment.Variables).map(([name, value]) => [
          name,
          typeof value === 'string'
            ? value
            : name === 'WEBSOCKET_MANAGEMENT_ENDPOINT'
              ? 'https://abc123.execute-api.us-east-1.amazonaws.com/ci'
              : `resolved-${logicalIdOf(value)}`,
        ]),
      );

    it('routes $connect and $disconnect to viewerConnections, which checks the token itself, and nothing else', () => {
      const routes = ofType(template, 'AWS::ApiGatewayV2::Route')
        .map(([, route]) => props<{ ApiId: Json; RouteKey: string; Target: Json }>(route))
        .filter((route) => logicalIdOf(route.ApiId) === 'WebsocketsApi');
      const integrations = new Set(
        ofType(template, 'AWS::ApiGatewayV2::Integration')
          .filter(([, integration]) => logicalIdOf(props<{ ApiId: Json }>(integration).ApiId) === 'WebsocketsApi')
          .map(([, integration]) => JSON.stringify(props<{ IntegrationUri: Json }>(integration).IntegrationUri)),
      );

      expect(routes.map((route) => route.RouteKey).sort()).toEqual(['$connect', '$disconnect']);
      expect([...integrations].every((uri) => uri.includes('ViewerConnectionsLambdaFunction'))).toBe(true);
    });

    it('checks tokens against the issuer and audience of the read route, and origins against its CORS', () => {
      const settings = parseViewerConnectionSettings(resolvedEnvironment(fn('ViewerConnections')));

      expect(settings).toMatchObject({ tokenIssuer: STANDALONE.issuer, tokenAudience: STANDALONE.audience, adminOrigins: [STANDALONE.adminOrigin] });
      expect(logicalIdOf(fn('ViewerConnections').fn.Environment.Variables.VIEWER_CONNECTIONS_TABLE)).toBe('ViewerConnectionsTable');
    });

    it('has one producer: the pusher runs alone (reserved concurrency 1), every minute, for less than its timeout, reading at most once a second', () => {
      const pusher = template.Resources.RealtimePusherLambdaFunction!;
      const invokeConfig = ofType(template, 'AWS::Lambda::EventInvokeConfig')
        .map(([, config]) => props<{ FunctionName: Json; MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number }>(config))
        .find((config) => logicalIdOf(config.FunctionName) === 'RealtimePusherLambdaFunction');
      const settings = parsePusherSettings(resolvedEnvironment(fn('RealtimePusher')));

      expect(pusher.Properties.ReservedConcurrentExecutions).toBe(1);
      expect(pusher.Properties.Timeout).toBeGreaterThanOrEqual(65); // a run lasts 59 s and the last round's interval
      expect(invokeConfig).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
      expect(settings.intervalMs).toBe(1000);
      expect(fn('RealtimePusher').fn.Environment.Variables.WEBSOCKET_MANAGEMENT_ENDPOINT).toEqual({
        'Fn::Sub': `https://\${WebsocketsApi}.execute-api.\${AWS::Region}.amazonaws.com/ci`,
      });
    });

    it('grants the pusher the management calls of this API and stage only, and each function only its own table calls', () => {
      const actionsOn = (roleId: string, resource: string) =>
        statementsOf(template, roleId)
          .filter((statement) => asArray(statement.Resource as Json | Json[]).some((r) => logicalIdOf(r) === resource))
          .flatMap((statement) => asArray(statement.Action))
          .sort();
      const management = statementsOf(template, 'RealtimePusherRole').find((statement) => statement.Sid === 'PushToViewers')!;

      expect(asArray(management.Action)).toEqual(['execute-api:ManageConnections']);
      expect(asArray(management.Resource as Json | Json[])).toEqual(
        ['POST', 'DELETE'].map((method) => ({
          'Fn::Sub': `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${WebsocketsApi}/ci/${method}/@connections/*`,
        })),
      );
      expect(actionsOn('RealtimePusherRole', 'ViewerConnectionsTable')).toEqual(['dynamodb:DeleteItem', 'dynamodb:Scan']);
      expect(actionsOn('RealtimePusherRole', 'MetricsTable')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:UpdateItem']);
      expect(actionsOn('ViewerConnectionsRole', 'ViewerConnectionsTable')).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
      expect(actionsOn('ViewerConnectionsRole', 'MetricsTable')).toEqual(['dynamodb:UpdateItem']);
    });

    it('keeps connections in a table of their own, keyed and expired as the registry writes them', () => {
      const table = props<{ KeySchema: { AttributeName: string }[]; TimeToLiveSpecification: { AttributeName: string; Enabled: boolean } }>(
        template.Resources.ViewerConnectionsTable!,
      );

      expect(table.KeySchema.map((key) => key.AttributeName)).toEqual([VIEWER_CONNECTION_KEY]);
      expect(table.TimeToLiveSpecification).toEqual({ AttributeName: VIEWER_CONNECTION_TTL, Enabled: true });
    });

    it('lets only its own event sources invoke each function: every permission for an AWS service names its source', () => {
      const permissions = ofType(template, 'AWS::Lambda::Permission').map(([id, permission]) => ({
        id,
        ...props<{ Principal: string; SourceArn?: Json }>(permission),
      }));

      expect(permissions.filter((permission) => permission.Principal.endsWith('.amazonaws.com') && permission.SourceArn === undefined)).toEqual([]);
      expect(JSON.stringify(permissions.find((permission) => permission.id === 'ViewerConnectionsLambdaPermissionWebsockets')?.SourceArn)).toContain(
        'WebsocketsApi',
      );
    });
  });

  describe('IAM', () => {
    it('names every action and resource: no wildcard beyond the documented exceptions', () => {
      const wildcards = policyStatements(template)
        // A Deny only takes away (the deployment bucket refuses plain HTTP for s3:*); grants are what must be narrow.
        .filter(({ statement }) => statement.Effect === 'Allow')
        .filter(
          ({ statement }) =>
            statement.NotAction !== undefined ||
            statement.NotResource !== undefined ||
            [...asArray(statement.Action), ...literalStrings(statement.Resource)].some((s) => s.includes('*')),
        )
        .filter(({ owner, statement }) => !WILDCARD_EXCEPTIONS.some((e) => e.owner === owner && e.sid === statement.Sid));

      expect(wildcards).toEqual([]);
    });

    it('gives each function a role of its own, and no shared default role', () => {
      const functions = deployedFunctions(template);

      expect(template.Resources.IamRoleLambdaExecution).toBeUndefined();
      expect(new Set(functions.map((f) => f.roleId)).size).toBe(functions.length);
      for (const f of functions) expect(f.roleId).toBe(`${f.key}Role`);
    });

    it("grants each function's role what its event sources and on-failure destinations need", () => {
      const reads: Record<string, string[]> = {
        dynamodb: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        kinesis: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
        sqs: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      };
      const sourceType = (arn: Json) =>
        ({ 'AWS::Kinesis::Stream': 'kinesis', 'AWS::SQS::Queue': 'sqs' })[template.Resources[logicalIdOf(arn) ?? '']?.Type ?? ''] ?? 'dynamodb';
      for (const f of deployedFunctions(template)) {
        for (const esm of f.mappings) {
          const type = sourceType(esm.EventSourceArn);
          for (const action of reads[type]!)
            expect({ fn: f.key, action, ok: granted(template, f.roleId, action, esm.EventSourceArn) }).toMatchObject({ ok: true });
        }
        for (const destination of f.destinations) expect(granted(template, f.roleId, 'sqs:SendMessage', { 'Fn::GetAtt': [destination, 'Arn'] })).toBe(true);
        expect(granted(template, f.roleId, 'logs:PutLogEvents', { 'Fn::GetAtt': [f.logGroupId, 'Arn'] })).toBe(true);
      }
    });
  });

  describe('function environments', () => {
    it('hold only the settings of config/settings.ts and the Powertools service name, and parse', () => {
      const services = new Set<Json>();
      for (const { key, fn } of deployedFunctions(template)) {
        const variables = fn.Environment.Variables;
        const unknown = Object.keys(variables).filter((name) => !(name in SETTINGS_KEYS) && name !== 'POWERTOOLS_SERVICE_NAME');
        const resolved = Object.fromEntries(
          Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : `resolved-${logicalIdOf(value)}`]),
        );
        services.add(variables.POWERTOOLS_SERVICE_NAME ?? null);

        expect({ key, unknown }).toEqual({ key, unknown: [] });
        expect(() => parseSettings(resolved)).not.toThrow();
      }
      expect([...services]).toEqual([STANDALONE.service]);
    });

    it("name every table, stream and queue the function's own code is granted", () => {
      for (const f of deployedFunctions(template)) {
        const servedByLambda = new Set([f.logGroupId, ...f.mappings.map((esm) => logicalIdOf(esm.EventSourceArn)), ...f.destinations]);
        const namedInEnvironment = new Set(Object.values(f.fn.Environment.Variables).map(logicalIdOf));
        const grantedResources = statementsOf(template, f.roleId).flatMap((s) => asArray(s.Resource as Json | Json[]).map(logicalIdOf));
        const unnamed = grantedResources.filter((id) => !servedByLambda.has(id) && !namedInEnvironment.has(id));

        expect({ fn: f.key, unnamed }).toEqual({ fn: f.key, unnamed: [] });
      }
    });

    it('tell the stream ingest the names of the tables its stream records come from', () => {
      const ingest = deployedFunctions(template).find((f) => f.key === 'DynamodbStreamIngest')!;
      const sourceTables = ingest.mappings.map((esm) => template.Resources[logicalIdOf(esm.EventSourceArn) ?? '']!.Properties.TableName);
      const { CHAT_SESSIONS_TABLE, MESSAGES_TABLE, ESCALATIONS_TABLE } = ingest.fn.Environment.Variables;

      expect([CHAT_SESSIONS_TABLE, MESSAGES_TABLE, ESCALATIONS_TABLE].sort()).toEqual([...sourceTables].sort());
    });
  });

  it('declares every output npm run rebuild and npm run drift read from a deployed stage', () => {
    const outputs = (template as Template & { Outputs: Record<string, { Value: Json }> }).Outputs;

    expect(Object.keys(outputs)).toEqual(expect.arrayContaining([...STACK_OUTPUTS]));
  });

  it('lets the rebuild and the drift check Scan the producer tables, and nothing else of them', () => {
    // The producer tables this ci stage creates: every table but Clara Pulse's own two.
    const tableNames = ofType(template, 'AWS::DynamoDB::Table')
      .map(([id, table]) => [id, table.Properties.TableName] as const)
      .filter(([id]) => id !== 'MetricsTable' && id !== 'ViewerConnectionsTable');
    for (const key of ['RebuildSegment', 'DriftCheck']) {
      const f = deployedFunctions(template).find((candidate) => candidate.key === key)!;
      const scan = statementsOf(template, f.roleId).find((s) => asArray(s.Action).includes('dynamodb:Scan'))!;
      const scanned = literalStrings(scan.Resource).map((arn) => arn.split(':table/')[1]);

      expect(asArray(scan.Action)).toEqual(['dynamodb:Scan']);
      expect(scanned.sort()).toEqual(tableNames.map(([, name]) => name).sort());
    }
  });

  it('ships bundles that load and export their handler', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'clara-pulse-bundles-'));
    try {
      for (const f of deployedFunctions(template)) {
        const { bundle, exported } = await unpackBundle(f, dir);
        const env = {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          METRICS_TABLE: 't',
          PULSE_STREAM: 's',
          DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
          VIEWER_CONNECTIONS_TABLE: 'v',
          VIEWER_TOKEN_ISSUER: STANDALONE.issuer,
          VIEWER_TOKEN_AUDIENCE: STANDALONE.audience,
          ADMIN_ORIGINS: STANDALONE.adminOrigin,
          WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://abc123.execute-api.us-east-1.amazonaws.com/ci',
          REBUILD_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/r',
        };

        const type = execFileSync(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(bundle)})[${JSON.stringify(exported)}])`], {
          env,
          stdio: ['ignore', 'pipe', 'ignore'],
        });

        expect({ fn: f.key, type: type.toString() }).toEqual({ fn: f.key, type: 'function' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the packaged template of a shared stage (producer stream ARNs as parameters)', () => {
  const sharedArns = Object.values(SHARED_ARNS);

  it('creates no producer table and maps the given streams', () => {
    const tables = ofType(shared, 'AWS::DynamoDB::Table').map(([id]) => id);
    const sources = ofType(shared, 'AWS::Lambda::EventSourceMapping').map(([, esm]) => props<EsmProps>(esm).EventSourceArn);

    expect(tables.sort()).toEqual(['MetricsTable', 'ViewerConnectionsTable']); // Clara Pulse's own, no producer table
    expect(sources).toEqual(expect.arrayContaining(sharedArns));
  });

  it('grants the rebuild and the drift check a Scan of exactly the tables of those ARNs', () => {
    for (const key of ['RebuildSegment', 'DriftCheck']) {
      const f = deployedFunctions(shared).find((candidate) => candidate.key === key)!;
      const scan = statementsOf(shared, f.roleId).find((s) => asArray(s.Action).includes('dynamodb:Scan'))!;

      expect(scan.Resource).toEqual(sharedArns.map((arn) => arn.split('/stream/')[0]));
    }
  });

  it('grants the stream reads on exactly those ARNs and names the tables as the ARNs do', () => {
    const ingest = deployedFunctions(shared).find((f) => f.key === 'DynamodbStreamIngest')!;
    const streamGrant = statementsOf(shared, ingest.roleId).find((s) => asArray(s.Action).includes('dynamodb:GetRecords'))!;
    const { CHAT_SESSIONS_TABLE, MESSAGES_TABLE, ESCALATIONS_TABLE } = ingest.fn.Environment.Variables;

    expect(streamGrant.Resource).toEqual(sharedArns);
    expect([CHAT_SESSIONS_TABLE, MESSAGES_TABLE, ESCALATIONS_TABLE]).toEqual(['chat-sessions', 'messages', 'escalations']);
  });

  it('names its alarms and metrics dimension after its own stage', () => {
    const dimensions = watchedMetrics(shared).map((metric) => metric.dimensions[0]);

    for (const dimension of dimensions) expect(dimension).toEqual({ Name: 'service', Value: 'clara-pulse-shared' });
  });
});
