import type { LabelPolicy } from '../aggregators/labels';
import { OVERFLOW_LABEL } from '../config/label-lists';
import type { CanonicalEvent, Priority } from '../schemas/canonical-events';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import { localDayBounds } from './calendar';

type Escalations = RealTimeMetrics['realTimeEscalations'];

/**
 * The numbers of the document that the producer tables determine, in the document's own shape
 * (docs/semantics.md, "Rebuild and drift"). Telemetry, freshness, alerts and Clara Pulse's own
 * measurements are not here: no producer table holds them.
 */
export interface TableNumbers {
  activeConnections: number;
  messagesLastHour: number;
  escalationsToday: number;
  responseTime: number;
  liveConversations: RealTimeMetrics['liveConversations'];
  activeUsers: RealTimeMetrics['activeUsers'];
  realTimeEscalations: Pick<
    Escalations,
    'pending' | 'inProgress' | 'resolved' | 'averageWaitTime' | 'criticalCount' | 'oldestPendingAge' | 'serviceLevel' | 'failedToday' | 'oldestPending'
  >;
  systemPerformance: { responseTime: RealTimeMetrics['systemPerformance']['responseTime'] };
  /** The last hour minute by minute (its `minutes` are the same for every reader of `T`). */
  series: Omit<RealTimeMetrics['series'], 'minutes'>;
}

const MINUTE_MS = 60_000;
const TEN_SECONDS_MS = 10_000;
const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS);
const tenSecondsOf = (ms: number) => Math.floor(ms / TEN_SECONDS_MS);
const round2 = (x: number) => Math.round(x * 100) / 100;
/** Sums in ascending order, so that the result does not depend on the order the items were read in. */
const sumSorted = (values: number[]) => values.sort((a, b) => a - b).reduce((total, value) => total + value, 0);
const mean0 = (values: number[]) => (values.length === 0 ? 0 : round2(sumSorted(values) / values.length));
/** The nearest-rank quantile `v[ceil(q·n) − 1]`, the rank computed in integers. */
const nearestRank = (sorted: readonly number[], percent: number) => sorted[Math.max(1, Math.ceil((percent * sorted.length) / 100)) - 1]!;

/** The earliest of two describing events: by time, ties by eventId, so reading order never matters. */
interface Described {
  at: number;
  eventId: string;
}
const describes = (candidate: Described, current: Described | undefined) =>
  !current || candidate.at < current.at || (candidate.at === current.at && candidate.eventId < current.eventId);
const earliest = (current: number | undefined, at: number) => (current === undefined || at < current ? at : current);

interface Conversation {
  id: string;
  startMs?: number;
  describedBy?: Described;
  userId?: string;
  language?: string;
  region?: string;
  endMs?: number;
  /** Minutes of messages and activity events the windows at T can see; older ones are dropped as they are read. */
  minutes: Set<number>;
}

interface Escalation {
  id: string;
  createdMs?: number;
  describedBy?: Described;
  priority?: Priority;
  assignedMs?: number;
  resolvedMs?: number;
  failedMs?: number;
}

/**
 * A brute-force recomputation of the table-determined numbers at one instant `T`, fed the facts
 * of every producer item as they are read. It keeps per conversation and escalation only what
 * the numbers at `T` need (no message list, activity minutes only from the earliest window that
 * looks at them), so its memory grows with the entities, not with the messages. Facts after `T`
 * had not happened at `T` and are left out — unless `factsUpTo` says otherwise: the drift check
 * also recomputes with every fact, as a read path that serves the state as of now shows it.
 *
 * It shares no code with the write path: it is what the drift check holds the served document to.
 */
export class TableFacts {
  private readonly conversations = new Map<string, Conversation>();
  private readonly escalations = new Map<string, Escalation>();
  /** Messages and bot processing times of each minute of the last hour (its last 5 are W_5). */
  private readonly messagesByMinute = new Map<number, number>();
  private readonly botTimesByMinute = new Map<number, number[]>();
  private readonly mT: number;
  private readonly day: { startMs: number; endMs: number };
  private readonly firstTodayMinute: number;
  /** The earliest minute any window reads activity from: live's W_30 of the series' first minute, or the day's first W_5 for the peak. */
  private readonly keepFrom: number;

