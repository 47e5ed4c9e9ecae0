import {
  GaugeName,
  gaugeCounter,
  MINUTE_PREFIX,
  MinuteName,
  minuteCounter,
  PERFORMANCE_PREFIX,
  PerformanceName,
  SERIES_BLOCK_MINUTES,
  WINDOW_PREFIX,
  WindowName,
  type DayName,
  type GaugeChangeName,
} from '../aggregators/counters';
import { quantile } from '../aggregators/quantile-sketch';
import { localDateOf, localDateOfMinute, minuteOf, minuteStartMs, tenSecondsOf, windowMinutes } from '../aggregators/time';
import { FRESHNESS_SOURCES } from '../schemas/alert-rules';
import { type Freshness, OLDEST_PENDING_LISTED, type PendingEscalation, type RealTimeMetrics, type Series } from '../schemas/realtime-metrics';
import { isLookBack, type Snapshot } from '../store/metrics-store';
import { type AlertSettings, firingAlerts } from './alerts';
import { SnapshotCounters } from './snapshot-counters';

export interface ReadModelSettings extends AlertSettings {
  timeZone: string;
  /** Capacity units per second that count as 100 % utilisation (SPEC §4 dynamoDbMetrics). */
  readCapacityBudget: number;
  writeCapacityBudget: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const meanOrZero = (sum: number, n: number): number => (n > 0 ? round2(sum / n) : 0);
const meanOrNull = (sum: number, n: number): number | null => (n > 0 ? round2(sum / n) : null);

const positive = (entries: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...entries].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));

/** Builds the `RealTimeMetrics` document at `atMs` from the store's snapshot. Pure. */
export function buildDocument(snapshot: Snapshot, atMs: number, settings: ReadModelSettings): RealTimeMetrics {
  const counters = new SnapshotCounters(snapshot.counters);
  const lastHour = windowMinutes(atMs, 60);
  const last5 = lastHour.slice(-5);
  const now = minuteOf(atMs);
  const today = localDateOf(atMs, settings.timeZone);

  const samples = counters.performance(last5, PerformanceName.samples);
  const cpuUsage = meanOrNull(counters.performance(last5, PerformanceName.cpuMilli) / 1000, samples);
  const requests = counters.performance(last5, PerformanceName.requests);
  // The sketch of each minute of the last hour: the series shows each one's p95, the percentiles are of the last 5 together.
  const sketches = counters.byMinute(lastHour, MINUTE_PREFIX.responseBin);
  const bins = mergedSketch(sketches.slice(-5));
  const p50 = quantile(bins, 0.5);
  const secondsOfWindow = (atMs - minuteStartMs(now - 4)) / 1000;
  const activeThisHour = counters.seriesUpTo(now, 'act');
  const activeTotal = activeThisHour[activeThisHour.length - 1] ?? 0;
  const liveTotal = counters.seriesUpTo(now, 'live').pop() ?? 0;

  const lookBack = isLookBack(atMs, snapshot.nowMs);
  const gauge = (name: string, change: GaugeChangeName) =>
    lookBack ? counters.gaugeAt(now, settings.timeZone, name, change) : counters.get(gaugeCounter(name));
  const pending = counters.pendingAt(now, lookBack);
  const ageSeconds = (createdAt: number): number => Math.max(0, Math.floor((atMs - createdAt) / 1000));
  const dayUpToNow = (name: DayName) => counters.todayUpTo(now, settings.timeZone, name);
  const servedToday = dayUpToNow('servedN');

  const tenSecondBuckets = Array.from({ length: 6 }, (_, i) => tenSecondsOf(atMs) - 5 + i);
  const newInLastMinute = tenSecondBuckets.reduce((total, bucket) => {
    const minute = Math.floor(bucket / 6);
    return total + counters.get(minuteCounter(minute, MinuteName.startsInTenSeconds(bucket - minute * 6)));
  }, 0);

  const document: Omit<RealTimeMetrics, 'alerts'> = {
    timestamp: new Date(atMs).toISOString(),
    activeConnections: activeTotal,
    messagesLastHour: counters.minutes(lastHour, MinuteName.messages),
    escalationsToday: dayUpToNow('created'),
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
      resolved: dayUpToNow('resolved'),
      averageWaitTime: meanOrZero(dayUpToNow('waitMs') / 1000, servedToday),
      criticalCount: gauge(GaugeName.criticalOpen, 'criticalChange'),
      oldestPendingAge: pending[0] === undefined ? 0 : ageSeconds(pending[0].createdAt),
      serviceLevel: serviceLevel(dayUpToNow('servedInSL'), servedToday),
      failedToday: Math.max(0, dayUpToNow('failed')),
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
    series: lastHourSeries(counters, lastHour, sketches, snapshot.minuteP95),
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
function lastHourSeries(
  counters: SnapshotCounters,
  lastHour: readonly number[],
  sketches: readonly ReadonlyMap<string, number>[],
  sealedP95: ReadonlyMap<number, number>,
): Series {
  return {
    minutes: lastHour.map((minute) => new Date(minuteStartMs(minute)).toISOString()),
    messages: lastHour.map((minute) => counters.get(minuteCounter(minute, MinuteName.messages))),
    conversationsStarted: lastHour.map((minute) => counters.get(minuteCounter(minute, MinuteName.started))),
    escalationsCreated: lastHour.map((minute) => counters.get(minuteCounter(minute, MinuteName.dayFact('created')))),
    liveConversations: counters.seriesAt(lastHour, 'live'),
    activeUsers: counters.seriesAt(lastHour, 'act'),
    // A sealed minute's sketch is not fetched (older than the last 5 minutes): its pane keeps the p95.
    responseTimeP95: sketches.map((bins, i) => {
      const p95 = bins.size > 0 ? quantile(bins, 0.95) : (sealedP95.get(lastHour[i]!) ?? null);
      return p95 === null ? null : round2(p95);
    }),
  };
}

/** Several minutes' sketches as one: their bins added. */
function mergedSketch(sketches: readonly ReadonlyMap<string, number>[]): Map<string, number> {
  const merged = new Map<string, number>();
  for (const sketch of sketches) for (const [bin, n] of sketch) merged.set(bin, (merged.get(bin) ?? 0) + n);
  return merged;
}

function lambdaMetrics(counters: SnapshotCounters, last5: readonly number[]): RealTimeMetrics['systemPerformance']['lambdaMetrics'] {
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

function dynamoDbMetrics(counters: SnapshotCounters, last5: readonly number[], seconds: number, settings: ReadModelSettings) {
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
