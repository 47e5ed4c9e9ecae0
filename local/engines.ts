import { CreateTableCommand, DynamoDBClient, type KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KEY_ATTRIBUTE } from '../store/layout';

/** Local stand-ins for AWS: real DynamoDB- and Kinesis-API servers on 127.0.0.1. */
export interface Engine {
  endpoint: string;
  close(): Promise<void>;
}

async function listen(server: Server, port: number): Promise<Engine> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** dynalite, in memory unless `path` is given (LevelDB files there survive a restart). */
export const startDynalite = (options: { path?: string; port?: number } = {}): Promise<Engine> =>
  listen(dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path && { path: options.path }) }), options.port ?? 0);

export const startKinesalite = (options: { path?: string; port?: number } = {}): Promise<Engine> =>
  listen(
    kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100, ...(options.path && { path: options.path }) }),
    options.port ?? 0,
  );

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * `quickRetries`: the SDK's own retry rules (throttles and transient errors retried, client
 * errors not) with a 10, 20 ms backoff instead of its 100 ms–seconds, like every other delay of
 * the local stack, so chaos runs and tests that throttle on purpose do not spend minutes asleep.
 */
export const localDynamoClient = (endpoint: string, options: { maxAttempts?: number; quickRetries?: boolean } = {}): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    ...(options.quickRetries
      ? { retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? 3, (attempt) => 10 * attempt) }
      : { maxAttempts: options.maxAttempts ?? 3 }),
  });

/** kinesalite speaks HTTP/1.1 only; the SDK's default HTTP/2 handler fails against it. */
export const localKinesisClient = (endpoint: string): KinesisClient =>
  new KinesisClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler(), maxAttempts: 3 });

export async function createTable(client: DynamoDBClient, tableName: string, keys: readonly string[] = [KEY_ATTRIBUTE]): Promise<void> {
  const KeySchema: KeySchemaElement[] = keys.map((name, i) => ({ AttributeName: name, KeyType: i === 0 ? 'HASH' : 'RANGE' }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema,
        AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
}

export async function createStream(client: KinesisClient, streamName: string, shardCount: number): Promise<void> {
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`stream ${streamName} did not become active`);
}
