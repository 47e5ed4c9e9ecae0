import { setTimeout as delay } from 'node:timers/promises';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { compareSequences } from '../../aggregators/sequence';
import type { TableStream } from './table-stream';

export type DynamoDbStreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

export interface DynamoDbStreamSourceOptions {
  stream: TableStream;
  handler: DynamoDbStreamHandler;
  batchSize?: number;
  /** MaximumBatchingWindowInSeconds, in ms: a partial batch waits this long for more records. */
  batchingWindowMs?: number;
  /** MaximumRetryAttempts: retries of a failing batch before it goes to `onFailure`. */
  maxRetries?: number;
  /** BisectBatchOnFunctionError. */
  bisectOnError?: boolean;
  onFailure?: (records: DynamoDBRecord[], reason: string) => Promise<void>;
  /** Asked after each delivery: deliver the same batch once more (at-least-once). */
  deliverAgain?: () => boolean;
}

interface ShardCursor {
  index: number;
  position: number;
  limit: number;
  attempts: number;
  busy: boolean;
}

/** Waits `ms`, or less if `signal` aborts first. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal && { signal }).catch(() => undefined);

/**
 * Lambda's DynamoDB Streams event source mapping, over a local TableStream: per shard, in
 * order, one batch at a time, with batch size and batching window, ReportBatchItemFailures
 * (resume at the lowest failed SequenceNumber; an unknown or empty identifier fails the whole
 * batch, as on AWS), bisection on function errors, bounded retries, then the on-failure
 * destination.
 */
export class DynamoDbStreamSource {
  private readonly cursors: ShardCursor[];
  private readonly batchSize: number;
  private readonly windowMs: number;
  private readonly maxRetries: number;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly waiters = new Set<() => void>();
  /** Why the last delivery could not even be completed (the on-failure destination refused), for the health report. */
  lastError: string | undefined;
  /** Invocations made and records given up on, for the health report. */
  readonly stats = { invocations: 0, failedInvocations: 0, recordsDelivered: 0, recordsGivenUp: 0 };

  constructor(private readonly options: DynamoDbStreamSourceOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.windowMs = options.batchingWindowMs ?? 0;
    this.maxRetries = options.maxRetries ?? 10;
    this.cursors = Array.from({ length: options.stream.shardCount }, (_, index) => ({
      index,
      // TRIM_HORIZON, as serverless.yml starts the mappings: nothing already written is skipped.
      position: options.stream.start(index),
      limit: this.batchSize,
      attempts: 0,
      busy: false,
    }));
    options.stream.onAppend(() => this.wakeAll());
  }

  get tableName(): string {
    return this.options.stream.tableName;
  }

  /** Records appended but not yet processed or given up on. */
  get backlog(): number {
    return this.cursors.reduce((sum, cursor) => sum + this.options.stream.end(cursor.index) - cursor.position, 0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.cursors.map((cursor) => this.loop(cursor));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    await Promise.all(this.loops);
  }

  /**
   * Delivers until every shard is empty or `signal` says to stop waiting (a clean stop; the loops
   * must be stopped first). A failing batch is retried with the loop's pauses, and given up on
   * only as Lambda would, after its retries: a stop is no reason to dead-letter anything.
   */
  async drain(signal: AbortSignal = new AbortController().signal): Promise<void> {
    let failures = 0;
    while (this.backlog > 0 && !signal.aborted) {
      const moved = await Promise.all(this.cursors.map((cursor) => this.deliverCatching(cursor)));
      if (moved.some(Boolean)) failures = 0;
      else await sleep(Math.min(1000, 25 * 2 ** failures++), signal);
    }
  }

  private async loop(cursor: ShardCursor): Promise<void> {
    while (this.running) {
      const { records, firstAppendedAt } = this.options.stream.read(cursor.index, cursor.position, this.batchSize);
      if (records.length === 0) {
        await this.nextAppend();
        continue;
      }
      const waited = Date.now() - (firstAppendedAt ?? 0);
      if (records.length < this.batchSize && waited < this.windowMs) {
        await sleep(this.windowMs - waited);
        continue;
      }
      const progressed = await this.deliverCatching(cursor);
      // A failing batch is retried with a short, growing pause, not in a hot loop.
      if (!progressed) await sleep(Math.min(1000, 50 * Math.max(1, cursor.attempts)));
    }
  }

  /** `deliver`, with a failure of the on-failure destination itself kept for the health report and retried. */
  private async deliverCatching(cursor: ShardCursor): Promise<boolean> {
    try {
      const moved = await this.deliver(cursor);
      this.lastError = undefined;
      return moved;
    } catch (error) {
      this.lastError = `on-failure destination: ${String(error)}`;
      return false;
    }
  }

  /** One invocation for the shard's next batch; true when the shard moved forward. */
  private async deliver(cursor: ShardCursor): Promise<boolean> {
    if (cursor.busy) return false;
    cursor.busy = true;
    try {
      const { records: batch } = this.options.stream.read(cursor.index, cursor.position, Math.min(cursor.limit, this.batchSize));
      if (batch.length === 0) return false;
      const { done, reason } = await this.invoke(cursor, batch);
      if (done > 0) {
        this.advance(cursor, done);
        this.stats.recordsDelivered += done;
        cursor.attempts = 0;
        if (done === batch.length) cursor.limit = this.batchSize;
        return true;
      }
      if (++cursor.attempts <= this.maxRetries) return false;
      // Retries exhausted: like Lambda, hand the batch to the on-failure destination and move on
      // (only once it is there: a destination that refuses it means the batch is tried again).
      await this.options.onFailure?.(batch, reason);
      this.advance(cursor, batch.length);
      cursor.attempts = 0;
      this.stats.recordsGivenUp += batch.length;
      return true;
    } finally {
      cursor.busy = false;
    }
  }

  /** How many records of the batch are done (a prefix) and, if not all, why. */
  private async invoke(cursor: ShardCursor, batch: DynamoDBRecord[]): Promise<{ done: number; reason: string }> {
    this.stats.invocations++;
    try {
      let response = await this.options.handler({ Records: batch });
      if (this.options.deliverAgain?.()) response = await this.options.handler({ Records: structuredClone(batch) });
      const ids = (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      if (ids.length === 0) return { done: batch.length, reason: '' };
      this.stats.failedInvocations++;
      const known = new Set(batch.map((record) => record.dynamodb?.SequenceNumber));
      if (ids.some((id) => !id || !known.has(id))) return { done: 0, reason: 'batchItemFailures named a record not in the batch' };
      const lowest = ids.sort(compareSequences)[0]!;
      return { done: batch.findIndex((record) => record.dynamodb?.SequenceNumber === lowest), reason: 'batchItemFailures' };
    } catch (error) {
      this.stats.failedInvocations++;
      if (this.options.bisectOnError && batch.length > 1) cursor.limit = Math.ceil(batch.length / 2);
      return { done: 0, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
  }

  private wakeAll(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Resolves on the next append (or after a second, so a stop is never missed). */
  private nextAppend(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private advance(cursor: ShardCursor, count: number): void {
    cursor.position += count;
    this.options.stream.release(cursor.index, cursor.position);
  }
}
