import { setTimeout as delay } from 'node:timers/promises';
import { KinesisEventSource, type KinesisEventSourceOptions } from '../kinesis-event-source';
import type { Signal } from './signal';

/** Waits `ms`, or less if `signal` aborts first. */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(ms, undefined, signal && { signal }).catch(() => undefined);

/**
 * Keeps a KinesisEventSource polling, as Lambda's poller does: while records flow it polls
 * again at once; a batch that failed is retried after a short, growing pause; after an empty
 * poll it waits for the next put (or `idleMs`, as a safety net), then `batchingWindowMs`
 * more, so that records written close together arrive as one batch.
 */
export class KinesisPoller {
  private readonly source: KinesisEventSource;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private invocations = 0;
  /** The last error of a poll itself (kinesalite unreachable…), for the health report. */
  lastError: string | undefined;

  constructor(
    readonly name: string,
    options: KinesisEventSourceOptions,
    private readonly puts: Signal,
    private readonly timing: { idleMs: number; batchingWindowMs: number },
    private readonly log: (line: string) => void,
  ) {
    this.source = new KinesisEventSource({
      ...options,
      handler: (event) => {
        this.invocations++;
        return options.handler(event);
      },
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * Delivers what is left, until every shard is read to its end or `signal` says to stop waiting
   * (the loop must be stopped first: a shard has one poller). Failing batches are retried with
   * the loop's pauses and given up on only after their retries, as Lambda would.
   */
  async drain(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      let handled: number;
      try {
        handled = await this.source.pollOnce();
      } catch (error) {
        this.lastError = String(error);
        await sleep(this.timing.idleMs, signal);
        continue;
      }
      if (handled > 0) {
        failures = 0;
        continue;
      }
      if (await this.source.idle()) return;
      await sleep(Math.min(1000, 25 * 2 ** failures++), signal);
    }
  }

  /** What a drain still waits for. */
  get waiting(): { buffered: number; shardsBehind: number } {
    return this.source.waiting;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const invokedBefore = this.invocations;
      let handled = 0;
      try {
        handled = await this.source.pollOnce();
        this.lastError = undefined;
      } catch (error) {
        if (this.lastError === undefined) this.log(`${this.name}: poll failed, retrying: ${String(error)}`);
        this.lastError = String(error);
        await sleep(this.timing.idleMs);
        continue;
      }
      if (handled > 0) {
        failures = 0;
        continue;
      }
      if (this.invocations > invokedBefore) {
        // The function was called and nothing moved on: a failed batch, which Lambda retries.
        await sleep(Math.min(1000, 25 * 2 ** failures++));
        continue;
      }
      failures = 0;
      await this.puts.wait(this.timing.idleMs);
      if (this.timing.batchingWindowMs > 0) await sleep(this.timing.batchingWindowMs);
    }
  }
}