  constructor(
    private readonly atMs: number,
    timeZone: string,
    /** The allow-lists of labels (configuration): a language or region not on them is reported as `other`. */
    private readonly labels: LabelPolicy,
    /** SERVICE_LEVEL_SECONDS (configuration): a wait up to this long is within the service level. */
    private readonly serviceLevelSeconds: number,
    /** The latest `occurredAt` that counts; by default `T`. Windows still end with `T`'s minute. */
    private readonly factsUpTo = atMs,
  ) {
    this.mT = minuteOf(atMs);
    this.day = localDayBounds(atMs, timeZone);
    this.firstTodayMinute = Math.ceil(this.day.startMs / MINUTE_MS);
    this.keepFrom = Math.min(this.mT - 59 - 29, this.firstTodayMinute - 4);
  }

  add(event: CanonicalEvent): void {
    const at = Date.parse(event.occurredAt);
    if (at > this.factsUpTo) return;
    switch (event.type) {
      case 'conversation.started': {
        const c = this.conversation(event.conversationId);
        // Only the earliest start is activity; numbers() adds its minute.
        c.startMs = earliest(c.startMs, at);
        const candidate = { at, eventId: event.eventId };
        if (describes(candidate, c.describedBy)) {
          c.describedBy = candidate;
          c.language = this.labels.languages.has(event.language) ? event.language : OVERFLOW_LABEL;
          c.userId = event.userId;
          c.region = event.region === undefined || this.labels.regions.has(event.region) ? event.region : OVERFLOW_LABEL;
        }
        return;
      }
      case 'conversation.activity':
        this.activity(this.conversation(event.conversationId), at);
        return;
      case 'conversation.ended': {
        const c = this.conversation(event.conversationId);
        c.endMs = earliest(c.endMs, at);
        return;
      }
      case 'message.sent': {
        this.activity(this.conversation(event.conversationId), at);
        const minute = minuteOf(at);
        if (minute > this.mT) return;
        if (minute > this.mT - 60) {
          this.messagesByMinute.set(minute, (this.messagesByMinute.get(minute) ?? 0) + 1);
          if (event.sender === 'bot' && event.processingTimeMs !== undefined) {
            const times = this.botTimesByMinute.get(minute) ?? [];
            times.push(event.processingTimeMs);
            this.botTimesByMinute.set(minute, times);
          }
        }
        return;
      }
      case 'escalation.created': {
        const e = this.escalation(event.escalationId);
        e.createdMs = earliest(e.createdMs, at);
        const candidate = { at, eventId: event.eventId };
        if (describes(candidate, e.describedBy)) {
          e.describedBy = candidate;
          e.priority = event.priority;
        }
        return;
      }
      case 'escalation.assigned': {
        const e = this.escalation(event.escalationId);
        e.assignedMs = earliest(e.assignedMs, at);
        return;
      }
      case 'escalation.resolved': {
        const e = this.escalation(event.escalationId);
        e.resolvedMs = earliest(e.resolvedMs, at);
        return;
      }
      case 'escalation.failed': {
        const e = this.escalation(event.escalationId);
        e.failedMs = earliest(e.failedMs, at);
        return;
      }
      default:
        // Telemetry: no producer table holds it.
        return;
    }
  }

