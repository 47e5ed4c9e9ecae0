import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { KEY_ATTRIBUTE } from '../../store/layout';
import { PRODUCER_TABLE_KEYS } from '../../schemas/producer-items';
import { createStream, createTable, localDynamoClient, localKinesisClient, type Engine } from '../engines';
import { startEngineChild } from './engine-child';
import { STACK_NAMES } from './names';
import type { Persistence } from './persistence';
import { Signal } from './signal';

export interface Engines {
  /** dynalite itself; producers use the change-capture proxy in front of it instead. */
  dynalite: Engine;
  kinesalite: Engine;
  /** Clients for setup and for the stack's own functions. */
  dynamo: DynamoDBClient;
  kinesis: KinesisClient;
  /** Notified after every PutRecord(s) kinesalite answers, so pollers need not spin. */
  kinesisPuts: Signal;
  close(): Promise<void>;
}

export const TELEMETRY_SHARDS = 2;
export const PULSE_SHARDS = 4;

/**
 * dynalite with the producer tables and the metrics table, and kinesalite with the producers'
 * telemetry stream and the internal pulse-events stream, each in a child process of its own: the
 * stack runs on one machine, and these are its busiest parts. On disk both keep their data, so
 * records accepted by Kinesis survive any stop (the mappings resume from their checkpoints). In
 * memory a stream is recreated at each start; its sequence numbers are higher than the old ones
 * (they begin with the shard's creation time), so the aggregator's per-shard watermarks stay valid.
 */
export async function startEngines(persistence: Persistence, kinesisPort: number): Promise<Engines> {
  const kinesisPuts = new Signal();
  const [dynalite, kinesaliteEngine] = await startBoth(
    startEngineChild('dynalite', { port: 0, ...(persistence.kind === 'disk' && { path: persistence.dynamodbPath }) }),
    // Lambda polls a shard about once a second; being told of each put lets the local pollers deliver at once.
    startEngineChild('kinesalite', {
      port: kinesisPort,
      portName: { what: 'Kinesis endpoint', flag: '--kinesis-port' },
      ...(persistence.kind === 'disk' && { path: persistence.kinesisPath }),
      onPut: () => kinesisPuts.notify(),
    }),
  );
  const dynamo = localDynamoClient(dynalite.endpoint);
  const kinesis = localKinesisClient(kinesaliteEngine.endpoint);
  const { chatSessions, messages, escalations, metrics } = STACK_NAMES.tables;
  await createTable(dynamo, chatSessions, PRODUCER_TABLE_KEYS['chat-sessions']);
  await createTable(dynamo, messages, PRODUCER_TABLE_KEYS.messages);
  await createTable(dynamo, escalations, PRODUCER_TABLE_KEYS.escalations);
  await createTable(dynamo, metrics, [KEY_ATTRIBUTE]);
  await createStream(kinesis, STACK_NAMES.telemetryStream, TELEMETRY_SHARDS);
  await createStream(kinesis, STACK_NAMES.pulseStream, PULSE_SHARDS);
  return {
    dynalite,
    kinesalite: kinesaliteEngine,
    dynamo,
    kinesis,
    kinesisPuts,
    close: async () => {
      dynamo.destroy();
      kinesis.destroy();
      await Promise.all([dynalite.close(), kinesaliteEngine.close()]);
    },
  };
}

/** Both engines, or neither: one that started is stopped again if the other failed. */
async function startBoth(a: Promise<Engine>, b: Promise<Engine>): Promise<[Engine, Engine]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === 'fulfilled' && second.status === 'fulfilled') return [first.value, second.value];
  await Promise.all([first, second].map((result) => (result.status === 'fulfilled' ? result.value.close() : undefined)));
  throw [first, second].map((result) => (result.status === 'rejected' ? result.reason : undefined)).find(Boolean);
}
