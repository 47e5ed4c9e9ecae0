import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisApiRecord,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { compareSequences } from '../aggregators/sequence';

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | undefined>;

/** Where one mapping keeps its place, per shard: the last record it finished with (handled or given up on). */
export interface ShardCheckpoints {
  get(shardId: string): string | undefined;
  set(shardId: string, sequenceNumber: string): void;
}

export interface KinesisEventSourceOptions {
  client: KinesisClient;
  streamName: string;
  handler: KinesisHandler;
  batchSize?: number;
  /** Retries of a failing batch before its records go to `onFailure` (Lambda's maximumRetryAttempts). */
  maxRetries?: number;
  /** Halve a batch that throws and retry the halves (Lambda's bisectBatchOnFunctionError). */
  bisectOnError?: boolean;
  onFailure?: (records: KinesisStreamRecord[], reason: string) => Promise<void>;
  /** Asked after each delivery: deliver the same batch once more (Lambda may, after a timeout). */
  deliverAgain?: () => boolean;
  /** Where each shard's place is kept across restarts; without, every start reads from TRIM_HORIZON. */
  checkpoints?: ShardCheckpoints;
}

interface ShardState {
  shardId: string;
  iterator?: string;
  buffer: KinesisStreamRecord[];
  limit: number;
  attempts: number;
  /** The last read found nothing new: the shard is read to its end. */
  caughtUp: boolean;
}

/**
 * Lambda's Kinesis event source mapping, played locally against kinesalite: per shard, in order,
 * one batch at a time; `batchItemFailures` resume from the lowest failed record; a batch that
 * throws is retried (bisected if asked) until its retries run out, then sent to `onFailure`.
 */
export class KinesisEventSource {
  private shards: ShardState[] | undefined;
  private readonly batchSize: number;
  private readonly maxRetries: number;
  private streamArn = '';

  constructor(private readonly options: KinesisEventSourceOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.maxRetries = options.maxRetries ?? 10;
  }

  /** Delivers at most one batch per shard; returns how many records were handled or given up on. */
  async pollOnce(): Promise<number> {
    const shards = await this.loadShards();
    const handled = await Promise.all(shards.map((shard) => this.pollShard(shard)));
    return handled.reduce((a, b) => a + b, 0);
  }

  /** Polls until every shard is empty; `maxRounds` bounds a handler that never succeeds. */
  async drain(maxRounds = 10_000): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if ((await this.pollOnce()) === 0 && (await this.idle())) return;
    }
    throw new Error(`${this.options.streamName} did not drain in ${maxRounds} rounds`);
  }

  /** True when every shard's buffer is empty and a fresh read finds nothing new. */
  async idle(): Promise<boolean> {
    const shards = await this.loadShards();
    for (const shard of shards) {
      if (shard.buffer.length > 0) return false;
      await this.fill(shard);
      if (shard.buffer.length > 0) return false;
    }
    return true;
  }

  private async loadShards(): Promise<ShardState[]> {
    if (!this.shards) {
      const description = await this.options.client.send(new DescribeStreamCommand({ StreamName: this.options.streamName }));
      this.streamArn = description.StreamDescription?.StreamARN ?? this.options.streamName;
      this.shards = (description.StreamDescription?.Shards ?? []).map((shard) => ({
        shardId: shard.ShardId!,
        buffer: [],
        limit: this.batchSize,
        attempts: 0,
        caughtUp: false,
      }));
    }
    return this.shards;
  }

  private async fill(shard: ShardState): Promise<void> {
    if (shard.buffer.length >= this.batchSize) return;
    if (!shard.iterator) {
      const after = this.options.checkpoints?.get(shard.shardId);
      const iterator = await this.options.client.send(
        new GetShardIteratorCommand({
          StreamName: this.options.streamName,
          ShardId: shard.shardId,
          ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
        }),
      );
      shard.iterator = iterator.ShardIterator;
    }
    const response = await this.options.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
    if (response.NextShardIterator) shard.iterator = response.NextShardIterator;
    const records = response.Records ?? [];
    shard.caughtUp = records.length === 0;
    shard.buffer.push(...records.map((record) => this.toLambdaRecord(shard.shardId, record)));
  }

  /** What a drain still waits for: records read and not yet handled, and shards not yet read to their end. */
  get waiting(): { buffered: number; shardsBehind: number } {
    const shards = this.shards ?? [];
    return { buffered: shards.reduce((sum, shard) => sum + shard.buffer.length, 0), shardsBehind: shards.filter((shard) => !shard.caughtUp).length };
  }

  /** Takes the first `count` records of the shard's buffer as finished with, and keeps the place. */
  private finish(shard: ShardState, count: number): void {
    const last = shard.buffer[count - 1];
    shard.buffer.splice(0, count);
    if (last) this.options.checkpoints?.set(shard.shardId, last.kinesis.sequenceNumber);
  }

  private async pollShard(shard: ShardState): Promise<number> {
    await this.fill(shard);
    const batch = shard.buffer.slice(0, Math.min(shard.limit, this.batchSize));
    if (batch.length === 0) return 0;
    let failedFrom: string | undefined;
    let reason = '';
    try {
      let response = await this.options.handler({ Records: batch });
      if (this.options.deliverAgain?.()) response = await this.options.handler({ Records: structuredClone(batch) });
      const failed = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier).filter((id): id is string => Boolean(id));
      failedFrom = failed.sort(compareSequences)[0];
      reason = 'batchItemFailures';
    } catch (error) {
      failedFrom = batch[0]!.kinesis.sequenceNumber;
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (this.options.bisectOnError && batch.length > 1) shard.limit = Math.ceil(batch.length / 2);
    }
    const done =
      failedFrom === undefined
        ? batch.length
        : Math.max(
            0,
            batch.findIndex((record) => record.kinesis.sequenceNumber === failedFrom),
          );
    if (done > 0) {
      this.finish(shard, done);
      shard.attempts = 0;
      if (failedFrom === undefined) shard.limit = this.batchSize;
      return done;
    }
    if (++shard.attempts <= this.maxRetries) return 0;
    // Retries exhausted: like Lambda, give up on the whole batch (bisection has made it small).
    const given = batch;
    await this.options.onFailure?.(given, reason);
    this.finish(shard, given.length);
    shard.attempts = 0;
    return given.length;
  }

  private toLambdaRecord(shardId: string, record: KinesisApiRecord): KinesisStreamRecord {
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey!,
        sequenceNumber: record.SequenceNumber!,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${record.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
      awsRegion: 'us-east-1',
      eventSourceARN: this.streamArn,
    };
  }
}
