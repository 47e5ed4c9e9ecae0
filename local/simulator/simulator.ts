import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
/** About how long a conversation writes (greeting, a few exchanges half a minute apart, goodbye): the live rate builds up over this long. */
const BUILD_UP_MS = 3 * 60_000;
/** Below this share of the aim, the simulator says so, and why. */
const SHORT_OF_AIM = 0.8;
const METER_MS = 5000;

interface Delivery {
  /** Writes per second asked for with --rate. */
  aimingAt: number;
  /** Writes per second over the last 5 s and the last minute. */
  writesPerSecond: number;
  lastMinute: number;
  /** Why the last minute fell short of the aim, if it did. */
  shortBecause: string | null;
}

/**
 * Why the simulator delivered less than `--rate` asked over the last minute, or null if it did
 * not: the machine (the event loop running late), the build-up of the first minutes, or the
 * traffic model's draw.
 */
export function whyShortOfAim(last: { lastMinute: number; aimingAt: number; loopLateMs: number; liveForMs: number }): string | null {
  if (last.lastMinute >= SHORT_OF_AIM * last.aimingAt) return null;
  if (last.loopLateMs >= 20)
    return `this machine's limit: the simulator shares its process and cores with the whole pipeline, and the event loop runs ${last.loopLateMs} ms late`;
  if (last.liveForMs < BUILD_UP_MS) return 'building up: each conversation writes over a minute or two, so the rate reaches its aim after the first minutes';
  return 'the traffic model writes less than it aims at on this run (fewer, shorter conversations drawn)';
}

const statsOf = (phase: string, counts: ScriptContext['counts'], producers: Producers, delivery: Delivery) => ({
  phase,
  ...counts,
  writes: { dynamodb: producers.stats.dynamodb, eventbridge: producers.stats.eventbridge, kinesis: producers.stats.kinesis },
  ...delivery,
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
  let liveSince = options.backfill ? undefined : Date.now();
  const delivery: Delivery = { aimingAt: options.rate, writesPerSecond: 0, lastMinute: 0, shortBecause: null };

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
    liveSince = Date.now();
    await resumeOpenEscalations();
    track(hostSamples(live));
    while (await sleep(model.gapMs(conversationsPerSecond))) track(conversation(live));
  })().catch((error: unknown) => options.log(`simulator stopped: ${String(error)}`));

  // What it delivers, measured: every 5 s, and over the last minute (said once a minute when it falls short, with why).
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const totals: number[] = [];
  let ticks = 0;
  const meter = setInterval(() => {
    ticks++;
    const total = producers.stats.dynamodb + producers.stats.eventbridge + producers.stats.kinesis;
    totals.push(total);
    if (totals.length > 60_000 / METER_MS + 1) totals.shift();
    const perSecond = (from: number) => (from < 1 ? 0 : Math.round(((total - totals.at(-1 - from)!) / ((from * METER_MS) / 1000)) * 10) / 10);
    delivery.writesPerSecond = perSecond(1);
    delivery.lastMinute = perSecond(totals.length - 1);
    if (ticks % (60_000 / METER_MS) !== 0 || liveSince === undefined || phase !== 'live') return;
    const lateMs = Math.round(loopDelay.percentile(50) / 1e6);
    loopDelay.reset();
    delivery.shortBecause = whyShortOfAim({ lastMinute: delivery.lastMinute, aimingAt: options.rate, loopLateMs: lateMs, liveForMs: Date.now() - liveSince });
    if (delivery.shortBecause)
      options.log(`simulator: ${delivery.lastMinute} writes/s over the last minute, aiming at ${options.rate} — ${delivery.shortBecause}`);
  }, METER_MS);

  return {
    get stats() {
      return statsOf(phase, counts, producers, delivery);
    },
    stop: async () => {
      abort.abort();
      clearInterval(meter);
      loopDelay.disable();
      await main;
      await Promise.all([...running]);
      await producers.close();
    },
  };
}
