import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent, EventBridgeEvent, KinesisStreamEvent, KinesisStreamRecord, StreamRecord } from 'aws-lambda';
import type { CanonicalEvent, CanonicalEventInput } from '../../schemas/canonical-events';
import type { Decoded } from '../../schemas/decode-result';
import {
  PRODUCER_TABLE_KEYS,
  type ChatSessionItemInput,
  type EscalationItemInput,
  type MessageItemInput,
  type ProducerTable,
} from '../../schemas/producer-items';
import type { EventBridgeSource } from '../../schemas/transports/eventbridge';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

const load =
  <T>(name: string) =>
  (): T =>
    JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8')) as T;

/** Captured-shape Lambda events; every call returns a fresh copy that a test may change. */
export const fixtures = {
  chatSessionsStream: load<DynamoDBStreamEvent>('dynamodb-stream-chat-sessions.json'),
  escalationsStream: load<DynamoDBStreamEvent>('dynamodb-stream-escalations.json'),
  kinesisStream: load<KinesisStreamEvent>('kinesis-stream.json'),
  eventBridge: load<EventBridgeEvent<string, unknown>>('eventbridge-event.json'),
};

/** `list[index]`, failing the test if it is not there (the lists are typed as possibly short). */
export function nth<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no element ${index} in a list of ${list.length}`);
  return item;
}

// Sequence numbers only have to grow within a shard, as the real ones do.
let sequence = 0n;
const nextSequence = (digits: number) => (10n ** BigInt(digits - 1) + ++sequence).toString();
const nowSeconds = () => Math.floor(Date.now() / 1000);
const nowIso = () => new Date(nowSeconds() * 1000).toISOString().replace('.000Z', 'Z');

export interface ProducerItemInputs {
  'chat-sessions': ChatSessionItemInput;
  messages: MessageItemInput;
  escalations: EscalationItemInput;
}

export interface DynamodbRecordOptions<T extends ProducerTable> {
  newImage?: ProducerItemInputs[T];
  oldImage?: ProducerItemInputs[T];
  sequenceNumber?: string;
  /** Marks a REMOVE as the DynamoDB service's TTL expiry, as Lambda shows it. */
  removedByTtl?: boolean;
}

const image = (item: object | undefined) => item && (marshall(item, { removeUndefinedValues: true }) as unknown as NonNullable<StreamRecord['NewImage']>);

/** A DynamoDB Streams record (NEW_AND_OLD_IMAGES) of a producer's table, as Lambda delivers it. */
export function dynamodbRecord<T extends ProducerTable>(
  table: T,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  { newImage, oldImage, sequenceNumber = nextSequence(21), removedByTtl = false }: DynamodbRecordOptions<T>,
): DynamoDBRecord {
  const item: Record<string, unknown> = { ...(newImage ?? oldImage) };
  const keys = Object.fromEntries(PRODUCER_TABLE_KEYS[table].map((key) => [key, item[key]]));
  const change = { Keys: image(keys), NewImage: image(newImage), OldImage: image(oldImage) };
  return {
    eventID: createHash('md5').update(`${table}/${sequenceNumber}`).digest('hex'),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: REGION,
    dynamodb: {
      ApproximateCreationDateTime: nowSeconds(),
      ...change,
      SequenceNumber: sequenceNumber,
      SizeBytes: Buffer.byteLength(JSON.stringify(change)),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}/stream/2024-05-01T00:00:00.000`,
    ...(removedByTtl ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
  };
}

/** A Kinesis Data Streams record carrying one canonical event as base64 JSON, as Lambda delivers it. */
export function kinesisRecord(event: CanonicalEventInput, sequenceNumber = nextSequence(56)): KinesisStreamRecord {
  const shardId = 'shardId-000000000000';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: event.eventId,
      sequenceNumber,
      data: Buffer.from(JSON.stringify(event)).toString('base64'),
      approximateArrivalTimestamp: Date.now() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/clara-pulse-kinesis`,
    awsRegion: REGION,
    eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/clara-pulse-telemetry`,
  };
}

const SOURCE_BY_SUBJECT: Record<string, EventBridgeSource> = {
  conversation: 'ada-clara.chat',
  message: 'ada-clara.chat',
  escalation: 'ada-clara.escalation',
};
const sourceOf = (type: string) => SOURCE_BY_SUBJECT[type.split('.')[0] ?? ''] ?? 'ada-clara.telemetry';

/** A UUID derived from `seed`, so that the same event gets the same id unless a test asks otherwise. */
const uuidFrom = (seed: string) =>
  createHash('sha1')
    .update(seed)
    .digest('hex')
    .slice(0, 32)
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** An EventBridge event carrying one canonical event as `detail`, as Lambda delivers it from the bus. */
export function eventBridgeEvent(event: CanonicalEventInput, id = uuidFrom(event.eventId)): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': event.type,
    source: sourceOf(event.type),
    account: ACCOUNT,
    time: nowIso(),
    region: REGION,
    resources: [],
    detail: event,
  };
}

/** The events of a decoder's result, failing the test with the reason when it was refused. */
export function eventsOf(decoded: Decoded): CanonicalEvent[] {
  if (!decoded.ok) throw new Error(`expected events, the record was refused: ${decoded.reason}`);
  return decoded.events;
}

/** The reason a decoder refused a record, failing the test when it was accepted. */
export function reasonOf(decoded: Decoded): string {
  if (decoded.ok) throw new Error(`expected a refusal, got ${decoded.events.length} event(s)`);
  return decoded.reason;
}
