import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { seededRandom } from '../chaos';
import type { StackInfo } from '../stack/stack-info';
import { conversation, hostSamples, settle, type ScriptContext } from './conversations';
import { Producers } from './producers';
import { TrafficModel } from './traffic-model';

export interface SimulatorOptions {
  info: StackInfo;
  /** Producer writes per second to aim at, across the three transports. */
  rate: number;
  seed: number;
  /** Write a day of history first (a fresh store): yesterday's users, the last hour's traffic. */
  backfill: boolean;
  timeZone: string;
  log: (line: string) => void;
}

export interface Simulator {
  readonly stats: ReturnType<typeof statsOf>;
  stop(): Promise<void>;
}

/** About how many writes one conversation makes (messages, session updates, telemetry). */
const WRITES_PER_CONVERSATION = 25;
const HOST_SAMPLES_PER_SECOND = 0.3;
const HISTORY_CONCURRENCY = 8;

const statsOf = (phase: string, counts: ScriptContext['counts'], producers: Producers, writesPerSecond: number) => ({
  phase,
  ...counts,
  writes: { dynamodb: producers.stats.dynamodb, eventbridge: producers.stats.eventbridge, kinesis: producers.stats.kinesis },
  writesPerSecond,
  errors: producers.stats.errors,
  lastError: producers.stats.lastError ?? null,
});

/** ADA Clara's traffic, written through the three transports with the real SDK clients. */
export function startSimulator(options: SimulatorOptions): Simulator {
  const model = new TrafficModel(seededRandom(options.seed ^ 0x5eed));
  const producers = new Producers(options.info);
  const abort = new AbortController();
  // Every waiting script listens for the stop: hundreds at once is normal here, not a leak.
  setMaxListeners(0, abort.signal);
  const running = new Set<Promise<void>>();
  const counts = { conversations: 0, escalations: 0 };
  let phase = options.backfill ? 'writing history' : 'live';
  let writesPerSecond = 0;

  const track = (script: Promise<void>) => {
    const tracked = script.catch((error: unknown) => options.log(`simulator: ${String(error)}`)).finally(() => running.delete(tracked));
    running.add(tracked);
  };
  const sleep = (ms: number) => delay(ms, true, { signal: abort.signal }).catch(() => false);

  const live: ScriptContext = { model, producers, counts, clock: { now: Date.now, sleep }, spawn: (script) => track(script(live)) };

  /** A context whose clock jumps instead of waiting, from `startMs` up to (not past) now. */
  const history = (startMs: number): ScriptContext => {
    let t = startMs;
    const ctx: ScriptContext = {
      model,
      producers,
      counts,
      clock: {
        now: () => t,
        sleep: async (ms) => {
          t += ms;
          return t < Date.now() - 5000 && !abort.signal.aborted;
        },
      },
      spawn: (script) => track(script(history(t))),
    };
    return ctx;
  };

  const writeHistory = async () => {
    const now = Date.now();
    const scripts: (() => Promise<void>)[] = [];
    // Yesterday's users, so that today some of them are returning users.
    for (let i = 0; i < 60; i++) {
      const userId = model.newUser();
      scripts.push(() => conversation(history(now - 86_400_000 - model.between(0, 7_200_000)), { userId, exchanges: 2, escalate: false }));
    }
    for (let i = 0; i < 40; i++) scripts.push(() => conversation(history(now - model.between(180_000, 3_600_000))));
    scripts.push(() => hostSamples(history(now - 3_600_000), 60_000));
    const workers = Array.from({ length: HISTORY_CONCURRENCY }, async () => {
      for (let next = scripts.shift(); next && !abort.signal.aborted; next = scripts.shift()) await next();
    });
    await Promise.all(workers);
    while (running.size > 0) await Promise.all([...running]);
  };

  /** After a restart (or the history), open escalations are picked up again by the desk. */
  const resumeOpenEscalations = async () => {
    for (const open of await producers.openEscalations()) {
      track(settle(live, open.escalationId, open.priority === 'critical' || open.priority === 'urgent', open.status));
    }
  };

  const conversationsPerSecond = Math.max(0.01, (options.rate - HOST_SAMPLES_PER_SECOND) / WRITES_PER_CONVERSATION);
  const main = (async () => {
    if (options.backfill) await writeHistory();
    if (abort.signal.aborted) return;
    phase = 'live';
    await resumeOpenEscalations();
    track(hostSamples(live));
    while (await sleep(model.gapMs(conversationsPerSecond))) track(conversation(live));
  })().catch((error: unknown) => options.log(`simulator stopped: ${String(error)}`));

  let lastTotal = 0;
  const meter = setInterval(() => {
    const total = producers.stats.dynamodb + producers.stats.eventbridge + producers.stats.kinesis;
    writesPerSecond = Math.round(((total - lastTotal) / 5) * 10) / 10;
    lastTotal = total;
  }, 5000);

  return {
    get stats() {
      return statsOf(phase, counts, producers, writesPerSecond);
    },
    stop: async () => {
      abort.abort();
      clearInterval(meter);
      await main;
      await Promise.all([...running]);
      await producers.close();
    },
  };
}
