import { readDocument } from '../pipeline/read-document';
import type { Viewer, ViewerChannel } from '../push/viewer-channel';
import type { Runtime } from './runtime';

/** What one round did: one read at most, whatever the number of viewers. */
export interface PushRound {
  viewers: number;
  /** Whether the document was read (only when someone watches). */
  read: boolean;
  sent: number;
  gone: number;
  /** Viewers cut off because their token expired. */
  expired: number;
  /** Viewers a delivery failed for (they stay; the next round tries again). */
  failed: number;
}

/** What one run of the pusher did, for its log line. */
export interface PushRun {
  rounds: number;
  reads: number;
  sent: number;
  gone: number;
  expired: number;
  failedDeliveries: number;
  failedRounds: number;
  lastError?: string;
}

/** Deliveries in flight at once: enough to reach a room of dashboards within the second, without a burst of thousands. */
const DELIVERY_CONCURRENCY = 50;

async function inGroups<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

const describeError = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * One round of pushing: who is watching; viewers whose token has expired are cut off; if anyone
 * is left, the document is read ONCE and handed to each of them.
 */
export function createPushRound(runtime: Runtime, channel: ViewerChannel, onDeliveryError: (viewer: Viewer, error: unknown) => void = () => undefined) {
  return async (): Promise<PushRound> => {
    const now = runtime.now();
    const all = await channel.viewers();
    const expired = all.filter((viewer) => viewer.tokenExpiresAtMs !== undefined && viewer.tokenExpiresAtMs <= now);
    const watching = all.filter((viewer) => !expired.includes(viewer));
    const round: PushRound = { viewers: watching.length, read: false, sent: 0, gone: 0, expired: 0, failed: 0 };
    await inGroups(expired, DELIVERY_CONCURRENCY, async (viewer) => {
      try {
        await channel.disconnect(viewer);
        round.expired++;
      } catch (error) {
        onDeliveryError(viewer, error);
      }
    });
    if (watching.length === 0) return round;

    const payload = JSON.stringify(await readDocument(runtime.store, runtime.settings, now));
    round.read = true;
    await inGroups(watching, DELIVERY_CONCURRENCY, async (viewer) => {
      try {
        if ((await channel.send(viewer, payload)) === 'sent') round.sent++;
        else round.gone++;
      } catch (error) {
        round.failed++;
        onDeliveryError(viewer, error);
      }
    });
    return round;
  };
}

export interface PusherOptions {
  /** Rounds start at least this far apart: at most one read per interval, whatever happens. */
  intervalMs: number;
  /** Waits; given so tests can run the clock themselves. Resolves early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onDeliveryError?: (viewer: Viewer, error: unknown) => void;
}

const sleepUnlessAborted = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The one producer of pushed documents: rounds at most once per interval until `untilMs` (or an
 * abort). A round that fails (the table throttles, the channel is down) is counted and the next
 * one tries again; rounds never overlap and never start closer than the interval, also across
 * runs: a run returns no sooner than one interval after its last round started.
 */
export function createRealtimePusher(runtime: Runtime, channel: ViewerChannel, options: PusherOptions) {
  const round = createPushRound(runtime, channel, options.onDeliveryError);
  const sleep = options.sleep ?? sleepUnlessAborted;
  return async (untilMs: number, signal?: AbortSignal): Promise<PushRun> => {
    const run: PushRun = { rounds: 0, reads: 0, sent: 0, gone: 0, expired: 0, failedDeliveries: 0, failedRounds: 0 };
    for (let started = runtime.now(); started < untilMs && !signal?.aborted; started = runtime.now()) {
      try {
        const done = await round();
        run.reads += done.read ? 1 : 0;
        run.sent += done.sent;
        run.gone += done.gone;
        run.expired += done.expired;
        run.failedDeliveries += done.failed;
      } catch (error) {
        run.failedRounds++;
        run.lastError = describeError(error);
      }
      run.rounds++;
      // Even after the last round: the next run (a minute's invocation) must not start a round sooner either.
      const wait = started + options.intervalMs - runtime.now();
      if (wait > 0) await sleep(wait, signal);
    }
    return run;
  };
}
