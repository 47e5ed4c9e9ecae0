import type { DeadLetterCounter, OnCallValue } from '../../functions/tick';
import type { LocalFunctions } from './local-functions';

export interface Ticker {
  readonly last: { at: string; values: readonly OnCallValue[]; alerts: readonly string[] } | undefined;
  readonly lastError: string | undefined;
  stop(): void;
}

const describe = (values: readonly OnCallValue[]): string =>
  values
    .map(({ name, value, dimensions }) => `${name}${dimensions ? `[${Object.values(dimensions).join(',')}]` : ''}=${Math.round(value * 100) / 100}`)
    .join(' ');

/**
 * The 1-minute schedule (an EventBridge rule on AWS): runs the tick now and then every
 * interval. Locally the on-call values CloudWatch would receive are logged and kept for /health.
 */
export function startTicking(functions: LocalFunctions, intervalMs: number, log: (line: string) => void, countDeadLetters: DeadLetterCounter): Ticker {
  let published: readonly OnCallValue[] = [];
  const tick = functions.tick(
    {
      publish: (values) => {
        published = values;
      },
    },
    countDeadLetters,
  );
  const state: { last: Ticker['last']; lastError: string | undefined } = { last: undefined, lastError: undefined };
  const run = async () => {
    try {
      const document = await tick(undefined);
      const alerts = document.alerts.map((alert) => alert.id);
      state.last = { at: new Date().toISOString(), values: published, alerts };
      state.lastError = undefined;
      if (published.length > 0) log(`tick: ${describe(published)}${alerts.length ? ` · alerts: ${alerts.join(', ')}` : ''}`);
    } catch (error) {
      state.lastError = String(error);
    }
  };
  void run();
  const timer = setInterval(() => void run(), intervalMs);
  return {
    get last() {
      return state.last;
    },
    get lastError() {
      return state.lastError;
    },
    stop: () => clearInterval(timer),
  };
}
