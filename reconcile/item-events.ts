import type { DynamoDBRecord } from 'aws-lambda';
import type { Decoded } from '../schemas/decode-result';
import { PRODUCER_TABLE_KEYS, type ProducerTable } from '../schemas/producer-items';
import { decodeStreamRecord } from '../schemas/transports/dynamodb-stream';
import type { WireItem } from './table-scan';

/**
 * The stream record a scanned item would have produced had its table been captured when it was
 * written: an INSERT carrying the item as its new image. Nothing else of the record is read by
 * the decoder, so the identity fields only have to be well formed.
 */
export function insertRecordOf(table: ProducerTable, tableName: string, item: WireItem): DynamoDBRecord {
  const keys = Object.fromEntries(PRODUCER_TABLE_KEYS[table].map((name) => [name, item[name]]));
  return {
    eventID: 'rebuild',
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'rebuild',
    eventSourceARN: `arn:aws:dynamodb:rebuild:000000000000:table/${tableName}/stream/rebuild`,
    dynamodb: {
      Keys: keys as NonNullable<DynamoDBRecord['dynamodb']>['Keys'],
      NewImage: item as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'],
      SequenceNumber: '0',
      SizeBytes: 0,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/**
 * The canonical events an item of a producer table stands for, through the very decoder of the
 * live stream: a new item yields every fact it records (start, latest activity, end; message;
 * creation and each transition), each with the deterministic eventId the live path gives it.
 * Applied again, a fact the live path already applied changes nothing.
 */
export const eventsOfItem = (table: ProducerTable, tableName: string, item: WireItem, now: Date): Decoded =>
  decodeStreamRecord(table, insertRecordOf(table, tableName, item), now);
