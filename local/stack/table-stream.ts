import { createHash, randomBytes } from 'node:crypto';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './names';

/** An item in DynamoDB's JSON wire format, exactly as a stream record carries it. */
export type WireItem = Record<string, AttributeValue>;

export interface ItemChange {
  keys: WireItem;
  oldImage: WireItem | undefined;
  newImage: WireItem | undefined;
}

interface Shard {
  shardId: string;
  /** Records not yet released by the reader; `released` of them came before `records[0]`. */
  records: { record: DynamoDBRecord; appendedAt: number }[];
  released: number;
  nextSequence: bigint;
}

/** Attribute order and number spelling aside, the same item? (DynamoDB writes no record for a no-op.) */
const canonical = (value: unknown): string =>
  value === null || typeof value !== 'object'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : `{${Object.keys(value)
          .sort()
          .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
          .join(',')}}`;

/**
 * The DynamoDB stream of one table (NEW_AND_OLD_IMAGES), kept in memory: records of one key
 * always go to the same shard, in the order their writes happened, with sequence numbers that
 * grow per shard — also across restarts, since they start from the clock.
 */
export class TableStream {
  readonly arn: string;
  private readonly shards: Shard[];
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly tableName: string,
    shardCount: number,
    label = new Date().toISOString().replace('Z', ''),
  ) {
    this.arn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}/stream/${label}`;
    // 21+ digits like the real ones; starting from the clock keeps them growing after a restart.
    const start = BigInt(Date.now()) * 10n ** 8n;
    this.shards = Array.from({ length: shardCount }, (_, i) => ({
      shardId: `shardId-${String(Date.now()).padStart(20, '0')}-${randomBytes(4).toString('hex')}${i}`,
      records: [],
      released: 0,
      nextSequence: start,
    }));
  }

  get shardCount(): number {
    return this.shards.length;
  }

  /** Turns a write into its stream record; a write that changed nothing yields none, as on AWS. */
  append(change: ItemChange, at = Date.now()): DynamoDBRecord | undefined {
    const { keys, oldImage, newImage } = change;
    const eventName = oldImage && newImage ? 'MODIFY' : newImage ? 'INSERT' : oldImage ? 'REMOVE' : undefined;
    if (!eventName || (eventName === 'MODIFY' && canonical(oldImage) === canonical(newImage))) return undefined;
    const shard = this.shards[this.shardOf(keys)]!;
    const sequenceNumber = (++shard.nextSequence).toString();
    const images = { Keys: keys, ...(newImage && { NewImage: newImage }), ...(oldImage && { OldImage: oldImage }) };
    const record: DynamoDBRecord = {
      eventID: randomBytes(16).toString('hex'),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: LOCAL_REGION,
      dynamodb: {
        // Whole seconds, as DynamoDB Streams reports them to Lambda.
        ApproximateCreationDateTime: Math.floor(at / 1000),
        ...images,
        SequenceNumber: sequenceNumber,
        SizeBytes: Buffer.byteLength(JSON.stringify(images)),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: this.arn,
    };
    shard.records.push({ record, appendedAt: at });
    for (const listener of this.listeners) listener();
    return record;
  }

  /** Records of shard `index` from absolute position `from`, at most `limit`, with when the first was appended. */
  read(index: number, from: number, limit: number): { records: DynamoDBRecord[]; firstAppendedAt: number | undefined } {
    const shard = this.shards[index]!;
    const slice = shard.records.slice(from - shard.released, from - shard.released + limit);
    return { records: slice.map((entry) => entry.record), firstAppendedAt: slice[0]?.appendedAt };
  }

  /** Absolute position of the oldest record still kept in shard `index` (TRIM_HORIZON). */
  start(index: number): number {
    return this.shards[index]!.released;
  }

  /** Absolute position after the last record of shard `index`. */
  end(index: number): number {
    const shard = this.shards[index]!;
    return shard.released + shard.records.length;
  }

  shardId(index: number): string {
    return this.shards[index]!.shardId;
  }

  /**
   * Forgets records before `position`: AWS keeps them 24 h, but the only reader here has
   * passed them, and keeping them would grow without bound under the simulator.
   */
  release(index: number, position: number): void {
    const shard = this.shards[index]!;
    const drop = position - shard.released;
    if (drop <= 0) return;
    shard.records.splice(0, drop);
    shard.released = position;
  }

  /** Called after every append (the event source waits on it instead of spinning). */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private shardOf(keys: WireItem): number {
    return createHash('md5').update(canonical(keys)).digest().readUInt32BE(0) % this.shards.length;
  }
}
