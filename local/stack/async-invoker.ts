import type { Journal } from './journal';

/** A line of an invoker's journal: an event accepted (and its number), or done with (handled or sent to the on-failure destination). */
export type InvokerLine<E> = { t: 'queued'; n: number; event: E } | { t: 'done'; n: number };

/** The events a journal holds that were accepted and never done with, in the order they were accepted. */
export function pendingEvents<E>(lines: readonly InvokerLine<E>[]): E[] {
  const pending = new Map<number, E>();
  for (const line of lines) {
    if (line.t === 'queued') pending.set(line.n, line.event);
    else pending.delete(line.n);
  }
  return [...pending.values()];
}

export interface AsyncInvokerOptions<E> {
  name: string;
  handler: (event: E) => Promise<unknown>;
  /** Delays before each retry; Lambda makes two, about 1 and 2 minutes after the failure. */
  retryDelaysMs: readonly number[];
  /** On-failure destination: the event and why its last attempt failed. */
  onFailure: (event: E, reason: string) => Promise<void>;
  /** Invocations running at once (the function's concurrency). */
  concurrency?: number;
  /** Where accepted events are written down until they are done with, so they outlive the process. */
  journal?: Journal<InvokerLine<E>>;
}

interface Queued<E> {
  event: E;
  attempt: number;
  /** The event's number in the journal. */
  n: number;
}

/**
 * Lambda's asynchronous invocation, as EventBridge uses it: the caller is answered at once,
 * the event waits in an internal queue, a failed invocation is retried after each delay, and
 * an event whose retries all failed goes to the on-failure destination.
 */
export class AsyncInvoker<E> {
  private readonly queue: Queued<E>[] = [];
  /** Accepted and not yet done with, by number: what a rewrite of the journal keeps. */
  private readonly live = new Map<number, E>();
  private nextNumber = 1;
  private running = 0;
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private idleWaiters: (() => void)[] = [];
  readonly stats = { invocations: 0, failedInvocations: 0, givenUp: 0 };

  constructor(private readonly options: AsyncInvokerOptions<E>) {}

  /** Queued, running or waiting for a retry. */
  get pending(): number {
    return this.queue.length + this.running + this.timers.size;
  }

  /** Accepts an event: written down (with a journal) before this returns, then invoked in turn. */
  invoke(event: E): void {
    const n = this.nextNumber++;
    this.options.journal?.append({ t: 'queued', n, event });
    this.live.set(n, event);
    this.queue.push({ event, attempt: 0, n });
    this.pump();
  }

  /** Takes up the events an earlier process accepted and never finished (the journal is rewritten to hold just them). */
  resume(events: readonly E[]): void {
    for (const event of events) {
      const n = this.nextNumber++;
      this.live.set(n, event);
      this.queue.push({ event, attempt: 0, n });
    }
    this.rewriteJournal();
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
      void this.attempt(next).finally(() => {
        this.running--;
        this.pump();
        if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async attempt(queued: Queued<E>): Promise<void> {
    const { event, attempt, n } = queued;
    this.stats.invocations++;
    try {
      await this.options.handler(event);
    } catch (error) {
      this.stats.failedInvocations++;
      const delay = this.options.retryDelaysMs[attempt];
      if (delay === undefined) {
        this.stats.givenUp++;
        try {
          await this.options.onFailure(event, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        } catch {
          // The destination refused it: the event stays written down (and in `live`), and the next start takes it up again.
          return;
        }
        return this.done(n);
      }
      const retry = () => {
        this.timers.delete(timer);
        this.queue.push({ event, attempt: attempt + 1, n });
        this.pump();
      };
      const timer = setTimeout(retry, delay);
      this.timers.set(timer, retry);
      return;
    }
    this.done(n);
  }

  private done(n: number): void {
    this.live.delete(n);
    const journal = this.options.journal;
    if (!journal) return;
    journal.append({ t: 'done', n });
    if (journal.wantsRewrite(this.live.size)) this.rewriteJournal();
  }

  /** Rewrites the journal to the events not yet done with (a clean stop leaves it empty). */
  rewriteJournal(): void {
    this.options.journal?.rewrite([...this.live].map(([n, event]) => ({ t: 'queued' as const, n, event })));
  }
}
