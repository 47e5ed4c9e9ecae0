import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseSettings, type Settings } from '../config/settings';
import { ReconcileTargetError } from '../errors';
import { DynamoDbMetricsStore } from '../store/dynamodb-metrics-store';
import type { MetricsStore } from '../store/metrics-store';
import type { DeadLetterSink } from '../streams/dead-letters';
import type { EventForwarder } from '../streams/event-forwarder';
import { KinesisEventForwarder } from '../streams/kinesis-event-forwarder';
import { SqsDeadLetters } from '../streams/sqs-dead-letters';
import { localDynamoClient, localKinesisClient } from './engines';
import { FileDeadLetters } from './file-dead-letters';
import { STACK_NAMES } from './stack/names';
import { stackFile } from './stack/stack-info';

/** Everything `npm run rebuild` and `npm run drift` talk to: the local stack or a deployed stage. */
export interface ReconcileTarget {
  /** Says where, for the progress lines. */
  description: string;
  /** The producer tables (Scan) and the metrics table. */
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  settings: Settings;
  store: MetricsStore;
  forwarder: EventForwarder;
  deadLetters: DeadLetterSink;
  /** The deployed rebuild's queue (`--fan-out`); only a stage has one. */
  rebuildQueue?: { url: string; concurrency: number; sqs: SQSClient };
  close(): void;
}

/** The outputs of the deployed stack that the two commands read (serverless.yml `Outputs`; the template test checks them). */
export const STACK_OUTPUTS = [
  'MetricsTableName',
  'PulseEventsStreamName',
  'ChatSessionsTableName',
  'MessagesTableName',
  'EscalationsTableName',
  'MetricsTimeZone',
  'ServiceLevelSeconds',
  'DeadLetterQueueUrl',
  'RebuildQueueUrl',
  'RebuildConcurrency',
] as const;

/** The parts of `.local/stack.json` used here; `dynamodbDirect` is read when present (reads need no capture). */
const stackFileSchema = z.object({
  region: z.string().min(1),
  dynamodb: z.string().url(),
  dynamodbDirect: z.string().url().optional(),
  kinesis: z.string().url(),
  tables: z.object({ chatSessions: z.string().min(1), messages: z.string().min(1), escalations: z.string().min(1), metrics: z.string().min(1) }),
  deadLetterFile: z.string().min(1),
});

/** The stack `npm start` runs, as its `stack.json` describes it. Time zone and service level: `METRICS_TIME_ZONE`, `SERVICE_LEVEL_SECONDS`, as for `npm start`. */
export async function localTarget(stateDir: string, env: Record<string, string | undefined> = process.env): Promise<ReconcileTarget> {
  const path = stackFile(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ReconcileTargetError(`no ${path}: start the local stack with \`npm start\` (or name a deployed stage with --stage NAME)`);
  }
  const parsed = stackFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new ReconcileTargetError(`${path}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const info = parsed.data;
  const settings = parseSettings({
    METRICS_TABLE: info.tables.metrics,
    PULSE_STREAM: STACK_NAMES.pulseStream,
    METRICS_TIME_ZONE: env.METRICS_TIME_ZONE,
    SERVICE_LEVEL_SECONDS: env.SERVICE_LEVEL_SECONDS,
    CHAT_SESSIONS_TABLE: info.tables.chatSessions,
    MESSAGES_TABLE: info.tables.messages,
    ESCALATIONS_TABLE: info.tables.escalations,
  });
  const dynamo = localDynamoClient(info.dynamodbDirect ?? info.dynamodb, { maxAttempts: 10 });
  const kinesis = localKinesisClient(info.kinesis);
  return {
    description: `the local stack (${path})`,
    dynamo,
    kinesis,
    settings,
    store: new DynamoDbMetricsStore({ client: dynamo, tableName: settings.metricsTable }),
    forwarder: new KinesisEventForwarder(kinesis, settings.pulseStream),
    deadLetters: new FileDeadLetters(info.deadLetterFile),
    close: () => {
      dynamo.destroy();
      kinesis.destroy();
    },
  };
}

/**
 * A deployed stage: names from the outputs of its CloudFormation stack (`clara-pulse-<stage>`),
 * region and credentials from the usual AWS environment (AWS_REGION, AWS_PROFILE, …).
 */
export async function stageTarget(stage: string, region?: string): Promise<ReconcileTarget> {
  const stackName = `clara-pulse-${stage}`;
  const common = region ? { region } : {};
  const cloudFormation = new CloudFormationClient(common);
  let outputs: Map<string, string>;
  try {
    const described = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = new Map((described.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  } catch (error) {
    throw new ReconcileTargetError(`cannot describe the stack ${stackName}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    cloudFormation.destroy();
  }
  const output = (key: (typeof STACK_OUTPUTS)[number]) => {
    const value = outputs.get(key);
    if (!value) throw new ReconcileTargetError(`the stack ${stackName} has no output ${key}: deploy this version of serverless.yml first`);
    return value;
  };
  const settings = parseSettings({
    METRICS_TABLE: output('MetricsTableName'),
    PULSE_STREAM: output('PulseEventsStreamName'),
    METRICS_TIME_ZONE: output('MetricsTimeZone'),
    SERVICE_LEVEL_SECONDS: output('ServiceLevelSeconds'),
    CHAT_SESSIONS_TABLE: output('ChatSessionsTableName'),
    MESSAGES_TABLE: output('MessagesTableName'),
    ESCALATIONS_TABLE: output('EscalationsTableName'),
  });
  const queues = { deadLetters: output('DeadLetterQueueUrl'), rebuild: output('RebuildQueueUrl'), concurrency: Number(output('RebuildConcurrency')) || 1 };
  // A long Scan rides out throttling on the SDK's own backoff.
  const dynamo = new DynamoDBClient({ ...common, maxAttempts: 10 });
  const kinesis = new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() });
  const sqs = new SQSClient(common);
  return {
    description: `stage ${stage} (${stackName})`,
    dynamo,
    kinesis,
    settings,
    store: new DynamoDbMetricsStore({ client: dynamo, tableName: settings.metricsTable }),
    forwarder: new KinesisEventForwarder(kinesis, settings.pulseStream),
    deadLetters: new SqsDeadLetters(sqs, queues.deadLetters),
    rebuildQueue: { url: queues.rebuild, concurrency: queues.concurrency, sqs },
    close: () => {
      dynamo.destroy();
      kinesis.destroy();
      sqs.destroy();
    },
  };
}

/** Kinesis takes 1,000 records/s per shard; a rebuild leaves half of it to live traffic by default. */
export const EVENTS_PER_SECOND_PER_SHARD = 500;

/** The default pace of the events a rebuild puts on pulse-events: half of what its open shards take. */
export async function defaultEventsPerSecond(target: ReconcileTarget): Promise<number> {
  const summary = await target.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: target.settings.pulseStream }));
  return EVENTS_PER_SECOND_PER_SHARD * Math.max(1, summary.StreamDescriptionSummary?.OpenShardCount ?? 1);
}
