import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { marshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackInfo } from '../../local/stack/stack-info';
import { realTimeMetricsSchema, type RealTimeMetrics } from '../../schemas/realtime-metrics';

const ROOT = join(__dirname, '..', '..');

/** `npm start` as a person runs it, in a process group of its own (npm leads it), on free ports. */
export interface RunningStack {
  child: ChildProcess;
  info: StackInfo;
  /** Everything it printed, for the failure message. */
  output: () => string;
  exited: Promise<number | null>;
}

export async function given_npm_start(stateDir: string, ...flags: string[]): Promise<RunningStack> {
  const child = spawn(
    'npm',
    ['start', '--', '--state-dir', stateDir, '--port', '0', '--dynamodb-port', '0', '--kinesis-port', '0', '--eventbridge-port', '0', ...flags],
    { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr!.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  // The banner is printed once stack.json is written and every endpoint listens.
  while (!output.includes('Ctrl-C stops everything.')) {
    const ended = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 100))]);
    if (ended) throw new Error(`npm start ended before it was ready:\n${output}`);
  }
  const info = JSON.parse(readFileSync(join(stateDir, 'stack.json'), 'utf8')) as StackInfo;
  return { child, info, output: () => output, exited };
}

/** A producer's clients for the stack's endpoints, as docs/local-stack.md shows them. */
function producerClients(info: StackInfo) {
  const common = { region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const clients = {
    dynamo: new DynamoDBClient({ ...common, endpoint: info.dynamodb }),
    events: new EventBridgeClient({ ...common, endpoint: info.eventbridge }),
    kinesis: new KinesisClient({ ...common, endpoint: info.kinesis, requestHandler: new NodeHttpHandler() }),
  };
  const close = () => {
    for (const client of Object.values(clients)) client.destroy();
  };
  return { ...clients, close };
}

const invocation = (functionName: string, i: number) => ({
  eventId: `${functionName}-${Date.now()}-${i}`,
  type: 'function.invocation',
  occurredAt: new Date().toISOString(),
  functionName,
  durationMs: 5,
  error: false,
  throttled: false,
});

/** Puts `count` function.invocation records named `functionName` on the telemetry stream; returns how many Kinesis acknowledged. */
export async function when_kinesis_acknowledges(info: StackInfo, functionName: string, count: number): Promise<number> {
  const producers = producerClients(info);
  const kinesis = producers.kinesis;
  let acknowledged = 0;
  try {
    for (let i = 0; i < count; i += 500) {
      const records = Array.from({ length: Math.min(500, count - i) }, (_, j) => invocation(functionName, i + j));
      const response = await kinesis.send(
        new PutRecordsCommand({
          StreamName: info.telemetryStream,
          Records: records.map((event) => ({ PartitionKey: event.eventId, Data: Buffer.from(JSON.stringify(event)) })),
        }),
      );
      acknowledged += records.length - (response.FailedRecordCount ?? 0);
    }
  } finally {
    producers.close();
  }
  return acknowledged;
}

/** Puts `count` function.invocation events named `functionName` on the bus; returns how many PutEvents accepted. */
export async function when_eventbridge_accepts(info: StackInfo, functionName: string, count: number): Promise<number> {
  const producers = producerClients(info);
  let accepted = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.ceil(count / 10) }, async (_, batch) => {
        const entries = Array.from({ length: Math.min(10, count - batch * 10) }, (_, j) => invocation(functionName, batch * 10 + j));
        const response = await producers.events.send(
          new PutEventsCommand({
            Entries: entries.map((event) => ({
              EventBusName: info.eventBusName,
              Source: 'ada-clara.telemetry',
              DetailType: event.type,
              Detail: JSON.stringify(event),
            })),
          }),
        );
        accepted += entries.length - (response.FailedEntryCount ?? 0);
      }),
    );
  } finally {
    producers.close();
  }
  return accepted;
}

/** Writes `count` user messages of one conversation to the messages table, 20 at a time; returns how many DynamoDB acknowledged. */
export async function when_the_messages_table_acknowledges(info: StackInfo, conversationId: string, count: number): Promise<number> {
  const producers = producerClients(info);
  let acknowledged = 0;
  let next = 0;
  // One millisecond apart: the timestamp is part of the key, and two messages must never be one item.
  const first = Date.now() - count;
  try {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let i = next++; i < count; i = next++) {
          const item = { conversationId, timestamp: new Date(first + i).toISOString(), messageId: `${conversationId}-${i}`, sender: 'user' };
          await producers.dynamo.send(new PutItemCommand({ TableName: info.tables.messages, Item: marshall(item) }));
          acknowledged++;
        }
      }),
    );
  } finally {
    producers.close();
  }
  return acknowledged;
}

export async function readDocument(info: StackInfo): Promise<RealTimeMetrics> {
  const response = await fetch(`${info.api}/admin/realtime`, { headers: { authorization: `Bearer ${info.adminToken}` } });
  if (response.status !== 200) throw new Error(`GET /admin/realtime answered ${response.status}`);
  return realTimeMetricsSchema.parse(await response.json());
}

/**
 * Reads the document until `count(document)` reaches `expected`, or until the stack has had
 * `patienceMs` to get there; returns the last count (the caller compares it, so a shortfall
 * fails with the number, not with a timeout).
 */
export async function countOnceSettled(info: StackInfo, count: (document: RealTimeMetrics) => number, expected: number, patienceMs = 90_000): Promise<number> {
  const giveUpAt = Date.now() + patienceMs;
  let seen = count(await readDocument(info));
  while (seen < expected && Date.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    seen = count(await readDocument(info));
  }
  return seen;
}

/**
 * Invocations of one function in the document. The probes use names on the label allow-list
 * that the simulator does not use (`ada-clara-rag-query`, `ada-clara-ingest`), so the count is
 * theirs alone and not folded into `other`.
 */
export const invocationsOf = (functionName: string) => (document: RealTimeMetrics) => document.systemPerformance.lambdaMetrics[functionName]?.invocations ?? 0;
