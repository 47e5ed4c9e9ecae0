import type { PushRun } from '../../functions/realtime-pusher';
import type { LocalFunctions } from './local-functions';
import type { ViewerStreams } from './viewer-streams';

export interface Pusher {
  readonly last: PushRun | undefined;
  readonly lastError: string | undefined;
  stop(): Promise<void>;
}

/** As on AWS, where one scheduled invocation a minute loops for that minute. */
const RUN_MS = 60_000;

/**
 * The one producer of pushed documents, run as on AWS: back-to-back minute-long invocations of
 * the pusher function, each reading the document at most once a second while anyone watches.
 */
export function startPushing(functions: LocalFunctions, streams: ViewerStreams, intervalMs: number): Pusher {
  const controller = new AbortController();
  const push = functions.realtimePusher(streams, intervalMs);
  const state: { last: PushRun | undefined; lastError: string | undefined } = { last: undefined, lastError: undefined };
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        state.last = await push({ untilMs: Date.now() + RUN_MS, signal: controller.signal });
        state.lastError = state.last.lastError;
      } catch (error) {
        // The invocation itself failed (the local function wrapper logged it): the next one starts after a pause.
        state.lastError = String(error);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    }
  })();
  return {
    get last() {
      return state.last;
    },
    get lastError() {
      return state.lastError;
    },
    stop: async () => {
      controller.abort();
      await loop;
    },
  };
}
