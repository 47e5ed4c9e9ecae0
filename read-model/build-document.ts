import {
  type CounterKey,
  GaugeName,
  gaugeCounter,
  MINUTE_PREFIX,
  MinuteName,
  minuteCounter,
  PERFORMANCE_PREFIX,
  PerformanceName,
  performanceCounter,
  SERIES_BLOCK_MINUTES,
  type SeriesName,
  seriesCounter,
  WINDOW_BLOCK_MINUTES,
  WINDOW_PREFIX,
  WindowName,
  windowCounter,
  dayCounter,
  type DayName,
  type GaugeChangeName,
  parseCounter,
} from '../aggregators/counters';
import { blockStartOf } from '../aggregators/coverage';
import { quantile } from '../aggregators/quantile-sketch';
import { localDateOf, localDateOfMinute, localHourOfMinute, minuteOf, minuteStartMs, tenSecondsOf, windowMinutes } from '../aggregators/time';
import { FRESHNESS_SOURCES } from '../schemas/alert-rules';
import { type Freshness, OLDEST_PENDING_LISTED, type PendingEscalation, type RealTimeMetrics, type Series } from '../schemas/realtime-metrics';
import type { Snapshot } from '../store/metrics-store';
import { type AlertSettings, firingAlerts } from './alerts';

export interface ReadModelSettings extends AlertSettings {
  timeZone: string;
  /** Capacity units per second that count as 100 % utilisation (SPEC §4 dynamoDbMetrics). */
  readCapacityBudget: number;
  writeCapacityBudget: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const meanOrZero = (sum: number, n: number): number => (n > 0 ? round2(sum / n) : 0);
const meanOrNull = (sum: number, n: number): number | null => (n > 0 ? round2(sum / n) : null);

/** Reads domain counters out of a snapshot; a missing counter is 0. */
class Counters {
  constructor(private readonly counters: ReadonlyMap<CounterKey, number>) {}

  get(counter: CounterKey): number {
    return this.counters.get(counter) ?? 0;
  }

  minutes(minutes: readonly number[], name: string): number {
    return minutes.reduce((total, minute) => total + this.get(minuteCounter(minute, name)), 0);
  }

  performance(minutes: readonly number[], name: string): number {
    return minutes.reduce((total, minute) => total + this.get(performanceCounter(minute, name)), 0);
  }

  /** Facts of a family (`m|`, `p|`) whose names start with `prefix`, summed over `minutes` by the rest of the name. */
  minutesByPrefix(minutes: readonly number[], prefix: string, family: 'm|' | 'p|' = 'm|'): Map<string, number> {
    const wanted = new Set(minutes.map(String));
    const totals = new Map<string, number>();
    for (const [counter, value] of this.counters) {
      if (!counter.startsWith(family)) continue;
      const bar = counter.indexOf('|', 2);
      if (!wanted.has(counter.slice(2, bar)) || !counter.startsWith(prefix, bar + 1)) continue;
      const rest = counter.slice(bar + 1 + prefix.length);
      totals.set(rest, (totals.get(rest) ?? 0) + value);
    }
    return totals;
  }

  /** As `minutesByPrefix`, one map per minute of `minutes` (in one pass over the counters). */
  byMinute(minutes: readonly number[], prefix: string): Map<string, number>[] {
    const first = minutes[0] ?? 0;
    const maps = minutes.map(() => new Map<string, number>());
    for (const [counter, value] of this.counters) {
      if (!counter.startsWith('m|')) continue;
      const bar = counter.indexOf('|', 2);
      const map = maps[Number(counter.slice(2, bar)) - first];
      if (!map || !counter.startsWith(prefix, bar + 1)) continue;
      const rest = counter.slice(bar + 1 + prefix.length);
      map.set(rest, (map.get(rest) ?? 0) + value);
    }
    return maps;
  }

  /**
   * A windowed count at `minute`: the difference-array entries from the start of its block. A
   * read while a batch commits may see part of it — a run's +1 and −1 can sit in two items —
   * so a count can dip below zero for that instant; a count is never reported below zero, and
   * once the commit lands it is exact again.
   */
  window(minute: number, name: string): number {
    let total = 0;
    for (let m = blockStartOf(minute, WINDOW_BLOCK_MINUTES); m <= minute; m++) total += this.get(windowCounter(m, name));
    return Math.max(0, total);
  }

