/**
 * The oracle: a deliberately naive, brute-force recomputation of every event-derived number
 * of the `RealTimeMetrics` document from the full list of events, written straight from
 * SPEC.md §1/§4 and docs/semantics.md. It loops over all events for every number; it keeps no
 * buckets, counters or per-entity state between numbers. Clarity over speed.
 *
 * It does not know the production code (aggregators/, store/, read-model/, handlers/) and must
 * not: it is the independent reference that the production numbers are compared with.
 *
 * Inputs: validated canonical events (`canonicalEventSchema.parse` output), in any order,
 * possibly with the same fact delivered more than once (same `eventId`). Every event given is
 * applied, whatever its time (docs: "State is the state after every applied event"); a caller
 * that wants "what did the dashboard say at T" passes only the events with `occurredAt ≤ T`.
 */
import { DEFAULT_LABEL_LISTS, NO_REGION, OVERFLOW_LABEL } from '../../config/label-lists';
import type { CanonicalEvent, EventOf, Priority } from '../../schemas/canonical-events';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';

type SystemPerformance = RealTimeMetrics['systemPerformance'];

/** Every field of the document that comes from events (not `dynamoDbMetrics`, `freshness`, `alerts`). */
export type OracleMetrics = Omit<RealTimeMetrics, 'systemPerformance' | 'alerts' | 'freshness'> & {
  systemPerformance: Omit<SystemPerformance, 'dynamoDbMetrics'>;
};

// ───────────────────────────── time ─────────────────────────────

export const MINUTE_MS = 60_000;
export const TEN_SECONDS_MS = 10_000;

export const epochMs = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`oracle: unparseable instant ${iso}`);
  return ms;
};

/** `minute(t) = floor(epochMs(t) / 60000)` */
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS);
/** `tenSeconds(t) = floor(epochMs(t) / 10000)` */
export const tenSecondsOf = (ms: number): number => Math.floor(ms / TEN_SECONDS_MS);

/** Is the instant's minute one of the `n` minutes `m_T − n + 1 … m_T`? */
export const inLastMinutes = (ms: number, n: number, atMs: number): boolean => {
  const m = minuteOf(ms);
  const mT = minuteOf(atMs);
  return m >= mT - n + 1 && m <= mT;
};

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (`YYYY-MM-DD`) that holds the instant in `timeZone`. */
export const localDate = (ms: number, timeZone: string): string => {
  let fmt = dateFormatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, fmt);
  }
  const parts = fmt.formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes): string => {
    const p = parts.find((x) => x.type === type);
    if (!p) throw new Error(`oracle: no ${type} in the formatted date`);
    return p.value;
  };
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
};

/**
 * `dayStart(d)`: the first instant (ms) whose local date is the local date of `ms`.
 * A binary search over the 30 hours before `ms` (the local date never goes backwards).
 */
export const localDayStartMs = (ms: number, timeZone: string): number => {
  const day = localDate(ms, timeZone);
  let lo = ms - 30 * 3_600_000; // surely the day before
  let hi = ms; // surely `day`
  if (localDate(lo, timeZone) === day) throw new Error('oracle: a day longer than 30 h?');
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, timeZone) === day) hi = mid;
    else lo = mid;
  }
  return hi;
};

// ─────────────────────────── arithmetic ───────────────────────────

/** docs/semantics.md § Rounding: `Math.round(x * 100) / 100`. */
export const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Sum in ascending order, so that the result does not depend on the order of the events
 * (floating-point addition is not associative).
 */
const sumSorted = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b).reduce((s, x) => s + x, 0);

/** Plain mean, 0 when there is nothing to average, rounded to two decimals. */
const mean0 = (xs: readonly number[]): number => (xs.length === 0 ? 0 : round2(sumSorted(xs) / xs.length));
/** Plain mean, `null` when there is nothing to average, rounded to two decimals. */
const meanOrNull = (xs: readonly number[]): number | null => (xs.length === 0 ? null : round2(sumSorted(xs) / xs.length));

/**
 * Exact nearest-rank quantile `v[ceil(q·n) − 1]` of the values, for `q = percent / 100`.
 * The rank is computed in integers (`ceil(percent·n / 100)`), so no floating error can move it.
 */