  /** The numbers at `T` from every fact added so far. */
  numbers(): TableNumbers {
    const started = [...this.conversations.values()].filter((c): c is Conversation & { startMs: number } => c.startMs !== undefined);
    // The (earliest) start is activity too.
    const minutesOf = (c: Conversation & { startMs: number }) => [minuteOf(c.startMs), ...c.minutes];
    const inLast = (c: Conversation & { startMs: number }, n: number) => minutesOf(c).some((minute) => minute > this.mT - n && minute <= this.mT);
    const userOf = (c: Conversation) => c.userId ?? c.id;

    const live = started.filter((c) => c.endMs === undefined && inLast(c, 30));
    const byLanguage: Record<string, number> & { en: number; es: number } = { en: 0, es: 0 };
    for (const c of live) byLanguage[c.language!] = (byLanguage[c.language!] ?? 0) + 1;
    const endedLastHour = started.filter((c) => c.endMs !== undefined && minuteOf(c.endMs) > this.mT - 60 && minuteOf(c.endMs) <= this.mT);
    const tsT = tenSecondsOf(this.atMs);

    const firstSeen = new Map<string, number>();
    for (const c of started) firstSeen.set(userOf(c), Math.min(firstSeen.get(userOf(c)) ?? Infinity, c.startMs));
    const active = started.filter((c) => inLast(c, 5));
    const activeUsers = new Set(active.map(userOf));
    const byRegion: Record<string, number> = {};
    for (const c of active) byRegion[c.region ?? 'unknown'] = (byRegion[c.region ?? 'unknown'] ?? 0) + 1;

    const escalations = [...this.escalations.values()].filter((e): e is Escalation & { createdMs: number } => e.createdMs !== undefined);
    const statusOf = (e: Escalation) =>
      e.resolvedMs !== undefined ? 'resolved' : e.failedMs !== undefined ? 'failed' : e.assignedMs !== undefined ? 'in_progress' : 'pending';
    const isToday = (ms: number | undefined) => ms !== undefined && ms >= this.day.startMs && ms < this.day.endMs;
    const pending = escalations.filter((e) => statusOf(e) === 'pending');
    const open = escalations.filter((e) => statusOf(e) === 'pending' || statusOf(e) === 'in_progress');
    const waits = escalations.flatMap((e) => {
      const served = Math.min(e.assignedMs ?? Infinity, e.resolvedMs ?? Infinity);
      return Number.isFinite(served) && isToday(served) ? [served - e.createdMs] : [];
    });
    const withinServiceLevel = waits.filter((wait) => wait <= this.serviceLevelSeconds * 1000).length;
    const oldestPending = Math.min(...pending.map((e) => e.createdMs));
    const ageSeconds = (createdMs: number) => Math.max(0, Math.floor((this.atMs - createdMs) / 1000));
    const oldestFive = pending
      .sort((a, b) => a.createdMs - b.createdMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, 5)
      .map((e) => ({ escalationId: e.id, priority: e.priority ?? 'low', ageSeconds: ageSeconds(e.createdMs) }));

    const botTimes = Array.from({ length: 5 }, (_, i) => this.botTimesByMinute.get(this.mT - 4 + i) ?? [])
      .flat()
      .sort((a, b) => a - b);
    return {
      activeConnections: active.length,
      messagesLastHour: [...this.messagesByMinute.values()].reduce((total, n) => total + n, 0),
      escalationsToday: escalations.filter((e) => isToday(e.createdMs)).length,
      responseTime: mean0([...botTimes]),
      liveConversations: {
        total: live.length,
        byLanguage,
        averageDuration: endedLastHour.length === 0 ? 0 : round2(sumSorted(endedLastHour.map((c) => c.endMs! - c.startMs)) / endedLastHour.length / 1000),
        newInLastMinute: started.filter((c) => tenSecondsOf(c.startMs) > tsT - 6 && tenSecondsOf(c.startMs) <= tsT).length,
      },
      activeUsers: {
        total: active.length,
        unique: activeUsers.size,
        returning: [...activeUsers].filter((user) => firstSeen.get(user)! < this.day.startMs).length,
        byRegion,
        // each minute as its end knew it: a conversation counts from its start's minute on
        peakConcurrent: this.peakConcurrent(started.map((c) => minutesOf(c).filter((minute) => minute >= minuteOf(c.startMs)))),
      },
      realTimeEscalations: {
        pending: pending.length,
        inProgress: escalations.filter((e) => statusOf(e) === 'in_progress').length,
        resolved: escalations.filter((e) => isToday(e.resolvedMs)).length,
        averageWaitTime: waits.length === 0 ? 0 : round2(sumSorted(waits) / waits.length / 1000),
        criticalCount: open.filter((e) => e.priority === 'critical').length,
        oldestPendingAge: Number.isFinite(oldestPending) ? ageSeconds(oldestPending) : 0,
        serviceLevel: waits.length === 0 ? null : round2(withinServiceLevel / waits.length),
        failedToday: escalations.filter((e) => statusOf(e) === 'failed' && isToday(e.failedMs)).length,
        oldestPending: oldestFive,
      },
      systemPerformance: {
        responseTime: botTimes.length === 0 ? null : { p50: nearestRank(botTimes, 50), p95: nearestRank(botTimes, 95), p99: nearestRank(botTimes, 99) },
      },
      series: this.series(started, escalations),
    };
  }