  /** Windowed counts at `minute` of every label of a family (`lv:`, `ar:`). */
  windowByLabel(minute: number, prefix: string): Map<string, number> {
    const from = blockStartOf(minute, WINDOW_BLOCK_MINUTES);
    const totals = new Map<string, number>();
    for (const [counter, value] of this.counters) {
      if (!counter.startsWith('w|')) continue;
      const bar = counter.indexOf('|', 2);
      const at = Number(counter.slice(2, bar));
      if (at < from || at > minute || !counter.startsWith(prefix, bar + 1)) continue;
      const label = counter.slice(bar + 1 + prefix.length);
      totals.set(label, (totals.get(label) ?? 0) + value);
    }
    return totals;
  }

  /** A series total (live, active) at every minute of `minute`'s hour up to it, oldest first. */
  seriesUpTo(minute: number, name: SeriesName): number[] {
    const values: number[] = [];
    let total = 0;
    for (let m = blockStartOf(minute, SERIES_BLOCK_MINUTES); m <= minute; m++) {
      total += this.get(seriesCounter(m, name));
      values.push(Math.max(0, total)); // as for window(): a read mid-commit never shows a negative count
    }
    return values;
  }

  /** A series total at each of `minutes` (consecutive, oldest first): the hours they span, each summed from its start. */
  seriesAt(minutes: readonly number[], name: SeriesName): number[] {
    const last = minutes[minutes.length - 1]!;
    const first = minutes[0]!;
    const values = [...this.seriesUpTo(blockStartOf(last, SERIES_BLOCK_MINUTES) - 1, name), ...this.seriesUpTo(last, name)];
    const from = blockStartOf(last, SERIES_BLOCK_MINUTES) - SERIES_BLOCK_MINUTES;
    return values.slice(first - from);
  }

  /** A fact of today up to minute `now` (local hours before now's, then the minutes of now's hour). */
  todayUpTo(now: number, timeZone: string, name: DayName): number {
    const { date, hour, hourStartMinute } = localHourOfMinute(now, timeZone);
    let total = 0;
    for (let h = 0; h < hour; h++) total += this.get(dayCounter(date, h, name));
    for (let m = hourStartMinute; m <= now; m++) total += this.get(minuteCounter(m, MinuteName.dayFact(name)));
    return total;
  }

  /** A gauge at the end of minute `now`: its value at read time less its changes in later minutes. */
  gaugeAt(now: number, timeZone: string, gauge: string, change: GaugeChangeName): number {
    const { date, hour, hourStartMinute } = localHourOfMinute(now, timeZone);
    let later = 0;
    const prefix = `${change}:`;
    for (const [counter, value] of this.counters) {
      if (!counter.startsWith('d|')) continue;
      const { at, name } = parseCounter(counter);
      if (!name.startsWith(prefix)) continue;
      if (at > date || (at === date && Number(name.slice(prefix.length)) >= hour)) later += value;
    }
    for (let m = hourStartMinute; m <= now; m++) later -= this.get(minuteCounter(m, MinuteName.dayFact(change)));
    return Math.max(0, this.get(gaugeCounter(gauge)) - later);
  }

  /**
   * The pending escalations at the end of minute `now`, from the queue fetched: those still
   * pending, and (looking back) those that left it after `now`. Oldest first, ties by id.
   */
  pendingAt(now: number, lookBack: boolean): { createdAt: number; priority: string; escalationId: string }[] {
    const pending = [];
    for (const [counter, value] of this.counters) {
      const family = counter[0];
      if ((family !== 'q' && family !== 'x') || counter[1] !== '|' || value <= 0) continue;
      const [, hour = '', createdAt = '', priority = '', ...id] = counter.split('|');
      const created = Number(createdAt);
      if (lookBack && minuteOf(created) > now) continue; // not created yet then
      if (family === 'x' && Number(hour) * 60 + value - 1 <= now) continue; // it had left by then
      pending.push({ createdAt: created, priority, escalationId: id.join('|') });
    }
    return pending.sort((a, b) => a.createdAt - b.createdAt || (a.escalationId < b.escalationId ? -1 : a.escalationId > b.escalationId ? 1 : 0));
  }
}

const positive = (entries: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...entries].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));

