/**
 * What one DynamoDB request costs the process that sends it: the AWS SDK's PutItem against the
 * same request as a bare HTTP POST (the body the SDK would send, a dummy signature dynalite does
 * not check), on the same engine, at the same concurrency. End to end at 10,000 events/s is
 * bound by the functions' CPU per request; this separates the SDK's share from HTTP's.
 *
 * The bare POST is a yardstick, not a design: on AWS a request must be signed and goes over TLS.
 */
import { type DynamoDBClient, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { Agent, request } from 'node:http';
import { createTable } from '../local/engines';
import { type ChildEngine, ownCpuSeconds } from './engine';
import { median, round } from './stats';

export interface RequestCost {
  requests: number;
  concurrency: number;
  /** CPU of the sending process per request (ms). */
  sdkCpuMs: number;
  bareHttpCpuMs: number;
  /** CPU of dynalite per request (ms), for each way of sending. */
  sdkEngineCpuMs: number;
  bareHttpEngineCpuMs: number;
}

const CONCURRENCY = 16;

/** A conversation's put as the store sends it: a JSON state, the lane and its watermark, the first-write guard. */
const putOf = (tableName: string, i: number): PutItemCommandInput => ({
  TableName: tableName,
  Item: {
    pk: { S: `C#c-${i}` },
    state: { S: JSON.stringify({ kind: 'conversation', id: `c-${i}`, starts: [], activity: [29553111], ends: [], messages: ['Xq3v9PzL0aBc'] }) },
    lane: { S: 'pulse-events/shardId-000000000003' },
    appliedSeq: { S: String(i).padStart(56, '0') },
  },
  ConditionExpression: 'attribute_not_exists(#pk) OR #lane <> :lane',
  ExpressionAttributeNames: { '#pk': 'pk', '#lane': 'lane' },
  ExpressionAttributeValues: { ':lane': { S: 'pulse-events/shardId-000000000003' } },
  ReturnConsumedCapacity: 'TOTAL',
});

export async function requestCostBench(dynamo: DynamoDBClient, engine: ChildEngine, options: { requests: number; reps: number }): Promise<RequestCost> {
  const tableName = 'request-cost';
  await createTable(dynamo, tableName);
  const endpoint = new URL(engine.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 }); // what the SDK's NodeHttpHandler uses
  const bare = (input: PutItemCommandInput) =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify(input);
      const post = request(
        {
          host: endpoint.hostname,
          port: endpoint.port,
          method: 'POST',
          path: '/',
          agent,
          headers: {
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': 'DynamoDB_20120810.PutItem',
            'x-amz-date': '20260310T000000Z',
            authorization: 'AWS4-HMAC-SHA256 Credential=local/20260310/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { __type?: string };
            if (response.statusCode === 200) resolve();
            else reject(new Error(`bare PutItem: ${response.statusCode} ${parsed.__type}`));
          });
        },
      );
      post.on('error', reject);
      post.end(body);
    });
  const sdk = (input: PutItemCommandInput) => dynamo.send(new PutItemCommand(input)).then(() => undefined);

  let next = 0;
  const measure = async (send: (input: PutItemCommandInput) => Promise<void>) => {
    const cpu = ownCpuSeconds();
    const engineCpu = engine.cpuSeconds();
    let sent = 0;
    const worker = async () => {
      while (sent < options.requests) {
        sent++;
        await send(putOf(tableName, next++));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { own: ((ownCpuSeconds() - cpu) * 1000) / options.requests, engine: ((engine.cpuSeconds() - engineCpu) * 1000) / options.requests };
  };
  try {
    await measure(sdk); // warm up both paths
    await measure(bare);
    const runs = { sdk: [] as { own: number; engine: number }[], bare: [] as { own: number; engine: number }[] };
    for (let rep = 0; rep < options.reps; rep++) {
      runs.sdk.push(await measure(sdk));
      runs.bare.push(await measure(bare));
    }
    const mid = (list: { own: number; engine: number }[], pick: 'own' | 'engine') => round(median(list.map((run) => run[pick])));
    return {
      requests: options.requests,
      concurrency: CONCURRENCY,
      sdkCpuMs: mid(runs.sdk, 'own'),
      bareHttpCpuMs: mid(runs.bare, 'own'),
      sdkEngineCpuMs: mid(runs.sdk, 'engine'),
      bareHttpEngineCpuMs: mid(runs.bare, 'engine'),
    };
  } finally {
    agent.destroy();
  }
}