export const nearestRank = (values: readonly number[], percent: number): number => {
  if (values.length === 0) throw new Error('oracle: nearest rank of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((percent * sorted.length) / 100);
  const v = sorted[Math.max(rank, 1) - 1];
  if (v === undefined) throw new Error('oracle: rank out of range');
  return v;
};

// ─────────────────────────── duplicates ───────────────────────────

/** A stable text of an event (keys sorted), to tell exact duplicates from conflicting facts. */
const canonicalText = (e: CanonicalEvent): string => JSON.stringify(Object.fromEntries(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/**
 * One event per `eventId`. Two deliveries of one fact are identical; two different events
 * with the same `eventId` are a bug in whatever produced the list, so the oracle refuses them
 * rather than picking one (which would make it depend on order).
 */
export const dedupeByEventId = (events: readonly CanonicalEvent[]): CanonicalEvent[] => {
  const byId = new Map<string, CanonicalEvent>();
  for (const e of events) {
    const seen = byId.get(e.eventId);
    if (seen === undefined) byId.set(e.eventId, e);
    else if (canonicalText(seen) !== canonicalText(e)) {
      throw new Error(`oracle: eventId ${e.eventId} names two different events`);
    }
  }
  return [...byId.values()];
};

// ─────────────────────────── helpers ───────────────────────────

const ofType = <T extends CanonicalEvent['type']>(events: readonly CanonicalEvent[], type: T): EventOf<T>[] =>
  events.filter((e): e is EventOf<T> => e.type === type);

/** The earliest event of a list by (`occurredAt`, `eventId`): deterministic whatever the order. */
const earliest = <E extends CanonicalEvent>(events: readonly E[]): E | undefined => {
  let best: E | undefined;
  for (const e of events) {
    if (best === undefined) {
      best = e;
      continue;
    }
    const d = epochMs(e.occurredAt) - epochMs(best.occurredAt);
    if (d < 0 || (d === 0 && e.eventId < best.eventId)) best = e;
  }
  return best;
};

const minTime = (events: readonly CanonicalEvent[]): number | null => {
  const first = earliest(events);
  return first === undefined ? null : epochMs(first.occurredAt);
};

const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
/** Distinct strings in code-unit order: keys of the output records come out in a fixed order. */
const distinctSorted = (xs: readonly string[]): string[] => distinct(xs).sort();

// ─────────────────────────── the entities ───────────────────────────

/** A conversation whose start is known (the others count nowhere). */
interface Conversation {
  id: string;
  /** earliest start time */
  startMs: number;
  /** earliest end time, or null while no end is known */
  endMs: number | null;
  /** start's `userId`, else the conversation id */
  user: string;
  language: string;
  region: string;
  /** every activity instant: the (earliest) start, each message, each activity event */
  activityMs: number[];
}

const conversationsOf = (events: readonly CanonicalEvent[], labels: OracleLabels): Conversation[] => {
  const starts = ofType(events, 'conversation.started');
  const ids = distinct(starts.map((s) => s.conversationId));
  return ids.map((id): Conversation => {
    const myStarts = starts.filter((s) => s.conversationId === id);
    // Language, region and user come from one start event; the earliest by (time, eventId)
    // stands in for "the first applied" so that the oracle does not depend on order.
    const first = earliest(myStarts);
    if (first === undefined) throw new Error('unreachable');
    const startMs = epochMs(first.occurredAt);
    const endMs = minTime(ofType(events, 'conversation.ended').filter((e) => e.conversationId === id));
    const messageMs = ofType(events, 'message.sent')
      .filter((m) => m.conversationId === id)
      .map((m) => epochMs(m.occurredAt));
    const activityEventMs = ofType(events, 'conversation.activity')
      .filter((a) => a.conversationId === id)
      .map((a) => epochMs(a.occurredAt));
    return {
      id,
      startMs,
      endMs,
      user: first.userId ?? id,
      language: allowed(labels.languages, first.language),
      region: first.region === undefined ? NO_REGION : allowed(labels.regions, first.region),
      activityMs: [startMs, ...messageMs, ...activityEventMs],
    };
  });
};

/** Does the conversation have an activity minute among `m − n + 1 … m`? */
const activeInMinutes = (c: Conversation, n: number, m: number): boolean => c.activityMs.some((t) => minuteOf(t) >= m - n + 1 && minuteOf(t) <= m);

type EscalationStatus = 'pending' | 'in_progress' | 'resolved' | 'failed';

/** An escalation whose creation is known (the others count nowhere). */
interface Escalation {
  id: string;
  createdMs: number;
  priority: Priority;
  assignedMs: number | null;
  resolvedMs: number | null;
  failedMs: number | null;
  status: EscalationStatus;
  /** the earliest of assignment and resolution; failing is not being served */
  servedMs: number | null;
}

const escalationsOf = (events: readonly CanonicalEvent[]): Escalation[] => {
  const created = ofType(events, 'escalation.created');
  const ids = distinct(created.map((c) => c.escalationId));
  return ids.map((id): Escalation => {
    const first = earliest(created.filter((c) => c.escalationId === id));
    if (first === undefined) throw new Error('unreachable');
    const assignedMs = minTime(ofType(events, 'escalation.assigned').filter((e) => e.escalationId === id));
    const resolvedMs = minTime(ofType(events, 'escalation.resolved').filter((e) => e.escalationId === id));
    const failedMs = minTime(ofType(events, 'escalation.failed').filter((e) => e.escalationId === id));
    const status: EscalationStatus = resolvedMs !== null ? 'resolved' : failedMs !== null ? 'failed' : assignedMs !== null ? 'in_progress' : 'pending';
    const served = [assignedMs, resolvedMs].filter((t): t is number => t !== null);
    return {
      id,
      createdMs: epochMs(first.occurredAt),
      priority: first.priority,
      assignedMs,
      resolvedMs,
      failedMs,
      status,
      servedMs: served.length === 0 ? null : Math.min(...served),
    };
  });
};

// ─────────────────────────── the oracle ───────────────────────────

/** Which labels get their own key (configuration); any other value is reported as `other`. */
export interface OracleLabels {
  languages: readonly string[];
  regions: readonly string[];
  functionNames: readonly string[];
}

const allowed = (list: readonly string[], value: string): string => (list.includes(value) ? value : OVERFLOW_LABEL);

/**
 * How many escalations were served today (the first of assigned or resolved, on today's local
 * date): the document does not state it, but the service-level alert waits for 5 of them.
 */
export function escalationsServedToday(events: readonly CanonicalEvent[], at: Date, timeZone: string): number {
  const today = localDate(at.getTime(), timeZone);
  return escalationsOf(dedupeByEventId(events)).filter((e) => e.servedMs !== null && localDate(e.servedMs, timeZone) === today).length;
}

/** SPEC §4.1: SERVICE_LEVEL_SECONDS when it is not configured. */
export const SPEC_SERVICE_LEVEL_SECONDS = 120;

export function computeOracle(
  events: readonly CanonicalEvent[],
  at: Date,
  timeZone: string,
  labels: OracleLabels = DEFAULT_LABEL_LISTS,
  serviceLevelSeconds: number = SPEC_SERVICE_LEVEL_SECONDS,
): OracleMetrics {
  const facts = dedupeByEventId(events);
  const T = at.getTime();
  if (Number.isNaN(T)) throw new Error('oracle: invalid read time');
  const mT = minuteOf(T);
  const today = localDate(T, timeZone);
  const isToday = (ms: number): boolean => localDate(ms, timeZone) === today;
  const inW = (ms: number, n: number): boolean => inLastMinutes(ms, n, T);

  // ── conversations ──
  const conversations = conversationsOf(facts, labels);

  const live = conversations.filter((c) => c.endMs === null && activeInMinutes(c, 30, mT));
  const byLanguage: Record<string, number> & { en: number; es: number } = { en: 0, es: 0 };
  for (const lang of distinctSorted(live.map((c) => c.language))) {
    byLanguage[lang] = live.filter((c) => c.language === lang).length;
  }

  const endedInLastHour = conversations.filter((c): c is Conversation & { endMs: number } => c.endMs !== null && inW(c.endMs, 60));
  // Sum the durations in ms (integers, exact), then convert: mean seconds = Σms / n / 1000.
  const averageDuration = endedInLastHour.length === 0 ? 0 : round2(sumSorted(endedInLastHour.map((c) => c.endMs - c.startMs)) / endedInLastHour.length / 1000);

  const tsT = tenSecondsOf(T);
  const newInLastMinute = conversations.filter((c) => tenSecondsOf(c.startMs) >= tsT - 5 && tenSecondsOf(c.startMs) <= tsT).length;

  // ── users ──
  const active = conversations.filter((c) => activeInMinutes(c, 5, mT));
  const activeUserIds = distinct(active.map((c) => c.user));
  const firstSeenMs = (user: string): number => Math.min(...conversations.filter((c) => c.user === user).map((c) => c.startMs));
  const dayStart = localDayStartMs(T, timeZone);
  const returning = activeUserIds.filter((u) => firstSeenMs(u) < dayStart).length;
  const byRegion: Record<string, number> = {};
  for (const region of distinctSorted(active.map((c) => c.region))) {
    byRegion[region] = active.filter((c) => c.region === region).length;
  }
  // The minutes of today up to T's: from the first minute bucket that starts today.
  let peakConcurrent = 0;
  for (let m = Math.ceil(dayStart / MINUTE_MS); m <= mT; m++) {
    // each minute with its own W_5, as the document at that minute's end gave it: starts known by then
    const totalAtM = conversations.filter((c) => minuteOf(c.startMs) <= m && activeInMinutes(c, 5, m)).length;
    peakConcurrent = Math.max(peakConcurrent, totalAtM);
  }

  // ── escalations ──
  const escalations = escalationsOf(facts);
  const pendingEscalations = escalations.filter((e) => e.status === 'pending');
  const servedToday = escalations.filter((e): e is Escalation & { servedMs: number } => e.servedMs !== null && isToday(e.servedMs));
  const oldestPendingCreatedMs = pendingEscalations.length === 0 ? null : Math.min(...pendingEscalations.map((e) => e.createdMs));
  const ageSeconds = (createdMs: number): number => Math.max(0, Math.floor((T - createdMs) / 1000));
  // "within SERVICE_LEVEL_SECONDS of creation": a wait of exactly that long is within.
  const servedWithin = servedToday.filter((e) => e.servedMs - e.createdMs <= serviceLevelSeconds * 1000);
  // Oldest creation first; ties by escalationId in code-unit order.
  const byAge = [...pendingEscalations].sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  // ── messages ──
  const messages = ofType(facts, 'message.sent');
  const botSamplesW5 = messages
    .filter((m) => m.sender === 'bot' && inW(epochMs(m.occurredAt), 5))
    .map((m) => m.processingTimeMs)
    .filter((p): p is number => p !== undefined);

  // ── telemetry ──
  const samplesW5 = ofType(facts, 'system.sample').filter((s) => inW(epochMs(s.occurredAt), 5));
  const cpuUsage = meanOrNull(samplesW5.map((s) => s.cpuPercent));
  const requestsW5 = ofType(facts, 'request.completed').filter((r) => inW(epochMs(r.occurredAt), 5));
  const startOfW5 = (mT - 4) * MINUTE_MS;
  const invocationsW5 = ofType(facts, 'function.invocation').filter((f) => inW(epochMs(f.occurredAt), 5));
  const lambdaMetrics: SystemPerformance['lambdaMetrics'] = {};
  const functionOf = (f: EventOf<'function.invocation'>): string => allowed(labels.functionNames, f.functionName);
  for (const name of distinctSorted(invocationsW5.map(functionOf))) {
    const mine = invocationsW5.filter((f) => functionOf(f) === name);
    lambdaMetrics[name] = {
      invocations: mine.length,
      errors: mine.filter((f) => f.error).length,
      duration: mean0(mine.map((f) => f.durationMs)),
      throttles: mine.filter((f) => f.throttled).length,
    };
  }

  const activeUsersTotal = active.length;
  return {
    timestamp: at.toISOString(),
    activeConnections: activeUsersTotal,
    messagesLastHour: messages.filter((m) => inW(epochMs(m.occurredAt), 60)).length,
    escalationsToday: escalations.filter((e) => isToday(e.createdMs)).length,
    systemLoad: cpuUsage === null ? 0 : round2(cpuUsage / 100),
    responseTime: mean0(botSamplesW5),
    liveConversations: {
      total: live.length,
      byLanguage,
      averageDuration,
      newInLastMinute,
    },
    activeUsers: {
      total: activeUsersTotal,
      unique: activeUserIds.length,
      returning,
      byRegion,
      peakConcurrent,
    },
    realTimeEscalations: {
      pending: pendingEscalations.length,
      inProgress: escalations.filter((e) => e.status === 'in_progress').length,
      resolved: escalations.filter((e) => e.resolvedMs !== null && isToday(e.resolvedMs)).length,
      averageWaitTime: servedToday.length === 0 ? 0 : round2(sumSorted(servedToday.map((e) => e.servedMs - e.createdMs)) / servedToday.length / 1000),
      criticalCount: escalations.filter((e) => (e.status === 'pending' || e.status === 'in_progress') && e.priority === 'critical').length,
      oldestPendingAge: oldestPendingCreatedMs === null ? 0 : ageSeconds(oldestPendingCreatedMs),
      serviceLevel: servedToday.length === 0 ? null : round2(servedWithin.length / servedToday.length),
      failedToday: escalations.filter((e) => e.status === 'failed' && e.failedMs !== null && isToday(e.failedMs)).length,
      oldestPending: byAge.slice(0, 5).map((e) => ({ escalationId: e.id, priority: e.priority, ageSeconds: ageSeconds(e.createdMs) })),
    },
    systemPerformance: {
      responseTime:
        botSamplesW5.length === 0 ? null : { p50: nearestRank(botSamplesW5, 50), p95: nearestRank(botSamplesW5, 95), p99: nearestRank(botSamplesW5, 99) },
      cpuUsage,
      memoryUsage: meanOrNull(samplesW5.map((s) => s.memoryPercent)),
      diskUsage: meanOrNull(samplesW5.map((s) => s.diskPercent)),
      networkLatency: meanOrNull(samplesW5.map((s) => s.networkLatencyMs).filter((l): l is number => l !== undefined)),
      errorRate: requestsW5.length === 0 ? 0 : round2(requestsW5.filter((r) => r.statusCode >= 500).length / requestsW5.length),
      throughput: round2(requestsW5.length / ((T - startOfW5) / 1000)),
      lambdaMetrics,
    },
    series: lastHourSeries(facts, T, labels, { live: live.length, active: active.length }),
  };
}

// ─────────────────────────── the last hour (SPEC §4.1) ───────────────────────────

/**
 * `series`: for each minute m_i of W_60(T), the facts of that minute, and the live and active
 * totals of the document at T_i (its last millisecond), recomputed from only the facts with
 * `occurredAt ≤ T_i`. The last entry is T's own document (`now`), which counts every fact given.
 */
function lastHourSeries(facts: readonly CanonicalEvent[], T: number, labels: OracleLabels, now: { live: number; active: number }): OracleMetrics['series'] {
  const mT = minuteOf(T);
  const minutes = Array.from({ length: 60 }, (_, i) => mT - 59 + i);
  const inMinute = (ms: number, m: number): boolean => minuteOf(ms) === m;
  const messages = ofType(facts, 'message.sent');
  const conversations = conversationsOf(facts, labels);
  const escalations = escalationsOf(facts);
  const totalsAt = (m: number): { live: number; active: number } => {
    if (m === mT) return now;
    const known = facts.filter((e) => epochMs(e.occurredAt) <= (m + 1) * MINUTE_MS - 1);
    const then = conversationsOf(known, labels);
    return {
      live: then.filter((c) => c.endMs === null && activeInMinutes(c, 30, m)).length,
      active: then.filter((c) => activeInMinutes(c, 5, m)).length,
    };
  };
  const totals = minutes.map(totalsAt);
  return {
    minutes: minutes.map((m) => new Date(m * MINUTE_MS).toISOString()),
    messages: minutes.map((m) => messages.filter((x) => inMinute(epochMs(x.occurredAt), m)).length),
    conversationsStarted: minutes.map((m) => conversations.filter((c) => inMinute(c.startMs, m)).length),
    escalationsCreated: minutes.map((m) => escalations.filter((e) => inMinute(e.createdMs, m)).length),
    liveConversations: totals.map((t) => t.live),
    activeUsers: totals.map((t) => t.active),
    responseTimeP95: minutes.map((m) => {
      const times = messages
        .filter((x) => x.sender === 'bot' && inMinute(epochMs(x.occurredAt), m))
        .map((x) => x.processingTimeMs)
        .filter((p): p is number => p !== undefined);
      return times.length === 0 ? null : nearestRank(times, 95);
    }),
  };
}