/** Builds the `RealTimeMetrics` document at `atMs` from the store's snapshot. Pure. */
export function buildDocument(snapshot: Snapshot, atMs: number, settings: ReadModelSettings): RealTimeMetrics {
  const counters = new Counters(snapshot.counters);
  const lastHour = windowMinutes(atMs, 60);
  const last5 = lastHour.slice(-5);
  const now = minuteOf(atMs);
  const today = localDateOf(atMs, settings.timeZone);

  const samples = counters.performance(last5, PerformanceName.samples);
  const cpuUsage = meanOrNull(counters.performance(last5, PerformanceName.cpuMilli) / 1000, samples);
  const requests = counters.performance(last5, PerformanceName.requests);
  const bins = counters.minutesByPrefix(last5, MINUTE_PREFIX.responseBin);
  const p50 = quantile(bins, 0.5);
  const secondsOfWindow = (atMs - minuteStartMs(now - 4)) / 1000;
  const activeThisHour = counters.seriesUpTo(now, 'act');
  const activeTotal = activeThisHour[activeThisHour.length - 1] ?? 0;
  const liveTotal = counters.seriesUpTo(now, 'live').pop() ?? 0;

  const lookBack = now < minuteOf(snapshot.nowMs);
  const gauge = (name: string, change: GaugeChangeName) =>
    lookBack ? counters.gaugeAt(now, settings.timeZone, name, change) : counters.get(gaugeCounter(name));
  const pending = counters.pendingAt(now, lookBack);
  const ageSeconds = (createdAt: number): number => Math.max(0, Math.floor((atMs - createdAt) / 1000));
  const today_ = (name: DayName) => counters.todayUpTo(now, settings.timeZone, name);
  const servedToday = today_('servedN');

  const tenSecondBuckets = Array.from({ length: 6 }, (_, i) => tenSecondsOf(atMs) - 5 + i);
  const newInLastMinute = tenSecondBuckets.reduce((total, bucket) => {
    const minute = Math.floor(bucket / 6);
    return total + counters.get(minuteCounter(minute, MinuteName.startsInTenSeconds(bucket - minute * 6)));
  }, 0);

  const document: Omit<RealTimeMetrics, 'alerts'> = {
    timestamp: new Date(atMs).toISOString(),
    activeConnections: activeTotal,
    messagesLastHour: counters.minutes(lastHour, MinuteName.messages),
    escalationsToday: today_('created'),
    systemLoad: cpuUsage === null ? 0 : round2(cpuUsage / 100),
    responseTime: meanOrZero(counters.minutes(last5, MinuteName.botProcessingMilli) / 1000, counters.minutes(last5, MinuteName.botMessagesTimed)),
    liveConversations: {
      total: liveTotal,
      byLanguage: { en: 0, es: 0, ...positive(counters.windowByLabel(now, WINDOW_PREFIX.liveByLanguage)) },
      averageDuration: meanOrZero(counters.minutes(lastHour, MinuteName.endedDurationMs) / 1000, counters.minutes(lastHour, MinuteName.endedConversations)),
      newInLastMinute,
    },
    activeUsers: {
      total: activeTotal,
      unique: counters.window(now, WindowName.uniqueUsers),
      returning: counters.window(now, WindowName.returningUsers),
      byRegion: positive(counters.windowByLabel(now, WINDOW_PREFIX.activeByRegion)),
      peakConcurrent: peakToday(snapshot.hourPeaks, activeThisHour, now, today, settings.timeZone),
    },
    realTimeEscalations: {
      pending: gauge(GaugeName.pending, 'pendingChange'),
      inProgress: gauge(GaugeName.inProgress, 'inProgressChange'),
      resolved: today_('resolved'),
      averageWaitTime: meanOrZero(today_('waitMs') / 1000, servedToday),
      criticalCount: gauge(GaugeName.criticalOpen, 'criticalChange'),
      oldestPendingAge: pending[0] === undefined ? 0 : ageSeconds(pending[0].createdAt),
      serviceLevel: serviceLevel(today_('servedInSL'), servedToday),
      failedToday: Math.max(0, today_('failed')),
      oldestPending: pending.slice(0, OLDEST_PENDING_LISTED).map(({ escalationId, priority, createdAt }) => ({
        escalationId,
        // the queue holds priorities as the fold normalised them (`urgent` is already `critical`)
        priority: priority as PendingEscalation['priority'],
        ageSeconds: ageSeconds(createdAt),
      })),
    },
    systemPerformance: {
      responseTime: p50 === null ? null : { p50: round2(p50), p95: round2(quantile(bins, 0.95)!), p99: round2(quantile(bins, 0.99)!) },
      cpuUsage,
      memoryUsage: meanOrNull(counters.performance(last5, PerformanceName.memoryMilli) / 1000, samples),
      diskUsage: meanOrNull(counters.performance(last5, PerformanceName.diskMilli) / 1000, samples),
      networkLatency: meanOrNull(counters.performance(last5, PerformanceName.latencyMilli) / 1000, counters.performance(last5, PerformanceName.latencySamples)),
      errorRate: requests > 0 ? round2(counters.performance(last5, PerformanceName.serverErrors) / requests) : 0,
      throughput: round2(requests / secondsOfWindow),
      lambdaMetrics: lambdaMetrics(counters, last5),
      dynamoDbMetrics: dynamoDbMetrics(counters, last5, secondsOfWindow, settings),
    },
    freshness: freshness(snapshot, snapshot.nowMs),
    series: lastHourSeries(counters, lastHour),
  };
  return { ...document, alerts: firingAlerts(document, { escalationsServedToday: servedToday }, snapshot.alertSince, atMs, settings) };
}

