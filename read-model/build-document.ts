import { ALERT_STATE_KEY, Counter, CounterPrefix, dayKey, ESCALATION_GAUGES_KEY, freshnessKey, minuteKey } from '../aggregators/metrics-items';
import { quantile } from '../aggregators/quantile-sketch';
import { localDateOf, minuteOf, minuteStartMs, tenSecondsOf, windowMinutes } from '../aggregators/time';
import { FRESHNESS_SOURCES } from '../schemas/alert-rules';
import type { Freshness, RealTimeMetrics } from '../schemas/realtime-metrics';
import type { StoredItem } from '../store/metrics-store';
import { firingAlerts, type AlertSettings } from './alerts';

export interface ReadModelSettings extends AlertSettings {
  timeZone: string;
  /** Capacity units per second that count as 100 % utilisation (SPEC §4 dynamoDbMetrics). */
  readCapacityBudget: number;
  writeCapacityBudget: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;
const meanOrZero = (sum: number, n: number): number => (n > 0 ? round2(sum / n) : 0);
const meanOrNull = (sum: number, n: number): number | null => (n > 0 ? round2(sum / n) : null);

/** Reads counters out of the fetched items; a missing item or counter is 0. */
class Items {
  constructor(private readonly items: ReadonlyMap<string, StoredItem>) {}

  counter(key: string, counter: string): number {
    const value = this.items.get(key)?.[counter];
    return typeof value === 'number' ? value : 0;
  }

  sum(keys: readonly string[], counter: string): number {
    return keys.reduce((total, key) => total + this.counter(key, counter), 0);
  }

  /** Counters of the given items whose names start with `prefix`, summed by the rest of the name. */
  byPrefix(keys: readonly string[], prefix: string): Map<string, number> {
    const totals = new Map<string, number>();
    for (const key of keys) {
      for (const [name, value] of Object.entries(this.items.get(key) ?? {})) {
        if (name.startsWith(prefix) && typeof value === 'number') {
          const rest = name.slice(prefix.length);
          totals.set(rest, (totals.get(rest) ?? 0) + value);
        }
      }
    }
    return totals;
  }

  item(key: string): StoredItem | undefined {
    return this.items.get(key);
  }
}

const positive = (entries: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...entries].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));

