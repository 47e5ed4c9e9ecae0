/**
 * 5. Freshness: a producer writes, then how long until GET /admin/realtime shows it, through the
 * whole local stack (`npm start`'s, in this process, in memory, simulator off): one probe at a
 * time, turn by turn through the three transports, each a fact the document shows on its own —
 * a message item in the producers' `messages` table (DynamoDB Streams; messagesLastHour goes up)
 * and a `function.invocation` with a name of its own on EventBridge or on Kinesis
 * (lambdaMetrics gets that name). The clock runs from just before the producer's call to the
 * first read that shows the fact; reads are made back to back, so the figure includes up to
 * one read's time.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { marshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStackOptions } from '../local/stack/options';
import { startStack } from '../local/stack/stack';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import { median, nowMs, percentile, round, seededRandom } from './stats';

const TRANSPORTS = ['dynamodb-streams', 'eventbridge', 'kinesis'] as const;
type Transport = (typeof TRANSPORTS)[number];

export interface FreshnessResult {
  probes: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  byTransport: Record<Transport, { p50Ms: number; p95Ms: number }>;
  /** How long one read through the API took (the resolution of the figures above). */
  readP50Ms: number;
}

export async function freshnessBench(probes: number, seed: number): Promise<FreshnessResult> {
  const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-bench-'));
  const logs: string[] = [];
  const stack = await startStack(localStackOptions(stateDir, { seed, log: (line) => logs.push(line) }));
  const { info } = stack;
  const common = { region: info.region, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  const dynamo = new DynamoDBClient({ ...common, endpoint: info.dynamodb });
  const events = new EventBridgeClient({ ...common, endpoint: info.eventbridge });
  const kinesis = new KinesisClient({ ...common, endpoint: info.kinesis, requestHandler: new NodeHttpHandler() });
  const readTimes: number[] = [];
  const read = async (): Promise<RealTimeMetrics> => {
    const started = nowMs();
    const response = await fetch(`${info.api}/admin/realtime`, { headers: { authorization: `Bearer ${info.adminToken}` } });
    if (response.status !== 200) throw new Error(`GET /admin/realtime answered ${response.status}`);
    const document = (await response.json()) as RealTimeMetrics;
    readTimes.push(nowMs() - started);
    return document;
  };

  /** Writes probe `i`; returns when the write started and how to recognise it in the document. */
  const write = async (transport: Transport, i: number): Promise<{ started: number; shows: (document: RealTimeMetrics) => boolean }> => {
    const shown = await read();
    const before = shown.messagesLastHour;
    // A probe's function name is not on the allow-list of function names, so it counts as `other`.
    const otherBefore = shown.systemPerformance.lambdaMetrics.other?.invocations ?? 0;
    const started = nowMs();
    const occurredAt = new Date().toISOString();
    const functionName = `bench-probe-${i}`;
    const invocation = { eventId: `probe-${seed}-${i}`, type: 'function.invocation', occurredAt, functionName, durationMs: 10, error: false, throttled: false };
    if (transport === 'dynamodb-streams') {
      await dynamo.send(
        new PutItemCommand({
          TableName: info.tables.messages,
          Item: marshall({ conversationId: `probe-${i}`, timestamp: occurredAt, messageId: `probe-${i}`, sender: 'user', language: 'en' }),
        }),
      );
      return { started, shows: (document) => document.messagesLastHour > before };
    }
    if (transport === 'eventbridge') {
      const response = await events.send(
        new PutEventsCommand({
          Entries: [{ EventBusName: info.eventBusName, Source: 'ada-clara.telemetry', DetailType: invocation.type, Detail: JSON.stringify(invocation) }],
        }),
      );
      if (response.FailedEntryCount) throw new Error('PutEvents refused the probe');
    } else {
      const response = await kinesis.send(
        new PutRecordsCommand({
          StreamName: info.telemetryStream,
          Records: [{ PartitionKey: invocation.eventId, Data: Buffer.from(JSON.stringify(invocation)) }],
        }),
      );
      if (response.FailedRecordCount) throw new Error('PutRecords refused the probe');
    }
    return { started, shows: (document) => (document.systemPerformance.lambdaMetrics.other?.invocations ?? 0) > otherBefore };
  };

  const random = seededRandom(seed);
  const samples: Record<Transport, number[]> = { 'dynamodb-streams': [], eventbridge: [], kinesis: [] };
  try {
    await read();
    for (let i = 0; i < probes; i++) {
      const transport = TRANSPORTS[i % TRANSPORTS.length]!;
      // A pause between probes, so the pollers are idle when the write comes, as with real traffic.
      await new Promise((resolve) => setTimeout(resolve, 200 + random() * 600));
      const { started, shows } = await write(transport, i);
      for (;;) {
        if (shows(await read())) break;
        if (nowMs() - started > 15_000) throw new Error(`probe ${i} on ${transport} not visible after 15 s; stack said: ${logs.slice(-5).join(' | ')}`);
      }
      samples[transport].push(nowMs() - started);
    }
  } finally {
    dynamo.destroy();
    events.destroy();
    kinesis.destroy();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
  const all = Object.values(samples).flat();
  return {
    probes: all.length,
    p50Ms: round(median(all)),
    p95Ms: round(percentile(all, 95)),
    maxMs: round(Math.max(...all)),
    byTransport: Object.fromEntries(
      TRANSPORTS.map((t) => [t, { p50Ms: round(median(samples[t])), p95Ms: round(percentile(samples[t], 95)) }]),
    ) as FreshnessResult['byTransport'],
    readP50Ms: round(median(readTimes)),
  };
}