/**
 * The share served within the service level, rounded like the other shares; null when nobody was
 * served today. Both counts sit in the day's item and change together, so within ≤ served; the
 * bounds only keep a document valid should a change of SERVICE_LEVEL_SECONDS have left a day's
 * counts apart (docs/semantics.md).
 */
const serviceLevel = (within: number, served: number): number | null => (served > 0 ? Math.min(1, Math.max(0, round2(within / served))) : null);

/**
 * The day's peak: the recorded maximum of each earlier hour of today, and this hour's minutes up
 * to now, read from this hour's series itself (the recorded maximum of this hour may include
 * minutes after now, which windows ending in the future reach).
 */
function peakToday(hourPeaks: ReadonlyMap<number, number>, activeThisHour: readonly number[], now: number, today: string, timeZone: string): number {
  const thisHour = Math.floor(now / SERIES_BLOCK_MINUTES);
  let peak = 0;
  for (const [hour, value] of hourPeaks) if (hour < thisHour) peak = Math.max(peak, value);
  const hourStart = thisHour * SERIES_BLOCK_MINUTES;
  activeThisHour.forEach((value, i) => {
    if (localDateOfMinute(hourStart + i, timeZone) === today) peak = Math.max(peak, value);
  });
  return peak;
}

/** The last hour minute by minute; each live and active value is that minute's own, as the document at its end gave it. */
function lastHourSeries(counters: Counters, lastHour: readonly number[]): Series {
  const bySlots = (minute: number) =>
    Array.from({ length: 6 }, (_, slot) => counters.get(minuteCounter(minute, MinuteName.startsInTenSeconds(slot)))).reduce((a, b) => a + b, 0);
  return {
    minutes: lastHour.map((minute) => new Date(minuteStartMs(minute)).toISOString()),
    messages: lastHour.map((minute) => counters.get(minuteCounter(minute, MinuteName.messages))),
    conversationsStarted: lastHour.map(bySlots),
    escalationsCreated: lastHour.map((minute) => counters.get(minuteCounter(minute, MinuteName.dayFact('created')))),
    liveConversations: counters.seriesAt(lastHour, 'live'),
    activeUsers: counters.seriesAt(lastHour, 'act'),
    responseTimeP95: counters.byMinute(lastHour, MINUTE_PREFIX.responseBin).map((bins) => {
      const p95 = quantile(bins, 0.95);
      return p95 === null ? null : round2(p95);
    }),
  };
}

