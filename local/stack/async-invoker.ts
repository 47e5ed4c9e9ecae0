export interface AsyncInvokerOptions<E> {
  name: string;
  handler: (event: E) => Promise<unknown>;
  /** Delays before each retry; Lambda makes two, about 1 and 2 minutes after the failure. */
  retryDelaysMs: readonly number[];
  /** On-failure destination: the event and why its last attempt failed. */
  onFailure: (event: E, reason: string) => Promise<void>;
  /** Invocations running at once (the function's concurrency). */
  concurrency?: number;
}

/**
 * Lambda's asynchronous invocation, as EventBridge uses it: the caller is answered at once,
 * the event waits in an internal queue, a failed invocation is retried after each delay, and
 * an event whose retries all failed goes to the on-failure destination.
 */
export class AsyncInvoker<E> {
  private readonly queue: { event: E; attempt: number }[] = [];
  private running = 0;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private idleWaiters: (() => void)[] = [];
  readonly stats = { invocations: 0, failedInvocations: 0, givenUp: 0 };

  constructor(private readonly options: AsyncInvokerOptions<E>) {}

  /** Queued, running or waiting for a retry. */
  get pending(): number {
    return this.queue.length + this.running + this.timers.size;
  }

  invoke(event: E): void {
    this.queue.push({ event, attempt: 0 });
    this.pump();
  }

  /** Resolves when nothing is queued, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs waiting retries now (a clean stop does not wait out Lambda's delays). */
  hurry(): void {
    for (const [timer, retry] of this.timers) {
      clearTimeout(timer);
      retry();
    }
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 16;
    while (this.running < concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.running++;
      void this.attempt(next.event, next.attempt).finally(() => {
        this.running--;
        this.pump();
        if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async attempt(event: E, attempt: number): Promise<void> {
    this.stats.invocations++;
    try {
      await this.options.handler(event);
    } catch (error) {
      this.stats.failedInvocations++;
      const delay = this.options.retryDelaysMs[attempt];
      if (delay === undefined) {
        this.stats.givenUp++;
        await this.options.onFailure(event, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        return;
      }
      const retry = () => {
        this.timers.delete(timer);
        this.queue.push({ event, attempt: attempt + 1 });
        this.pump();
      };
      const timer = setTimeout(retry, delay);
      this.timers.set(timer, retry);
    }
  }
}
