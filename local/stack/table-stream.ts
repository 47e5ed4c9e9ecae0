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

export interface StreamEntry {
  record: DynamoDBRecord;
  appendedAt: number;
}

/** What names a stream and its shards: kept across restarts, so a restored record comes back to the stream it was written to. */
export interface StreamIdentity {
  label: string;
  shardIds: string[];
}

/** Told of every append and release, so the records not yet passed on outlive the process (see change-capture-journal.ts). */
export interface StreamLog {
  appended(tableName: string, shard: number, entry: StreamEntry, intent: number | undefined): void;
  released(tableName: string, shard: number, throughSequence: string): void;
}

export interface TableStreamOptions {
  identity?: StreamIdentity;
  /** Records of an earlier run not yet released, per shard, in order. */
  restored?: readonly (readonly StreamEntry[])[];
  log?: StreamLog;
}

interface Shard {
  shardId: string;
  /** Records not yet released by the reader; `released` of them came before `records[0]`. */
  records: StreamEntry[];
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

/** A new stream's label and shard ids, shaped like DynamoDB's. */
export function newStreamIdentity(shardCount: number): StreamIdentity {
  return {
    label: new Date().toISOString().replace('Z', ''),
    shardIds: Array.from({ length: shardCount }, (_, i) => `shardId-${String(Date.now()).padStart(20, '0')}-${randomBytes(4).toString('hex')}${i}`),
  };
}

const sequenceOf = (entry: StreamEntry): bigint => BigInt(entry.record.dynamodb?.SequenceNumber ?? '0');

/**
 * The DynamoDB stream of one table (NEW_AND_OLD_IMAGES): records of one key always go to the
 * same shard, in the order their writes happened, with sequence numbers that grow per shard —
 * also across restarts, since they start from the clock (or after the last restored record).
 * Kept in memory; with a `log`, every append and release is also written down, so a restart
 * can restore what had not been passed on.
 */
export class TableStream {
  readonly arn: string;
  readonly identity: StreamIdentity;
  private readonly shards: Shard[];
  private readonly listeners = new Set<() => void>();
  private readonly log: StreamLog | undefined;

  constructor(
    readonly tableName: string,
    shardCount: number,
    options: TableStreamOptions = {},
  ) {
    this.identity = options.identity ?? newStreamIdentity(shardCount);
    this.log = options.log;
    this.arn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${tableName}/stream/${this.identity.label}`;
    // 21+ digits like the real ones; starting from the clock keeps them growing after a restart.
    const start = BigInt(Date.now()) * 10n ** 8n;
    this.shards = this.identity.shardIds.map((shardId, i) => {
      const records = [...(options.restored?.[i] ?? [])];
      const last = records.at(-1);
      return { shardId, records, released: 0, nextSequence: last && sequenceOf(last) > start ? sequenceOf(last) : start };
    });
  }

  get shardCount(): number {
    return this.shards.length;
  }

  /**
   * Turns a write into its stream record; a write that changed nothing yields none, as on AWS.
   * `intent` is the change capture's note of the write, which the logged record settles.
   */
  append(change: ItemChange, at = Date.now(), intent?: number): DynamoDBRecord | undefined {
    const { keys, oldImage, newImage } = change;
    const eventName = oldImage && newImage ? 'MODIFY' : newImage ? 'INSERT' : oldImage ? 'REMOVE' : undefined;
    if (!eventName || (eventName === 'MODIFY' && canonical(oldImage) === canonical(newImage))) return undefined;
    const index = this.shardOf(keys);
    const shard = this.shards[index]!;
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
    const entry = { record, appendedAt: at };
    this.log?.appended(this.tableName, index, entry, intent);
    shard.records.push(entry);
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
    const through = shard.records[drop - 1]!.record.dynamodb?.SequenceNumber ?? '0';
    shard.records.splice(0, drop);
    shard.released = position;
    this.log?.released(this.tableName, index, through);
  }

  /** Records not yet released, per shard, in order: what a rewrite of the log keeps. */
  unreleased(): readonly (readonly StreamEntry[])[] {
    return this.shards.map((shard) => shard.records);
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