/** Builds the `RealTimeMetrics` document at `atMs` from the items of `snapshotKeys(atMs)`. Pure. */
export function buildDocument(fetched: ReadonlyMap<string, StoredItem>, atMs: number, settings: ReadModelSettings): RealTimeMetrics {
  const items = new Items(fetched);
  const lastHour = windowMinutes(atMs, 60).map(minuteKey);
  const last5 = lastHour.slice(-5);
  const now = minuteKey(minuteOf(atMs));
  const today = dayKey(localDateOf(atMs, settings.timeZone));

  const liveByLanguage = positive(items.byPrefix([now], CounterPrefix.liveByLanguage));
  const samples = items.sum(last5, Counter.samples);
  const cpuUsage = meanOrNull(items.sum(last5, Counter.cpuMilli) / 1000, samples);
  const requests = items.sum(last5, Counter.requests);
  const bins = items.byPrefix(last5, CounterPrefix.responseBin);
  const p50 = quantile(bins, 0.5);
  const secondsOfWindow = (atMs - minuteStartMs(minuteOf(atMs) - 4)) / 1000;
  const activeTotal = items.counter(now, Counter.active);

  const peakConcurrent = Math.max(
    0,
    ...[...items.byPrefix([today], CounterPrefix.activeInMinute)].filter(([minute]) => Number(minute) <= minuteOf(atMs)).map(([, n]) => n),
  );

  const pendingByCreation = [...items.byPrefix([ESCALATION_GAUGES_KEY], CounterPrefix.pendingCreatedAt)].filter(([, n]) => n > 0);
  const oldestPending = Math.min(...pendingByCreation.map(([createdAt]) => Number(createdAt)));

  const tenSecondBuckets = Array.from({ length: 6 }, (_, i) => tenSecondsOf(atMs) - 5 + i);
  const newInLastMinute = tenSecondBuckets.reduce((total, bucket) => {
    const minute = Math.floor(bucket / 6);
    return total + items.counter(minuteKey(minute), Counter.startsInTenSeconds(bucket - minute * 6));
  }, 0);

  const document: Omit<RealTimeMetrics, 'alerts'> = {
    timestamp: new Date(atMs).toISOString(),
    activeConnections: activeTotal,
    messagesLastHour: items.sum(lastHour, Counter.messages),
    escalationsToday: items.counter(today, Counter.escalationsCreated),
    systemLoad: cpuUsage === null ? 0 : round2(cpuUsage / 100),
    responseTime: meanOrZero(items.sum(last5, Counter.botProcessingMilli) / 1000, items.sum(last5, Counter.botMessagesTimed)),
    liveConversations: {
      total: items.counter(now, Counter.live),
      byLanguage: { en: 0, es: 0, ...liveByLanguage },
      averageDuration: meanOrZero(items.sum(lastHour, Counter.endedDurationMs) / 1000, items.sum(lastHour, Counter.endedConversations)),
      newInLastMinute,
    },
    activeUsers: {
      total: activeTotal,
      unique: items.counter(now, Counter.uniqueUsers),
      returning: items.counter(now, Counter.returningUsers),
      byRegion: positive(items.byPrefix([now], CounterPrefix.activeByRegion)),
      peakConcurrent,
    },
    realTimeEscalations: {
      pending: items.counter(ESCALATION_GAUGES_KEY, Counter.pending),
      inProgress: items.counter(ESCALATION_GAUGES_KEY, Counter.inProgress),
      resolved: items.counter(today, Counter.escalationsResolved),
      averageWaitTime: meanOrZero(items.counter(today, Counter.waitMs) / 1000, items.counter(today, Counter.escalationsServed)),
      criticalCount: items.counter(ESCALATION_GAUGES_KEY, Counter.criticalOpen),
      oldestPendingAge: Number.isFinite(oldestPending) ? Math.max(0, Math.floor((atMs - oldestPending) / 1000)) : 0,
    },
    systemPerformance: {
      responseTime: p50 === null ? null : { p50: round2(p50), p95: round2(quantile(bins, 0.95)!), p99: round2(quantile(bins, 0.99)!) },
      cpuUsage,
      memoryUsage: meanOrNull(items.sum(last5, Counter.memoryMilli) / 1000, samples),
      diskUsage: meanOrNull(items.sum(last5, Counter.diskMilli) / 1000, samples),
      networkLatency: meanOrNull(items.sum(last5, Counter.latencyMilli) / 1000, items.sum(last5, Counter.latencySamples)),
      errorRate: requests > 0 ? round2(items.sum(last5, Counter.serverErrors) / requests) : 0,
      throughput: round2(requests / secondsOfWindow),
      lambdaMetrics: lambdaMetrics(items, last5),
      dynamoDbMetrics: dynamoDbMetrics(items, last5, secondsOfWindow, settings),
    },
    freshness: freshness(items),
  };
  return { ...document, alerts: firingAlerts(document, items.item(ALERT_STATE_KEY), atMs, settings) };
}

function lambdaMetrics(items: Items, last5: readonly string[]): RealTimeMetrics['systemPerformance']['lambdaMetrics'] {
  const counters = items.byPrefix(last5, CounterPrefix.function);
  const names = new Set([...counters.keys()].map((name) => name.slice(0, name.lastIndexOf(':'))));
  const result: RealTimeMetrics['systemPerformance']['lambdaMetrics'] = {};
  for (const name of [...names].sort()) {
    const invocations = counters.get(`${name}:n`) ?? 0;
    if (invocations <= 0) continue;
    result[name] = {
      invocations,
      errors: counters.get(`${name}:e`) ?? 0,
      duration: meanOrZero((counters.get(`${name}:d`) ?? 0) / 1000, invocations),
      throttles: counters.get(`${name}:t`) ?? 0,
    };
  }
  return result;
}

function dynamoDbMetrics(items: Items, last5: readonly string[], seconds: number, settings: ReadModelSettings) {
  const perSecond = (milliUnits: number) => milliUnits / 1000 / seconds;
  return {
    readCapacityUtilization: round2(perSecond(items.sum(last5, Counter.storeReadMilliUnits)) / settings.readCapacityBudget),
    writeCapacityUtilization: round2(perSecond(items.sum(last5, Counter.storeWriteMilliUnits)) / settings.writeCapacityBudget),
    throttledRequests: items.sum(last5, Counter.storeThrottled),
    successfulRequests: items.sum(last5, Counter.storeSucceeded),
  };
}

function freshness(items: Items): Freshness {
  const entries = FRESHNESS_SOURCES.map((source) => {
    const item = items.item(freshnessKey(source));
    const text = (name: string) => (typeof item?.[name] === 'string' ? (item[name] as string) : null);
    const lag = item?.lagSeconds;
    return [source, { newestEventAt: text('newestEventAt'), lastAppliedAt: text('lastAppliedAt'), lagSeconds: typeof lag === 'number' ? lag : null }];
  });
  return Object.fromEntries(entries) as Freshness;
}