function lambdaMetrics(counters: Counters, last5: readonly number[]): RealTimeMetrics['systemPerformance']['lambdaMetrics'] {
  const totals = counters.minutesByPrefix(last5, PERFORMANCE_PREFIX.function, 'p|');
  const names = new Set([...totals.keys()].map((name) => name.slice(0, name.lastIndexOf(':'))));
  const result: RealTimeMetrics['systemPerformance']['lambdaMetrics'] = {};
  for (const name of [...names].sort()) {
    const invocations = totals.get(`${name}:n`) ?? 0;
    if (invocations <= 0) continue;
    result[name] = {
      invocations,
      errors: totals.get(`${name}:e`) ?? 0,
      duration: meanOrZero((totals.get(`${name}:d`) ?? 0) / 1000, invocations),
      throttles: totals.get(`${name}:t`) ?? 0,
    };
  }
  return result;
}

function dynamoDbMetrics(counters: Counters, last5: readonly number[], seconds: number, settings: ReadModelSettings) {
  const perSecond = (milliUnits: number) => milliUnits / 1000 / seconds;
  return {
    readCapacityUtilization: round2(perSecond(counters.performance(last5, PerformanceName.storeReadMilliUnits)) / settings.readCapacityBudget),
    writeCapacityUtilization: round2(perSecond(counters.performance(last5, PerformanceName.storeWriteMilliUnits)) / settings.writeCapacityBudget),
    throttledRequests: counters.performance(last5, PerformanceName.storeThrottled),
    successfulRequests: counters.performance(last5, PerformanceName.storeSucceeded),
  };
}

/**
 * Per source: the newest stamp of the last hour (the tick's record of it when no lane committed
 * for an hour), and a lag that keeps growing while a lane is held back by a batch it cannot
 * commit: measured from that lane's oldest uncommitted record, as Lambda's IteratorAge is.
 */
function freshness(snapshot: Snapshot, atMs: number): Freshness {
  const entries = FRESHNESS_SOURCES.map((source) => {
    const stamps = snapshot.freshness.filter((stamp) => stamp.source === source);
    const latest = stamps.reduce<(typeof stamps)[number] | undefined>((best, stamp) => (best && best.appliedAt >= stamp.appliedAt ? best : stamp), undefined);
    const known = snapshot.lastKnownFreshness.get(source);
    const newest = stamps.length > 0 ? Math.max(...stamps.map((stamp) => stamp.newestEventAt)) : undefined;
    const heldBack = snapshot.stuck
      .filter((marker) => marker.source === source)
      .filter((marker) => !stamps.some((stamp) => stamp.lane === marker.lane && stamp.appliedAt > marker.failedAt))
      .map((marker) => Math.max(0, atMs - marker.oldestEnteredAt) / 1000);
    const lastLag = latest ? latest.lagMs / 1000 : (known?.lagSeconds ?? null);
    const lag = heldBack.length > 0 ? Math.max(lastLag ?? 0, ...heldBack) : lastLag;
    return [
      source,
      {
        newestEventAt: newestOf(newest, known?.newestEventAt ?? null),
        lastAppliedAt: latest ? new Date(latest.appliedAt).toISOString() : (known?.lastAppliedAt ?? null),
        lagSeconds: lag === null ? null : round2(lag),
      },
    ];
  });
  return Object.fromEntries(entries) as Freshness;
}

/** The newest event time seen: of the last hour's stamps, or of what the tick recorded, whichever is later. */
function newestOf(stamped: number | undefined, known: string | null): string | null {
  const knownMs = known === null ? Number.NEGATIVE_INFINITY : Date.parse(known);
  const newest = Math.max(stamped ?? Number.NEGATIVE_INFINITY, knownMs);
  return newest === Number.NEGATIVE_INFINITY ? null : new Date(newest).toISOString();
}