  /**
   * Each minute of the last hour as the document at its end gave it: a conversation counts from
   * its start's minute, and is live until its end's.
   */
  private series(started: readonly (Conversation & { startMs: number })[], escalations: readonly { createdMs: number }[]): TableNumbers['series'] {
    const first = this.mT - 59;
    const perMinute = () => new Array<number>(60).fill(0);
    const live = perMinute();
    const active = perMinute();
    const conversationsStarted = perMinute();
    const escalationsCreated = perMinute();
    const inHour = (minute: number) => minute >= first && minute <= this.mT;
    for (const c of started) {
      const startMinute = minuteOf(c.startMs);
      if (inHour(startMinute)) conversationsStarted[startMinute - first]!++;
      const activity = [startMinute, ...[...c.minutes].filter((minute) => minute >= startMinute)];
      const cover = (width: number, until: number, counts: number[]) => {
        const covered = new Set<number>();
        for (const a of activity) for (let m = a; m < a + width && m < until; m++) if (inHour(m)) covered.add(m);
        for (const m of covered) counts[m - first]!++;
      };
      cover(30, c.endMs === undefined ? Infinity : minuteOf(c.endMs), live);
      cover(5, Infinity, active);
    }
    for (const e of escalations) if (inHour(minuteOf(e.createdMs))) escalationsCreated[minuteOf(e.createdMs) - first]!++;
    const minutes = Array.from({ length: 60 }, (_, i) => first + i);
    return {
      messages: minutes.map((minute) => this.messagesByMinute.get(minute) ?? 0),
      conversationsStarted,
      escalationsCreated,
      liveConversations: live,
      activeUsers: active,
      responseTimeP95: minutes.map((minute) => {
        const times = this.botTimesByMinute.get(minute);
        return times
          ? nearestRank(
              [...times].sort((a, b) => a - b),
              95,
            )
          : null;
      }),
    };
  }

  /**
   * The most conversations active in one minute of today, each minute with its own W_5: a
   * conversation covers the five minutes from each of its activity minutes, so its covered runs
   * are added into a difference array over today's minutes and the running sum's maximum is the peak.
   */
  private peakConcurrent(activityMinutes: readonly number[][]): number {
    const first = this.firstTodayMinute;
    if (this.mT < first) return 0;
    const delta = new Int32Array(this.mT - first + 2);
    for (const minutes of activityMinutes) {
      let runEnd = -Infinity;
      for (const minute of minutes.sort((a, b) => a - b)) {
        const from = Math.max(minute, runEnd + 1, first);
        const to = Math.min(minute + 4, this.mT);
        if (from > to) continue;
        delta[from - first]!++;
        delta[to - first + 1]!--;
        runEnd = to;
      }
    }
    let running = 0;
    let peak = 0;
    for (let i = 0; i <= this.mT - first; i++) {
      running += delta[i]!;
      peak = Math.max(peak, running);
    }
    return peak;
  }

  private activity(c: Conversation, at: number): void {
    const minute = minuteOf(at);
    if (minute >= this.keepFrom) c.minutes.add(minute);
  }

  private conversation(id: string): Conversation {
    let c = this.conversations.get(id);
    if (!c) {
      c = { id, minutes: new Set() };
      this.conversations.set(id, c);
    }
    return c;
  }

  private escalation(id: string): Escalation {
    let e = this.escalations.get(id);
    if (!e) {
      e = { id };
      this.escalations.set(id, e);
    }
    return e;
  }
}
