import { type AttributeValue, DescribeTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Pacer } from './pacer';

/** An item or key exactly as DynamoDB returns it (marshalled), which is also how a stream image carries it. */
export type WireItem = Record<string, AttributeValue>;

/** One parallel-Scan segment of a table, from where an earlier run stopped (`startKey`) or from its beginning. */
export interface ScanSegment {
  tableName: string;
  segment: number;
  totalSegments: number;
  startKey?: WireItem;
  /** Items per page; by default DynamoDB's own 1 MB pages. */
  limit?: number;
}

export interface ScannedPage {
  items: WireItem[];
  /** Where the next page starts; absent on the segment's last page. */
  nextKey?: WireItem;
  /** Read capacity units the page consumed, as DynamoDB reports it. */
  readUnits: number;
}

/**
 * Reads one segment page by page, each page paced by `pacer` (shared by every segment, so the
 * budget holds for the whole run). Eventually consistent reads: half the cost of strongly
 * consistent ones, and a write still in flight is delivered by the stream anyway.
 */
export async function* scanSegment(client: DynamoDBClient, segment: ScanSegment, pacer: Pacer): AsyncGenerator<ScannedPage> {
  let startKey = segment.startKey;
  // The first page's cost is unknown; afterwards each page is expected to cost what the last one did.
  let expected = 1;
  do {
    await pacer.acquire(expected);
    const page = await client.send(
      new ScanCommand({
        TableName: segment.tableName,
        ...(segment.totalSegments > 1 && { Segment: segment.segment, TotalSegments: segment.totalSegments }),
        ...(startKey && { ExclusiveStartKey: startKey }),
        ...(segment.limit && { Limit: segment.limit }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const readUnits = page.ConsumedCapacity?.CapacityUnits ?? 0;
    pacer.settle(readUnits - expected);
    expected = Math.max(1, readUnits);
    startKey = page.LastEvaluatedKey;
    yield { items: page.Items ?? [], ...(startKey && { nextKey: startKey }), readUnits };
  } while (startKey);
}

/**
 * DynamoDB's item count of a table, for the progress estimate only: AWS refreshes it about every
 * six hours, so it may be off; undefined when the table cannot be described.
 */
export async function approximateItemCount(client: DynamoDBClient, tableName: string): Promise<number | undefined> {
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return described.Table?.ItemCount;
  } catch {
    return undefined;
  }
}
