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
}

interface ShardState {
  shardId: string;
  iterator?: string;
  buffer: KinesisStreamRecord[];
  limit: number;
  attempts: number;
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

  private async idle(): Promise<boolean> {
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
      }));
    }
    return this.shards;
  }

  private async fill(shard: ShardState): Promise<void> {
    if (shard.buffer.length >= this.batchSize) return;
    if (!shard.iterator) {
      const iterator = await this.options.client.send(
        new GetShardIteratorCommand({ StreamName: this.options.streamName, ShardId: shard.shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      shard.iterator = iterator.ShardIterator;
    }
    const response = await this.options.client.send(new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }));
    if (response.NextShardIterator) shard.iterator = response.NextShardIterator;
    shard.buffer.push(...(response.Records ?? []).map((record) => this.toLambdaRecord(shard.shardId, record)));
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
      shard.buffer.splice(0, done);
      shard.attempts = 0;
      if (failedFrom === undefined) shard.limit = this.batchSize;
      return done;
    }
    if (++shard.attempts <= this.maxRetries) return 0;
    // Retries exhausted: like Lambda, give up on the whole batch (bisection has made it small).
    const given = batch;
    shard.buffer.splice(0, given.length);
    shard.attempts = 0;
    await this.options.onFailure?.(given, reason);
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
