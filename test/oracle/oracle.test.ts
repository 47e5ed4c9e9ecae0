/**
 * Checks of the oracle itself: small histories whose numbers are worked out by hand (in the
 * comments), properties (order and duplicates do not matter, every output fits the document
 * schema), the alert rules, and the history generator.
 */
import fc from 'fast-check';
import { canonicalEventSchema, type CanonicalEvent, type CanonicalEventInput } from '../../schemas/canonical-events';
import { ALERT_IDS, ALERT_RULES, alertRuleById, DEFAULT_ALERT_THRESHOLDS, FRESHNESS_SOURCES } from '../../schemas/alert-rules';
import { realTimeMetricsSchema, type RealTimeMetrics } from '../../schemas/realtime-metrics';
import { firingAlertIds, type AlertInputs } from './alerts';
import { historyArb, historyWithRedeliveryArb, isoWithOffset, LARGE_HISTORY, SMALL_HISTORY } from './histories';
import { DEFAULT_LABEL_LISTS } from '../../config/label-lists';
import {
  computeOracle,
  dedupeByEventId,
  escalationsServedToday,
  localDate,
  localDayStartMs,
  minuteOf,
  nearestRank,
  type OracleLabels,
  type OracleMetrics,
  round2,
} from './oracle';

// ───────────────────────────── helpers ─────────────────────────────

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Body = DistributiveOmit<CanonicalEventInput, 'eventId' | 'occurredAt'>;

let seq = 0;
/** A validated canonical event, as the intake would hand it over. */
const ev = (occurredAt: string, body: Body, eventId = `t-${++seq}`): CanonicalEvent => canonicalEventSchema.parse({ ...body, eventId, occurredAt });

const start = (at: string, conversationId: string, extra: { userId?: string; language?: string; region?: string } = {}) =>
  ev(at, { type: 'conversation.started', conversationId, language: 'en', ...extra });
const activity = (at: string, conversationId: string) => ev(at, { type: 'conversation.activity', conversationId });
const end = (at: string, conversationId: string) => ev(at, { type: 'conversation.ended', conversationId });
const message = (at: string, conversationId: string, sender: 'user' | 'bot', processingTimeMs?: number) =>
  ev(at, {
    type: 'message.sent',
    conversationId,
    messageId: `m-${++seq}`,
    sender,
    ...(processingTimeMs === undefined ? {} : { processingTimeMs }),
  });
const created = (at: string, escalationId: string, priority: 'low' | 'medium' | 'high' | 'critical' | 'urgent' = 'low') =>
  ev(at, { type: 'escalation.created', escalationId, priority });
const assigned = (at: string, escalationId: string) => ev(at, { type: 'escalation.assigned', escalationId });
const resolved = (at: string, escalationId: string) => ev(at, { type: 'escalation.resolved', escalationId });
const failed = (at: string, escalationId: string) => ev(at, { type: 'escalation.failed', escalationId });
const request = (at: string, statusCode: number) => ev(at, { type: 'request.completed', service: 'chat', latencyMs: 12, statusCode });
const sample = (at: string, cpuPercent: number, memoryPercent: number, diskPercent: number, networkLatencyMs?: number) =>
  ev(at, {
    type: 'system.sample',
    source: 'host-1',
    cpuPercent,
    memoryPercent,
    diskPercent,
    ...(networkLatencyMs === undefined ? {} : { networkLatencyMs }),
  });
const invocation = (at: string, functionName: string, durationMs: number, error = false, throttled = false) =>
  ev(at, { type: 'function.invocation', functionName, durationMs, error, throttled });

const oracle = (events: CanonicalEvent[], at: string, timeZone = 'UTC', labels: OracleLabels = DEFAULT_LABEL_LISTS): OracleMetrics =>
  computeOracle(events, new Date(at), timeZone, labels);

/** The oracle's numbers completed into a whole document with made-up non-event parts. */
const asDocument = (m: OracleMetrics, lagSeconds: number | null = 3): RealTimeMetrics => {
  const freshness = Object.fromEntries(
    FRESHNESS_SOURCES.map((s) => [s, { newestEventAt: m.timestamp, lastAppliedAt: m.timestamp, lagSeconds }]),
  ) as RealTimeMetrics['freshness'];
  const alerts = [...firingAlertIds({ ...m, freshness })].map((id) => ({
    id,
    severity: alertRuleById(id).severity,
    message: alertRuleById(id).description,
    timestamp: m.timestamp,
    resolved: false as const,
  }));
  return {
    ...m,
    systemPerformance: {
      ...m.systemPerformance,
      dynamoDbMetrics: { readCapacityUtilization: 0.12, writeCapacityUtilization: 0.4, throttledRequests: 0, successfulRequests: 42 },
    },
    alerts,
    freshness,
  };
};

const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
  // a small deterministic shuffle (Fisher–Yates with an LCG), enough for hand-written cases
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};

// ───────────────────────────── hand-computed histories ─────────────────────────────

describe('oracle: conversations and the idle rule (UTC)', () => {
  // T = 12:00:30. m_T = minute 12:00. W_5 = 11:56…12:00, W_30 = 11:31…12:00, W_60 = 11:01…12:00.
  // The last minute = the ten-second buckets 11:59:40.000 … 12:00:39.999.
  const T = '2025-03-10T12:00:30.000Z';
  const events = [
    start('2025-03-10T11:31:00.000Z', 'A'), //                   minute m_T−29: live
    start('2025-03-10T11:30:59.999Z', 'B'), //                   minute m_T−30: idle, not live
    start('2025-03-10T10:00:00.000Z', 'C', { language: 'es' }),
    message('2025-03-10T11:31:10.000Z', 'C', 'user'), //          C's last activity m_T−29: live
    start('2025-03-10T10:00:00.000Z', 'D'),
    activity('2025-03-10T11:30:59.999Z', 'D'), //                D's last activity m_T−30: not live
    start('2025-03-10T11:45:00.000Z', 'E'),
    end('2025-03-10T11:50:00.000Z', 'E'), //                     ended: not live; lasted 300 s
    start('2025-03-10T12:00:45.000Z', 'F', { language: 'fr' }), // after T in T's minute: live, active,
    //                                                            but not "new in the last minute" (bucket 12:00:40 > T's)
    start('2025-03-10T11:59:40.000Z', 'I'), //                   first instant of the last minute: new
    end('2025-03-10T11:59:50.000Z', 'I'), //                     ended: not live; lasted 10 s
    start('2025-03-10T11:59:39.999Z', 'J', { language: 'es' }), // 1 ms too early to be new; live
    message('2025-03-10T11:59:00.000Z', 'G', 'bot', 100), //     G has no start: counts in no conversation number,
    end('2025-03-10T11:58:00.000Z', 'G'), //                     but its message counts as a message
  ];

  it('gives the numbers worked out by hand', () => {
    const m = oracle(events, T);
    // live: A, C, F, J. By language: A en, C es, F fr, J es.
    expect(m.liveConversations).toEqual({
      total: 4,
      byLanguage: { en: 1, es: 2, fr: 1 },
      averageDuration: 155, // ended in W_60: E 300 s and I 10 s → 155
      newInLastMinute: 1, //   I only
    });
    // activity in W_5 (11:56…12:00): F (12:00), I (11:59), J (11:59). No userIds: users = conversations.
    expect(m.activeUsers).toEqual({
      total: 3,
      unique: 3,
      returning: 0,
      byRegion: { unknown: 3 },
      // minutes 11:31…11:34 each see A (11:31), B (11:30), C (11:31), D (11:30) in their W_5 → 4
      peakConcurrent: 4,
    });
    expect(m.activeConnections).toBe(3);
    expect(m.messagesLastHour).toBe(2); // C's at 11:31:10 and G's at 11:59
    expect(m.responseTime).toBe(100); // G's bot message
    expect(m.systemPerformance.responseTime).toEqual({ p50: 100, p95: 100, p99: 100 });
  });

  it('counts a conversation with its last activity exactly 29 minutes back as live, 30 back as not', () => {
    const at = '2025-03-10T12:00:00.000Z';
    expect(oracle([start('2025-03-10T11:31:00.000Z', 'x')], at).liveConversations.total).toBe(1);
    expect(oracle([start('2025-03-10T11:30:59.999Z', 'x')], at).liveConversations.total).toBe(0);
    // the end is not activity, and an ended conversation is never live
    expect(oracle([start('2025-03-10T11:00:00.000Z', 'x'), end('2025-03-10T11:59:00.000Z', 'x')], at).liveConversations.total).toBe(0);
  });

  it('is empty-safe: no events gives zeros, nulls and en/es keys', () => {
    const m = oracle([], T);
    expect(m).toEqual({
      timestamp: T,
      activeConnections: 0,
      messagesLastHour: 0,
      escalationsToday: 0,
      systemLoad: 0,
      responseTime: 0,
      liveConversations: { total: 0, byLanguage: { en: 0, es: 0 }, averageDuration: 0, newInLastMinute: 0 },
      activeUsers: { total: 0, unique: 0, returning: 0, byRegion: {}, peakConcurrent: 0 },
      realTimeEscalations: {
        pending: 0,
        inProgress: 0,
        resolved: 0,
        averageWaitTime: 0,
        criticalCount: 0,
        oldestPendingAge: 0,
        serviceLevel: null,
        failedToday: 0,
        oldestPending: [],
      },
      systemPerformance: {
        responseTime: null,
        cpuUsage: null,
        memoryUsage: null,
        diskUsage: null,
        networkLatency: null,
        errorRate: 0,
        throughput: 0,
        lambdaMetrics: {},
      },
      // T = 12:00:30 → W_60 = 11:01 … 12:00
      series: {
        minutes: Array.from({ length: 60 }, (_, i) => new Date(Date.parse('2025-03-10T11:01:00.000Z') + i * 60_000).toISOString()),
        messages: Array(60).fill(0),
        conversationsStarted: Array(60).fill(0),
        escalationsCreated: Array(60).fill(0),
        liveConversations: Array(60).fill(0),
        activeUsers: Array(60).fill(0),
        responseTimeP95: Array(60).fill(null),
      },
    });
  });
});

describe('oracle: starts, ends and activity', () => {
  it('counts activity timed before the start once the start is known — a past minute only once its start is', () => {
    // T = 09:30:30 UTC; W_5 = 09:26…09:30: nobody is active now.
    // X starts at 09:20, but has an activity at 09:00; Y starts at 09:01, Z at 09:02.
    // Minute 09:02's value is the document at 09:02:59.999 (SPEC §4.1): X's start is not known
    // then, so its W_5 (08:58…09:02) holds Y and Z → peak 2. X's activity at 09:00 counts from
    // 09:20 on, in the minutes its window still reaches (none: 09:00 + 4 < 09:20).
    // W has activity at 09:00 but no start: it counts nowhere.
    const events = [
      start('2025-05-05T09:20:00.000Z', 'X'),
      activity('2025-05-05T09:00:00.000Z', 'X'),
      start('2025-05-05T09:01:00.000Z', 'Y'),
      start('2025-05-05T09:02:00.000Z', 'Z'),
      activity('2025-05-05T09:00:00.000Z', 'W'),
      message('2025-05-05T09:01:00.000Z', 'W', 'user'),
    ];
    const m = oracle(events, '2025-05-05T09:30:30.000Z');
    expect(m.activeUsers.total).toBe(0);
    expect(m.activeUsers.peakConcurrent).toBe(2);
    // live (W_30 = 09:01…09:30): X (start 09:20), Y (09:01), Z — W has no start
    expect(m.liveConversations.total).toBe(3);
    expect(m.messagesLastHour).toBe(1); // W's message still counts as a message
    // the series says the same minute by minute: 09:02 has Y and Z; 09:20 has X alone (Y and Z left W_5)
    const at = (iso: string) => m.series.minutes.indexOf(iso);
    expect(m.series.activeUsers[at('2025-05-05T09:02:00.000Z')]).toBe(2);
    expect(m.series.activeUsers[at('2025-05-05T09:20:00.000Z')]).toBe(1);
    expect(m.series.liveConversations[at('2025-05-05T09:19:00.000Z')]).toBe(2);
    expect(m.series.liveConversations[at('2025-05-05T09:20:00.000Z')]).toBe(3);
  });

  it('uses the earliest of repeated starts and ends; attributes come from the earliest start', () => {
    // Started at 10:00 and again (a retry) at 10:20; ended at 10:30 and again at 10:25.
    // Start 10:00, end 10:25 → 1500 s. T = 10:40:10, W_60 = 09:41…10:40.
    const events = [
      start('2025-05-05T10:20:00.000Z', 'R', { userId: 'u', language: 'es', region: 'US-TX' }),
      start('2025-05-05T10:00:00.000Z', 'R', { userId: 'u', language: 'es', region: 'US-TX' }),
      end('2025-05-05T10:30:00.000Z', 'R'),
      end('2025-05-05T10:25:00.000Z', 'R'),
    ];
    const m = oracle(events, '2025-05-05T10:40:10.000Z');
    expect(m.liveConversations.averageDuration).toBe(1500);
    expect(m.liveConversations.total).toBe(0);
  });

  it('takes only the earliest start as the start activity (docs: "the minute of its start")', () => {
    // Start 10:00, retried start 10:20. T = 10:22:30, W_5 = 10:18…10:22: the retry's minute is
    // not an activity minute, so nobody is active; W_30 = 09:53…10:22 holds the 10:00 start → live.
    const events = [start('2025-05-05T10:20:00.000Z', 'R'), start('2025-05-05T10:00:00.000Z', 'R')];
    const m = oracle(events, '2025-05-05T10:22:30.000Z');
    expect(m.activeUsers.total).toBe(0);
    expect(m.liveConversations.total).toBe(1);
    expect(m.liveConversations.newInLastMinute).toBe(0);
  });

  it('splits active conversations by region and users, with unknown for no region', () => {
    // T = 15:00:05; all four active. u1 has two conversations.
    const events = [
      start('2025-05-05T14:59:00.000Z', 'a', { userId: 'u1', region: 'US-TX' }),
      start('2025-05-05T14:58:00.000Z', 'b', { userId: 'u1', region: 'US-TX' }),
      start('2025-05-05T14:57:00.000Z', 'c', { userId: 'u2', region: 'PR' }),
      start('2025-05-05T14:56:00.000Z', 'd'),
    ];
    const m = oracle(events, '2025-05-05T15:00:05.000Z');
    expect(m.activeUsers).toMatchObject({ total: 4, unique: 3, returning: 0, byRegion: { 'US-TX': 2, PR: 1, unknown: 1 } });
  });
});

describe('oracle: labels outside the allow-lists', () => {
  it('counts languages, regions and function names it does not list as other, keeping the totals', () => {
    const T = '2025-05-05T15:00:05.000Z';
    const events = [
      start('2025-05-05T14:59:00.000Z', 'a', { language: 'xx', region: 'Mars-1' }),
      start('2025-05-05T14:58:00.000Z', 'b', { language: 'yy', region: 'Mars-2' }),
      start('2025-05-05T14:57:00.000Z', 'c', { language: 'en', region: 'US-TX' }),
      invocation('2025-05-05T14:59:30.000Z', 'ada-clara-chat', 10),
      invocation('2025-05-05T14:59:31.000Z', 'rogue-1', 20),
      invocation('2025-05-05T14:59:32.000Z', 'rogue-2', 30),
    ];
    const m = oracle(events, T);
    expect(m.liveConversations).toMatchObject({ total: 3, byLanguage: { en: 1, es: 0, other: 2 } });
    expect(m.activeUsers.byRegion).toEqual({ other: 2, 'US-TX': 1 });
    expect(m.systemPerformance.lambdaMetrics).toEqual({
      'ada-clara-chat': { invocations: 1, errors: 0, duration: 10, throttles: 0 },
      other: { invocations: 2, errors: 0, duration: 25, throttles: 0 },
    });
  });
});

describe('oracle: "today" in a non-UTC zone (America/Chicago, UTC−6 in January)', () => {
  // T = 06:02:30Z = 00:02:30 CST on Jan 15. Local today starts at 06:00:00Z.
  // In UTC, today started at 00:00:00Z the same day.
  // W_5 = minutes 05:58…06:02 (UTC minutes; windows do not care about the zone).
  const T = '2025-01-15T06:02:30.000Z';
  const events = [
    created('2025-01-15T05:59:59.999Z', 'e1'), //              Chicago: yesterday 23:59:59.999; pending
    created('2025-01-15T06:00:00.000Z', 'e2'), //              Chicago: today 00:00; pending
    created('2025-01-14T20:00:00.000Z', 'e3'),
    resolved('2025-01-15T05:30:00.000Z', 'e3'), //             Chicago: resolved yesterday; UTC: today (wait 34200 s)
    created('2025-01-15T05:50:00.000Z', 'e4'),
    resolved('2025-01-15T06:01:00.000Z', 'e4'), //             resolved today in both; wait 660 s
    start('2025-01-14T23:00:00.000Z', 'k1', { userId: 'u1' }), // u1 first seen on the 14th in both zones
    start('2025-01-15T06:01:00.000Z', 'k2', { userId: 'u1' }), // active
    start('2025-01-15T05:30:00.000Z', 'k3', { userId: 'u2' }), // u2 first seen 23:30 CST on the 14th / 05:30 UTC on the 15th
    start('2025-01-15T06:02:00.000Z', 'k4', { userId: 'u2' }), // active
    start('2025-01-15T05:58:30.000Z', 'k5'), //                  anonymous, active, started 23:58:30 CST (yesterday)
    start('2025-01-15T05:56:10.000Z', 'k6'), //                  not active at T (minute 05:56)
    start('2025-01-15T05:57:00.000Z', 'k7'), //                  not active at T (minute 05:57)
    start('2025-01-15T05:57:00.000Z', 'k8'),
  ];

  it('Chicago: the day starts at 06:00Z', () => {
    expect(localDate(Date.parse(T), 'America/Chicago')).toBe('2025-01-15');
    expect(localDayStartMs(Date.parse(T), 'America/Chicago')).toBe(Date.parse('2025-01-15T06:00:00.000Z'));
    const m = oracle(events, T, 'America/Chicago');
    expect(m.escalationsToday).toBe(1); // e2
    expect(m.realTimeEscalations).toEqual({
      pending: 2, //            e1, e2
      inProgress: 0,
      resolved: 1, //           e4
      averageWaitTime: 660, //  e4 only (e3 was served yesterday, local)
      criticalCount: 0,
      oldestPendingAge: 150, // e1: floor(150.001)
      serviceLevel: 0, //       e4 waited 660 s
      failedToday: 0,
      oldestPending: [
        { escalationId: 'e1', priority: 'low', ageSeconds: 150 },
        { escalationId: 'e2', priority: 'low', ageSeconds: 150 }, // 150 s exactly
      ],
    });
    // active: k2 (u1), k4 (u2), k5 (anonymous). First seen: u1 on the 14th, u2 at 05:30Z and k5 at
    // 05:58:30Z — both before 06:00Z — so all three are returning.
    // Today's minutes are 06:00, 06:01, 06:02. Minute 06:00's W_5 (05:56…06:00) reaches into
    // yesterday: k5, k6, k7, k8 → 4; 06:01 (05:57…06:01): k5, k7, k8, k2 → 4; 06:02: 3.
    expect(m.activeUsers).toEqual({ total: 3, unique: 3, returning: 3, byRegion: { unknown: 3 }, peakConcurrent: 4 });
  });

  it('UTC: the same events, another day boundary', () => {
    const m = oracle(events, T, 'UTC');
    expect(m.escalationsToday).toBe(3); // e1, e2, e4
    expect(m.realTimeEscalations).toMatchObject({
      resolved: 2, //                e3, e4
      averageWaitTime: 17430, //     (34200 + 660) / 2
      oldestPendingAge: 150,
    });
    // only u1 was first seen before 00:00Z; peak: minute 05:58 sees k6, k7, k8, k5 → 4
    // (and k3's minute 05:30 alone is 1)
    expect(m.activeUsers).toEqual({ total: 3, unique: 3, returning: 1, byRegion: { unknown: 3 }, peakConcurrent: 4 });
  });

  it('a returning user on a 25-hour day (Europe/Madrid, clocks back on 2025-10-26)', () => {
    // The local day 2025-10-26 runs from 2025-10-25T22:00Z (00:00 CEST) to 2025-10-26T23:00Z (24:00 CET).
    const at = '2025-10-26T22:59:30.000Z'; // 23:59:30 CET, the 25th hour of the day
    expect(localDayStartMs(Date.parse(at), 'Europe/Madrid')).toBe(Date.parse('2025-10-25T22:00:00.000Z'));
    const events = [
      start('2025-10-25T21:59:59.999Z', 'old', { userId: 'v1' }), // 23:59:59.999 CEST on the 25th
      start('2025-10-26T22:59:00.000Z', 'new1', { userId: 'v1' }),
      start('2025-10-25T22:00:00.000Z', 'old2', { userId: 'v2' }), // 00:00 on the 26th: today
      start('2025-10-26T22:58:00.000Z', 'new2', { userId: 'v2' }),
    ];
    const m = oracle(events, at, 'Europe/Madrid');
    expect(m.activeUsers).toMatchObject({ total: 2, unique: 2, returning: 1 });
    // today's first minute 22:00Z on the 25th: W_5 = 21:56…22:00 sees old and old2 → 2
    expect(m.activeUsers.peakConcurrent).toBe(2);
  });
});

describe('oracle: escalations', () => {
  it('follows escalations that skip states', () => {
    // T = 10:00:00 UTC on 2025-06-01; everything happens that day.
    const T = '2025-06-01T10:00:00.000Z';
    const events = [
      created('2025-06-01T09:00:00.000Z', 's1', 'high'),
      resolved('2025-06-01T09:10:00.000Z', 's1'), //   created → resolved: resolved, served after 600 s
      created('2025-06-01T09:20:00.000Z', 's2', 'medium'),
      failed('2025-06-01T09:25:00.000Z', 's2'), //     created → failed: closed, never served
      assigned('2025-06-01T09:30:00.000Z', 's3'), //   assigned, never created: counts nowhere
      created('2025-06-01T09:40:00.000Z', 's4', 'critical'),
      assigned('2025-06-01T09:45:00.000Z', 's4'),
      assigned('2025-06-01T09:42:00.000Z', 's4'), //   two assignments: the earliest, wait 120 s; in progress, critical
      created('2025-06-01T09:50:00.000Z', 's5', 'urgent'), // pending, urgent = critical; the oldest pending (600 s)
      created('2025-06-01T09:55:00.000Z', 's6', 'critical'),
      resolved('2025-06-01T09:58:00.000Z', 's6'), //   closed critical: not counted; wait 180 s
      created('2025-06-01T09:56:00.000Z', 's7'),
      assigned('2025-06-01T09:57:00.000Z', 's7'), //   served (wait 60 s), then
      failed('2025-06-01T09:59:00.000Z', 's7'), //     failed: closed, not in progress
      created('2025-06-01T09:59:30.000Z', 's8'), //    pending
      created('2025-06-01T08:00:00.000Z', 's9'),
      failed('2025-06-01T08:30:00.000Z', 's9'),
      resolved('2025-06-01T08:45:00.000Z', 's9'), //   failed and resolved: resolved wins; served at 08:45 (2700 s)
    ];
    const m = oracle(events, T);
    expect(m.escalationsToday).toBe(8); // all but s3
    expect(m.realTimeEscalations).toEqual({
      pending: 2, //             s5, s8
      inProgress: 1, //          s4
      resolved: 3, //            s1, s6, s9
      averageWaitTime: 732, //   (600 + 120 + 180 + 60 + 2700) / 5
      criticalCount: 2, //       s4, s5
      oldestPendingAge: 600, //  s5
      serviceLevel: 0.4, //      served s1 600 s, s4 120 s (exactly: within), s6 180 s, s7 60 s, s9 2700 s → 2 of 5
      failedToday: 2, //         s2, s7 (s9 failed too, but was resolved after: resolved wins)
      oldestPending: [
        { escalationId: 's5', priority: 'critical', ageSeconds: 600 }, // urgent is read as critical
        { escalationId: 's8', priority: 'low', ageSeconds: 30 },
      ],
    });
  });

  it('measures the wait the same when the assignment is delivered before the creation', () => {
    const T = '2025-06-01T10:10:00.000Z';
    // q1: created 10:00, assigned 10:05 → 300 s; q2: created 10:01, resolved 10:08 → 420 s.
    const outOfOrder = [
      assigned('2025-06-01T10:05:00.000Z', 'q1'),
      resolved('2025-06-01T10:08:00.000Z', 'q2'),
      created('2025-06-01T10:00:00.000Z', 'q1', 'high'),
      created('2025-06-01T10:01:00.000Z', 'q2'),
    ];
    const m = oracle(outOfOrder, T);
    expect(m.realTimeEscalations).toMatchObject({ pending: 0, inProgress: 1, resolved: 1, averageWaitTime: 360 });
    expect(oracle([...outOfOrder].reverse(), T)).toEqual(m);
    // before its creation is known, an assignment counts nowhere
    expect(oracle(outOfOrder.slice(0, 2), T).realTimeEscalations).toMatchObject({ inProgress: 0, resolved: 0, averageWaitTime: 0 });
    // an earlier assignment delivered later wins: served at 10:03 → 180 s
    const m2 = oracle([assigned('2025-06-01T10:05:00.000Z', 'q3'), created('2025-06-01T10:00:00.000Z', 'q3'), assigned('2025-06-01T10:03:00.000Z', 'q3')], T);
    expect(m2.realTimeEscalations.averageWaitTime).toBe(180);
  });

  it('does not let oldestPendingAge go below 0 (created after T in its minute)', () => {
    const m = oracle([created('2025-06-01T10:10:40.000Z', 'z', 'urgent')], '2025-06-01T10:10:30.000Z');
    expect(m.realTimeEscalations).toMatchObject({ pending: 1, oldestPendingAge: 0, criticalCount: 1 });
  });
});

describe('oracle: the escalation desk (SPEC §4.1)', () => {
  const T = '2025-06-01T10:00:00.000Z';

  it('has no service level, nothing failed and an empty list when nothing happened today', () => {
    // y1 was served yesterday (its wait is yesterday's), y2 failed yesterday and is still failed.
    const events = [
      created('2025-05-31T23:00:00.000Z', 'y1'),
      assigned('2025-05-31T23:01:00.000Z', 'y1'),
      created('2025-05-31T23:10:00.000Z', 'y2'),
      failed('2025-05-31T23:20:00.000Z', 'y2'),
    ];
    expect(oracle(events, T).realTimeEscalations).toMatchObject({ serviceLevel: null, failedToday: 0, oldestPending: [] });
    expect(oracle([], T).realTimeEscalations).toMatchObject({ serviceLevel: null, failedToday: 0, oldestPending: [] });
  });

  it('counts a wait of exactly SERVICE_LEVEL_SECONDS as within, one millisecond more as not', () => {
    const events = [
      created('2025-06-01T09:00:00.000Z', 'a'),
      assigned('2025-06-01T09:02:00.000Z', 'a'), //     120.000 s: within
      created('2025-06-01T09:10:00.000Z', 'b'),
      resolved('2025-06-01T09:12:00.001Z', 'b'), //     120.001 s: not within
      created('2025-06-01T09:20:00.000Z', 'c'),
      assigned('2025-06-01T09:25:00.000Z', 'c'), //     served by the assignment at 300 s: not within,
      resolved('2025-06-01T09:21:00.000Z', 'c'), //     …but the resolution came first: 60 s, within
      created('2025-06-01T09:30:00.000Z', 'd'),
      failed('2025-06-01T09:30:30.000Z', 'd'), //       failing is not being served: not counted at all
    ];
    // served today: a, b, c → within: a, c → 2/3 = 0.666… → 0.67
    expect(oracle(events, T).realTimeEscalations).toMatchObject({ serviceLevel: 0.67, failedToday: 1 });
    // SERVICE_LEVEL_SECONDS = 60: only c (60 s exactly) is within → 1/3 → 0.33
    expect(computeOracle(events, new Date(T), 'UTC', DEFAULT_LABEL_LISTS, 60).realTimeEscalations.serviceLevel).toBe(0.33);
    expect(escalationsServedToday(events, new Date(T), 'UTC')).toBe(3);
  });

  it('counts by the day of serving in METRICS_TIME_ZONE, whatever the day of creation', () => {
    // Chicago is UTC−5 in June: today (2025-06-01) starts at 05:00Z.
    const events = [
      created('2025-06-01T04:59:00.000Z', 'p'), //       created yesterday (Chicago),
      assigned('2025-06-01T05:00:30.000Z', 'p'), //      served today, 90 s: within
      created('2025-06-01T04:58:00.000Z', 'q'), //       119.999 s: within,
      assigned('2025-06-01T04:59:59.999Z', 'q'), //      but served yesterday (Chicago): not today's
    ];
    expect(oracle(events, T, 'America/Chicago').realTimeEscalations.serviceLevel).toBe(1);
    expect(oracle(events, T, 'UTC').realTimeEscalations.serviceLevel).toBe(1); // UTC: both served today, both within
    expect(escalationsServedToday(events, new Date(T), 'UTC')).toBe(2);
  });

  it('counts a failure by its earliest time, and only while the escalation is still failed', () => {
    const events = [
      created('2025-05-31T20:00:00.000Z', 'f1'),
      failed('2025-06-01T08:00:00.000Z', 'f1'), //       created yesterday, failed today: counts
      created('2025-06-01T08:00:00.000Z', 'f2'),
      failed('2025-06-01T09:00:00.000Z', 'f2'),
      failed('2025-05-31T23:59:59.999Z', 'f2'), //       its earliest failure is yesterday: not today's
      created('2025-06-01T08:00:00.000Z', 'f3'),
      failed('2025-06-01T08:10:00.000Z', 'f3'),
      resolved('2025-06-01T08:20:00.000Z', 'f3'), //     failed, then resolved: resolved, not failed
      created('2025-06-01T08:00:00.000Z', 'f4'),
      assigned('2025-06-01T08:01:00.000Z', 'f4'),
      failed('2025-06-01T08:30:00.000Z', 'f4'), //       in progress, then failed: counts
      failed('2025-06-01T08:30:00.000Z', 'f5'), //       never created: counts nowhere
    ];
    expect(oracle(events, T).realTimeEscalations.failedToday).toBe(2); // f1, f4
  });

  it('lists the five oldest pending, oldest first, ties by escalationId, ages floored and never below 0', () => {
    const events = [
      created('2025-06-01T09:50:00.000Z', 'e|7', 'high'), //        ids may hold any character; 600 s
      created('2025-06-01T09:40:00.500Z', 'b', 'urgent'), //        1199.5 s → 1199
      created('2025-06-01T09:40:00.500Z', 'a', 'medium'), //        the same instant: a before b
      created('2025-06-01T09:30:00.000Z', 'old', 'low'),
      assigned('2025-06-01T09:31:00.000Z', 'old'), //               in progress: not pending
      created('2025-06-01T09:45:00.000Z', 'c'), //                  900 s
      created('2025-06-01T09:55:00.000Z', 'd', 'critical'), //      300 s
      created('2025-06-01T09:58:00.000Z', 'sixth'), //              the sixth oldest pending: not listed
      created('2025-06-01T10:00:30.000Z', 'late', 'critical'), //   after T in its minute: pending, age 0, seventh
      created('2025-06-01T09:35:00.000Z', 'gone'),
      resolved('2025-06-01T09:36:00.000Z', 'gone'),
    ];
    const m = oracle(events, T);
    expect(m.realTimeEscalations.pending).toBe(7);
    expect(m.realTimeEscalations.oldestPending).toEqual([
      { escalationId: 'a', priority: 'medium', ageSeconds: 1199 },
      { escalationId: 'b', priority: 'critical', ageSeconds: 1199 },
      { escalationId: 'c', priority: 'low', ageSeconds: 900 },
      { escalationId: 'e|7', priority: 'high', ageSeconds: 600 },
      { escalationId: 'd', priority: 'critical', ageSeconds: 300 },
    ]);
    expect(m.realTimeEscalations.oldestPendingAge).toBe(1199);
    // Only two pending: both listed, the later one with age 0.
    const two = oracle([created('2025-06-01T10:00:30.000Z', 'z'), created('2025-06-01T09:59:59.999Z', 'y')], T);
    expect(two.realTimeEscalations.oldestPending).toEqual([
      { escalationId: 'y', priority: 'low', ageSeconds: 0 },
      { escalationId: 'z', priority: 'low', ageSeconds: 0 },
    ]);
  });
});

describe('oracle: response times', () => {
  const T = '2025-03-10T12:00:30.000Z'; // W_5 = 11:56…12:00

  it('takes exact nearest-rank percentiles of bot processing times in W_5', () => {
    // 20 values 10, 20, … 200: p50 = v[ceil(10) − 1] = v[9] = 100, p95 = v[ceil(19) − 1] = v[18] = 190,
    // p99 = v[ceil(19.8) − 1] = v[19] = 200; mean 105.
    const inWindow = Array.from({ length: 20 }, (_, i) =>
      message(`2025-03-10T11:5${6 + (i % 4)}:${String(10 + i).padStart(2, '0')}.000Z`, 'c', 'bot', (i + 1) * 10),
    );
    const events = [
      ...shuffled(inWindow, 7),
      message('2025-03-10T11:55:59.999Z', 'c', 'bot', 99999), // just before W_5: a message, no sample
      message('2025-03-10T11:58:00.000Z', 'c', 'user', 5000), // a user message: never a response time
      message('2025-03-10T11:58:00.000Z', 'c', 'bot'), //       a bot message without a processing time
    ];
    const m = oracle(events, T);
    expect(m.systemPerformance.responseTime).toEqual({ p50: 100, p95: 190, p99: 200 });
    expect(m.responseTime).toBe(105);
    expect(m.messagesLastHour).toBe(23);
  });

  it('nearest rank on small lists', () => {
    // [300, 100, 200] sorted [100, 200, 300]: p50 = v[ceil(1.5) − 1] = 200, p95 = v[ceil(2.85) − 1] = 300
    const m = oracle(
      [
        message('2025-03-10T12:00:00.000Z', 'c', 'bot', 300),
        message('2025-03-10T11:59:00.000Z', 'c', 'bot', 100),
        message('2025-03-10T11:57:00.000Z', 'c', 'bot', 200),
      ],
      T,
    );
    expect(m.systemPerformance.responseTime).toEqual({ p50: 200, p95: 300, p99: 300 });
    expect(m.responseTime).toBe(200);
    expect(nearestRank([7], 50)).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 1…100, reversed
    expect([nearestRank(hundred, 50), nearestRank(hundred, 95), nearestRank(hundred, 99)]).toEqual([50, 95, 99]);
    const sixty = Array.from({ length: 60 }, (_, i) => i + 1);
    // ceil(0.5·60) = 30, ceil(0.95·60) = 57, ceil(0.99·60) = ceil(59.4) = 60
    expect([nearestRank(sixty, 50), nearestRank(sixty, 95), nearestRank(sixty, 99)]).toEqual([30, 57, 60]);
  });

  it('rounds the mean to two decimals but keeps percentiles exact', () => {
    // 100.25, 100.5, 101 → mean 100.5833… → 100.58
    const m = oracle(
      [
        message('2025-03-10T11:59:00.000Z', 'c', 'bot', 100.25),
        message('2025-03-10T11:59:01.000Z', 'c', 'bot', 100.5),
        message('2025-03-10T11:59:02.000Z', 'c', 'bot', 101),
      ],
      T,
    );
    expect(m.responseTime).toBe(100.58);
    expect(m.systemPerformance.responseTime).toEqual({ p50: 100.5, p95: 101, p99: 101 });
  });
});

describe('oracle: telemetry', () => {
  it('divides requests in W_5 by the seconds from the start of W_5 to T', () => {
    // T = 12:00:30 → W_5 starts at 11:56:00 → 270 s. 27 requests in W_5, from the first instant of
    // W_5 to after T in T's minute; 3 of them 5xx (499 is not). One more just before W_5.
    const T = '2025-03-10T12:00:30.000Z';
    const codes = [500, 502, 599, 499, ...Array<number>(23).fill(200)];
    const times = [
      '2025-03-10T11:56:00.000Z',
      '2025-03-10T12:00:59.999Z',
      ...Array.from({ length: 25 }, (_, i) => `2025-03-10T11:5${7 + (i % 3)}:${String(i).padStart(2, '0')}.000Z`),
    ];
    const events = codes.map((code, i) => request(times[i] ?? '', code));
    events.push(request('2025-03-10T11:55:59.999Z', 500));
    const m = oracle(events, T);
    expect(m.systemPerformance.throughput).toBe(0.1); //   27 / 270
    expect(m.systemPerformance.errorRate).toBe(0.11); //   3 / 27 = 0.111…

    // T on a minute's first instant: W_5 starts 4 minutes earlier → 240 s; 9 / 240 = 0.0375 → 0.04
    const at = '2025-03-10T12:04:00.000Z';
    const nine = Array.from({ length: 9 }, (_, i) => request(`2025-03-10T12:0${i % 5}:00.000Z`, 200));
    expect(oracle(nine, at).systemPerformance).toMatchObject({ throughput: 0.04, errorRate: 0 });
  });

  it('averages system samples in W_5; network latency only over samples that have it', () => {
    const T = '2025-03-10T12:00:30.000Z';
    const m = oracle(
      [
        sample('2025-03-10T11:57:00.000Z', 50, 40, 10, 20),
        sample('2025-03-10T11:59:00.000Z', 70.5, 41, 11),
        sample('2025-03-10T11:50:00.000Z', 99, 99, 99, 999), // outside W_5
      ],
      T,
    );
    expect(m.systemPerformance).toMatchObject({ cpuUsage: 60.25, memoryUsage: 40.5, diskUsage: 10.5, networkLatency: 20 });
    expect(m.systemLoad).toBe(0.6); // 60.25 / 100 = 0.6025 → 0.6
    const noLatency = oracle([sample('2025-03-10T11:59:00.000Z', 10, 10, 10)], T);
    expect(noLatency.systemPerformance.networkLatency).toBeNull();
    expect(noLatency.systemLoad).toBe(0.1);
  });

  it('reports each function with an invocation in W_5', () => {
    const T = '2025-03-10T12:00:30.000Z';
    const m = oracle(
      [
        invocation('2025-03-10T11:57:00.000Z', 'f1', 100, true, false),
        invocation('2025-03-10T11:58:00.000Z', 'f1', 200, false, true),
        invocation('2025-03-10T12:00:50.000Z', 'f1', 301),
        invocation('2025-03-10T11:55:00.000Z', 'f1', 5000, true, true), // outside W_5
        invocation('2025-03-10T11:00:00.000Z', 'f2', 10), //             outside W_5: f2 absent
      ],
      T,
      'UTC',
      { ...DEFAULT_LABEL_LISTS, functionNames: ['f1', 'f2'] },
    );
    // f1 durations 100, 200, 301 → 200.333… → 200.33
    expect(m.systemPerformance.lambdaMetrics).toEqual({ f1: { invocations: 3, errors: 1, duration: 200.33, throttles: 1 } });
  });
});

describe('oracle: duplicates and order', () => {
  const T = '2025-06-01T10:00:00.000Z';
  const events = [
    start('2025-06-01T09:58:00.000Z', 'c1', { userId: 'u' }),
    message('2025-06-01T09:59:00.000Z', 'c1', 'bot', 1200),
    created('2025-06-01T09:50:00.000Z', 'x', 'critical'),
    assigned('2025-06-01T09:55:00.000Z', 'x'),
    request('2025-06-01T09:59:00.000Z', 503),
    sample('2025-06-01T09:59:00.000Z', 90, 50, 50),
  ];

  it('counts an eventId delivered twice (or three times) once', () => {
    const once = oracle(events, T);
    const twice = oracle([...events, ...events.map((e) => structuredClone(e)), events[1] as CanonicalEvent], T);
    expect(twice).toEqual(once);
    expect(once.messagesLastHour).toBe(1);
    expect(once.realTimeEscalations.inProgress).toBe(1);
    // but two facts with their own eventIds are two facts
    const other = message('2025-06-01T09:59:00.000Z', 'c1', 'bot', 1200);
    expect(oracle([...events, other], T).messagesLastHour).toBe(2);
  });

  it('refuses two different events under one eventId', () => {
    const a = message('2025-06-01T09:59:00.000Z', 'c1', 'bot', 1200);
    const b = { ...a, processingTimeMs: 1300 };
    expect(() => dedupeByEventId([a, b])).toThrow(/two different events/);
    expect(dedupeByEventId([a, { ...a }])).toHaveLength(1);
  });

  it('does not depend on the order of the events (hand-written)', () => {
    const m = oracle(events, T);
    for (const seed of [1, 2, 3, 4, 5]) expect(oracle(shuffled(events, seed), T)).toEqual(m);
  });

  it('property: redelivered and shuffled histories give the same numbers', () => {
    fc.assert(
      fc.property(historyWithRedeliveryArb(), ({ events: h, delivered, at, timeZone }) => {
        const inOrder = computeOracle(h, at, timeZone);
        const asDelivered = computeOracle(delivered, at, timeZone);
        expect(asDelivered).toEqual(inOrder);
        // keys come out in a fixed order too
        expect(JSON.stringify(asDelivered)).toBe(JSON.stringify(inOrder));
      }),
      { numRuns: 150 },
    );
  });
});

// ───────────────────────────── the document schema ─────────────────────────────

describe('realTimeMetricsSchema', () => {
  it('property: every oracle output, completed with the non-event parts, is a valid document', () => {
    fc.assert(
      fc.property(historyArb(), fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }), ({ events, at, timeZone }, lag) => {
        const m = computeOracle(events, at, timeZone);
        const result = realTimeMetricsSchema.safeParse(asDocument(m, lag));
        if (!result.success) throw new Error(JSON.stringify(result.error.issues));
        // small invariants of the oracle itself
        expect(m.activeConnections).toBe(m.activeUsers.total);
        expect(m.activeUsers.unique).toBeLessThanOrEqual(m.activeUsers.total);
        expect(m.activeUsers.returning).toBeLessThanOrEqual(m.activeUsers.unique);
        expect(m.activeUsers.peakConcurrent).toBeGreaterThanOrEqual(m.activeUsers.total);
        expect(Object.values(m.activeUsers.byRegion).reduce((a, b) => a + b, 0)).toBe(m.activeUsers.total);
        expect(Object.values(m.liveConversations.byLanguage).reduce((a, b) => a + b, 0)).toBe(m.liveConversations.total);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts a large history too', () => {
    fc.assert(
      fc.property(historyArb(LARGE_HISTORY), ({ events, at, timeZone }) => {
        expect(realTimeMetricsSchema.safeParse(asDocument(computeOracle(events, at, timeZone))).success).toBe(true);
      }),
      { numRuns: 10 },
    );
  });

  describe('rejects documents outside the contract', () => {
    const base = asDocument(
      oracle(
        [
          start('2025-06-01T09:58:00.000Z', 'c1', { region: 'US-TX' }),
          invocation('2025-06-01T09:59:00.000Z', 'f', 10),
          created('2025-06-01T09:00:00.000Z', 'x', 'critical'),
        ],
        '2025-06-01T10:00:00.000Z',
      ),
    );
    const ok = (doc: unknown): boolean => realTimeMetricsSchema.safeParse(doc).success;

    it('the base document is valid and has a firing alert', () => {
      expect(ok(base)).toBe(true);
      expect(base.realTimeEscalations.oldestPending).toEqual([{ escalationId: 'x', priority: 'critical', ageSeconds: 3600 }]);
      expect(base.alerts.map((a) => a.id).sort()).toEqual(['escalation-critical-open', 'escalation-oldest-pending']);
    });
    it.each<[string, (d: RealTimeMetrics) => unknown]>([
      ['an extra top-level field', (d) => ({ ...d, extra: 1 })],
      ['an extra nested field', (d) => ({ ...d, activeUsers: { ...d.activeUsers, extra: 1 } })],
      ['a missing field', (d) => ({ ...d, messagesLastHour: undefined })],
      ['byLanguage without es', (d) => ({ ...d, liveConversations: { ...d.liveConversations, byLanguage: { en: 0 } } })],
      ['another language at 0', (d) => ({ ...d, liveConversations: { ...d.liveConversations, byLanguage: { en: 0, es: 0, fr: 0 } } })],
      ['a region at 0', (d) => ({ ...d, activeUsers: { ...d.activeUsers, byRegion: { 'US-TX': 0 } } })],
      ['a fractional count', (d) => ({ ...d, activeConnections: 1.5 })],
      ['a negative count', (d) => ({ ...d, escalationsToday: -1 })],
      ['systemLoad above 1', (d) => ({ ...d, systemLoad: 1.2 })],
      ['errorRate above 1', (d) => ({ ...d, systemPerformance: { ...d.systemPerformance, errorRate: 2 } })],
      [
        'a function with no invocation',
        (d) => ({ ...d, systemPerformance: { ...d.systemPerformance, lambdaMetrics: { f: { invocations: 0, errors: 0, duration: 0, throttles: 0 } } } }),
      ],
      [
        'more errors than invocations',
        (d) => ({ ...d, systemPerformance: { ...d.systemPerformance, lambdaMetrics: { f: { invocations: 1, errors: 2, duration: 0, throttles: 0 } } } }),
      ],
      ['percentiles with an extra key', (d) => ({ ...d, systemPerformance: { ...d.systemPerformance, responseTime: { p50: 1, p95: 1, p99: 1, p90: 1 } } })],
      [
        'dynamoDbMetrics missing a field',
        (d) => ({
          ...d,
          systemPerformance: { ...d.systemPerformance, dynamoDbMetrics: { readCapacityUtilization: 0, writeCapacityUtilization: 0, throttledRequests: 0 } },
        }),
      ],
      ['a resolved alert', (d) => ({ ...d, alerts: [{ id: 'cpu-high', severity: 'medium', message: '', timestamp: d.timestamp, resolved: true }] })],
      ['an unknown alert id', (d) => ({ ...d, alerts: [{ id: 'disk-full', severity: 'medium', message: '', timestamp: d.timestamp, resolved: false }] })],
      ['an unknown severity', (d) => ({ ...d, alerts: [{ id: 'cpu-high', severity: 'urgent', message: '', timestamp: d.timestamp, resolved: false }] })],
      ['freshness missing a source', (d) => ({ ...d, freshness: { eventbridge: d.freshness.eventbridge, kinesis: d.freshness.kinesis } })],
      ['freshness with an unknown source', (d) => ({ ...d, freshness: { ...d.freshness, sqs: d.freshness.kinesis } })],
      ['a timestamp that is not ISO', (d) => ({ ...d, timestamp: 'yesterday' })],
      ['a service level above 1', (d) => ({ ...d, realTimeEscalations: { ...d.realTimeEscalations, serviceLevel: 1.01 } })],
      ['no failedToday', (d) => ({ ...d, realTimeEscalations: { ...d.realTimeEscalations, failedToday: undefined } })],
      [
        'six oldest pending',
        (d) => ({ ...d, realTimeEscalations: { ...d.realTimeEscalations, oldestPending: Array(6).fill(d.realTimeEscalations.oldestPending[0]) } }),
      ],
      [
        'an urgent priority in the list',
        (d) => ({ ...d, realTimeEscalations: { ...d.realTimeEscalations, oldestPending: [{ escalationId: 'x', priority: 'urgent', ageSeconds: 1 }] } }),
      ],
      [
        'a pending escalation with its conversation',
        (d) => ({
          ...d,
          realTimeEscalations: { ...d.realTimeEscalations, oldestPending: [{ escalationId: 'x', priority: 'low', ageSeconds: 1, conversationId: 'c1' }] },
        }),
      ],
    ])('%s', (_, change) => {
      expect(ok(change(base))).toBe(false);
    });
  });
});

// ───────────────────────────── alert rules ─────────────────────────────

describe('firingAlertIds', () => {
  const quiet: AlertInputs = {
    realTimeEscalations: { pending: 10, oldestPendingAge: 300, criticalCount: 0, serviceLevel: 0.8 },
    systemPerformance: { errorRate: 0.05, responseTime: { p95: 3000 }, cpuUsage: 85 },
    freshness: { 'dynamodb-streams': { lagSeconds: 60 }, eventbridge: { lagSeconds: null }, kinesis: { lagSeconds: 0 } },
  };

  it('fires nothing at exactly the thresholds (every rule is strictly above or below)', () => {
    expect(firingAlertIds(quiet, DEFAULT_ALERT_THRESHOLDS, 5)).toEqual(new Set());
  });

  it.each<[string, (q: AlertInputs) => AlertInputs]>([
    ['escalations-pending-high', (q) => ({ ...q, realTimeEscalations: { ...q.realTimeEscalations, pending: 11 } })],
    ['escalation-oldest-pending', (q) => ({ ...q, realTimeEscalations: { ...q.realTimeEscalations, oldestPendingAge: 301 } })],
    ['escalation-critical-open', (q) => ({ ...q, realTimeEscalations: { ...q.realTimeEscalations, criticalCount: 1 } })],
    ['error-rate-high', (q) => ({ ...q, systemPerformance: { ...q.systemPerformance, errorRate: 0.06 } })],
    ['response-time-p95-high', (q) => ({ ...q, systemPerformance: { ...q.systemPerformance, responseTime: { p95: 3000.25 } } })],
    ['cpu-high', (q) => ({ ...q, systemPerformance: { ...q.systemPerformance, cpuUsage: 85.01 } })],
    ['source-lag-dynamodb-streams', (q) => ({ ...q, freshness: { ...q.freshness, 'dynamodb-streams': { lagSeconds: 61 } } })],
    ['source-lag-eventbridge', (q) => ({ ...q, freshness: { ...q.freshness, eventbridge: { lagSeconds: 60.5 } } })],
    ['source-lag-kinesis', (q) => ({ ...q, freshness: { ...q.freshness, kinesis: { lagSeconds: 3600 } } })],
    ['escalation-service-level-low', (q) => ({ ...q, realTimeEscalations: { ...q.realTimeEscalations, serviceLevel: 0.79 } })],
  ])('%s fires just beyond its threshold, alone', (id, change) => {
    expect([...firingAlertIds(change(quiet), DEFAULT_ALERT_THRESHOLDS, 5)]).toEqual([id]);
  });

  it('judges the service level only once 5 escalations were served today', () => {
    const low: AlertInputs = { ...quiet, realTimeEscalations: { ...quiet.realTimeEscalations, serviceLevel: 0 } };
    expect(firingAlertIds(low, DEFAULT_ALERT_THRESHOLDS, 4).has('escalation-service-level-low')).toBe(false);
    expect(firingAlertIds(low, DEFAULT_ALERT_THRESHOLDS, 5).has('escalation-service-level-low')).toBe(true);
    expect(firingAlertIds(low, { ...DEFAULT_ALERT_THRESHOLDS, serviceLevelMinimumServed: 10 }, 9).has('escalation-service-level-low')).toBe(false);
    const none: AlertInputs = { ...quiet, realTimeEscalations: { ...quiet.realTimeEscalations, serviceLevel: null } };
    expect(firingAlertIds(none, DEFAULT_ALERT_THRESHOLDS, 50).has('escalation-service-level-low')).toBe(false);
  });

  it('does not fire on null numbers or a missing freshness', () => {
    const m: AlertInputs = {
      realTimeEscalations: { pending: 0, oldestPendingAge: 0, criticalCount: 0, serviceLevel: null },
      systemPerformance: { errorRate: 0, responseTime: null, cpuUsage: null },
    };
    expect(firingAlertIds(m).size).toBe(0);
  });

  it('uses configured thresholds', () => {
    const strict = { ...DEFAULT_ALERT_THRESHOLDS, pendingEscalations: 0, cpuUsagePercent: 50, sourceLagSeconds: 0 };
    const m: AlertInputs = { ...quiet, systemPerformance: { ...quiet.systemPerformance, cpuUsage: 51 } };
    expect(firingAlertIds(m, strict)).toEqual(new Set(['escalations-pending-high', 'cpu-high', 'source-lag-dynamodb-streams']));
  });

  it('has the ids, severities and default thresholds of SPEC §4', () => {
    expect(ALERT_RULES.map((r) => [r.id, r.severity, DEFAULT_ALERT_THRESHOLDS[r.threshold]])).toEqual([
      ['escalations-pending-high', 'high', 10],
      ['escalation-oldest-pending', 'high', 300],
      ['escalation-critical-open', 'critical', 0],
      ['error-rate-high', 'high', 0.05],
      ['response-time-p95-high', 'medium', 3000],
      ['cpu-high', 'medium', 85],
      ['escalation-service-level-low', 'medium', 0.8],
      ['source-lag-dynamodb-streams', 'high', 60],
      ['source-lag-eventbridge', 'high', 60],
      ['source-lag-kinesis', 'high', 60],
    ]);
    expect(new Set(ALERT_IDS).size).toBe(ALERT_IDS.length);
    expect(ALERT_RULES.filter((r) => r.fires === 'below').map((r) => r.id)).toEqual(['escalation-service-level-low']);
    expect(DEFAULT_ALERT_THRESHOLDS.serviceLevelMinimumServed).toBe(5);
  });

  it('fires on an oracle output: a critical escalation pending for 10 minutes, a busy CPU', () => {
    const m = oracle([created('2025-06-01T09:50:00.000Z', 'x', 'urgent'), sample('2025-06-01T09:59:00.000Z', 90, 1, 1)], '2025-06-01T10:00:00.000Z');
    expect(firingAlertIds(m)).toEqual(new Set(['escalation-oldest-pending', 'escalation-critical-open', 'cpu-high']));
  });

  it('fires on an oracle output: 3 of 5 served today within 120 s', () => {
    const T = '2025-06-01T10:00:00.000Z';
    const events = ['a', 'b', 'c', 'd', 'e'].flatMap((id, i) => [
      created('2025-06-01T09:00:00.000Z', id),
      assigned(i < 3 ? '2025-06-01T09:01:00.000Z' : '2025-06-01T09:10:00.000Z', id),
    ]);
    const m = oracle(events, T);
    expect(m.realTimeEscalations.serviceLevel).toBe(0.6);
    expect(firingAlertIds(m, DEFAULT_ALERT_THRESHOLDS, escalationsServedToday(events, new Date(T), 'UTC'))).toEqual(new Set(['escalation-service-level-low']));
    // one fewer served: too few to judge
    const four = events.slice(0, 8);
    expect(firingAlertIds(oracle(four, T), DEFAULT_ALERT_THRESHOLDS, escalationsServedToday(four, new Date(T), 'UTC'))).toEqual(new Set());
  });
});

// ───────────────────────────── the generator ─────────────────────────────

describe('historyArb', () => {
  it('draws valid, small, well-formed histories around T', () => {
    fc.assert(
      fc.property(historyArb(), ({ events, at, timeZone }) => {
        expect(events.length).toBeLessThanOrEqual(60);
        expect(['UTC', 'America/Chicago', 'Europe/Madrid']).toContain(timeZone);
        expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
        const T = at.getTime();
        for (const e of events) {
          expect(canonicalEventSchema.parse(e)).toEqual(e);
          const t = Date.parse(e.occurredAt);
          expect(minuteOf(t)).toBeLessThanOrEqual(minuteOf(T)); // nothing after T's minute
          expect(t).toBeGreaterThanOrEqual(T - 30 * 3_600_000);
        }
        for (let i = 1; i < events.length; i++) {
          expect(Date.parse(events[i - 1]?.occurredAt ?? '')).toBeLessThanOrEqual(Date.parse(events[i]?.occurredAt ?? ''));
        }
      }),
      { numRuns: 200 },
    );
    expect(SMALL_HISTORY.maxConversations * 7 + SMALL_HISTORY.maxEscalations * 5 + SMALL_HISTORY.maxTelemetry).toBe(60);
  });

  it('covers the interesting cases often enough', () => {
    const histories = fc.sample(historyArb(), { numRuns: 400, seed: 42 });
    const results = histories.map((h) => computeOracle(h.events, h.at, h.timeZone));
    const count = (p: (h: (typeof histories)[number], m: OracleMetrics) => boolean): number =>
      histories.filter((h, i) => p(h, results[i] as OracleMetrics)).length;
    const has = (h: (typeof histories)[number], p: (e: CanonicalEvent) => boolean): boolean => h.events.some(p);
    const cases: Record<string, number> = {
      'T within 20 minutes after local midnight': count((h) => h.at.getTime() - localDayStartMs(h.at.getTime(), h.timeZone) <= 20 * 60_000),
      'non-UTC zone': count((h) => h.timeZone !== 'UTC'),
      'live conversations': count((_, m) => m.liveConversations.total > 0),
      'another language live': count((_, m) => Object.keys(m.liveConversations.byLanguage).length > 2),
      'returning users': count((_, m) => m.activeUsers.returning > 0),
      'a user with two active conversations': count((_, m) => m.activeUsers.unique < m.activeUsers.total),
      'peak above the current total': count((_, m) => m.activeUsers.peakConcurrent > m.activeUsers.total),
      'new in the last minute': count((_, m) => m.liveConversations.newInLastMinute > 0),
      'ended in the last hour': count((_, m) => m.liveConversations.averageDuration > 0),
      'pending escalations': count((_, m) => m.realTimeEscalations.pending > 0),
      'in-progress escalations': count((_, m) => m.realTimeEscalations.inProgress > 0),
      'critical open': count((_, m) => m.realTimeEscalations.criticalCount > 0),
      'an urgent-born critical': count((h) => has(h, (e) => e.type === 'escalation.created' && e.priority === 'critical')),
      'resolved today': count((_, m) => m.realTimeEscalations.resolved > 0),
      'served today, some not within 120 s': count((_, m) => (m.realTimeEscalations.serviceLevel ?? 1) < 1),
      'served today, some within 120 s': count((_, m) => (m.realTimeEscalations.serviceLevel ?? 0) > 0),
      'failed today': count((_, m) => m.realTimeEscalations.failedToday > 0),
      'failed, then resolved': count((h) =>
        has(
          h,
          (e) =>
            e.type === 'escalation.failed' &&
            has(h, (r) => r.type === 'escalation.resolved' && r.escalationId === e.escalationId && Date.parse(r.occurredAt) > Date.parse(e.occurredAt)),
        ),
      ),
      'several pending listed': count((_, m) => m.realTimeEscalations.oldestPending.length > 1),
      'a pending id with a |': count((_, m) => m.realTimeEscalations.oldestPending.some((e) => e.escalationId.includes('|'))),
      'served exactly 120 s after creation': count((h) => {
        const createdAt = new Map<string, number>();
        for (const e of h.events) if (e.type === 'escalation.created') createdAt.set(e.escalationId, Date.parse(e.occurredAt));
        return has(h, (e) => e.type === 'escalation.assigned' && Date.parse(e.occurredAt) - (createdAt.get(e.escalationId) ?? Number.NaN) === 120_000);
      }),
      percentiles: count((_, m) => m.systemPerformance.responseTime !== null),
      'p95 above 3000': count((_, m) => (m.systemPerformance.responseTime?.p95 ?? 0) > 3000),
      'error rate above 5 %': count((_, m) => m.systemPerformance.errorRate > 0.05),
      'samples without latency': count((_, m) => m.systemPerformance.cpuUsage !== null && m.systemPerformance.networkLatency === null),
      'lambda errors': count((_, m) => Object.values(m.systemPerformance.lambdaMetrics).some((f) => f.errors > 0)),
      'lambda throttles': count((_, m) => Object.values(m.systemPerformance.lambdaMetrics).some((f) => f.throttles > 0)),
      'an end without a start': count((h) =>
        has(h, (e) => e.type === 'conversation.ended' && !has(h, (s) => s.type === 'conversation.started' && s.conversationId === e.conversationId)),
      ),
      'an assignment without a creation': count((h) =>
        has(h, (e) => e.type === 'escalation.assigned' && !has(h, (c) => c.type === 'escalation.created' && c.escalationId === e.escalationId)),
      ),
      'an event after T in its minute': count((h) => has(h, (e) => Date.parse(e.occurredAt) > h.at.getTime())),
      'an offset timestamp': count((h) => has(h, (e) => !e.occurredAt.endsWith('Z'))),
    };
    const rare = Object.entries(cases).filter(([, n]) => n < 4);
    expect(rare).toEqual([]);
  });

  it('writes offset timestamps that denote the same instant', () => {
    const ms = Date.parse('2025-01-15T06:02:30.123Z');
    for (const off of [0, -360, 330, 60]) expect(Date.parse(isoWithOffset(ms, off))).toBe(ms);
    expect(isoWithOffset(ms, -360)).toBe('2025-01-15T00:02:30.123-06:00');
  });

  it('round2 is the documented formula', () => {
    expect([round2(0.6025), round2(200.3333), round2(1 / 3)]).toEqual([0.6, 200.33, 0.33]);
  });
});

describe('oracle: the last hour, minute by minute (SPEC §4.1)', () => {
  // T = 10:30:20 → W_60 = 09:31 … 10:30; entry i is minute 09:31 + i.
  const T = '2025-06-01T10:30:20.000Z';
  const entry = (m: OracleMetrics, minute: string) => m.series.minutes.indexOf(`2025-06-01T${minute}:00.000Z`);

  it('counts messages, starts and creations in their own minute, and a p95 per minute', () => {
    const events = [
      start('2025-06-01T10:00:10.000Z', 'a'),
      start('2025-06-01T10:00:50.000Z', 'b'),
      start('2025-06-01T09:30:59.999Z', 'old'), // before W_60: in no entry
      message('2025-06-01T10:00:20.000Z', 'a', 'bot', 100),
      message('2025-06-01T10:00:30.000Z', 'a', 'bot', 300),
      message('2025-06-01T10:00:40.000Z', 'a', 'user'),
      message('2025-06-01T10:01:00.000Z', 'b', 'bot', 50),
      created('2025-06-01T10:29:59.000Z', 'e1'),
      created('2025-06-01T10:30:00.000Z', 'e2'),
    ];
    const m = oracle(events, T);
    expect(m.series.minutes).toHaveLength(60);
    expect(m.series.minutes[0]).toBe('2025-06-01T09:31:00.000Z');
    expect(m.series.minutes[59]).toBe('2025-06-01T10:30:00.000Z');
    expect(m.series.messages[entry(m, '10:00')]).toBe(3);
    expect(m.series.messages[entry(m, '10:01')]).toBe(1);
    expect(m.series.messages.reduce((a, b) => a + b, 0)).toBe(m.messagesLastHour);
    expect(m.series.conversationsStarted[entry(m, '10:00')]).toBe(2);
    expect(m.series.conversationsStarted.reduce((a, b) => a + b, 0)).toBe(2);
    expect(m.series.escalationsCreated[entry(m, '10:29')]).toBe(1);
    expect(m.series.escalationsCreated[entry(m, '10:30')]).toBe(1);
    // nearest rank: p95 of {100, 300} is the 2nd value; the user message has no processing time
    expect(m.series.responseTimeP95[entry(m, '10:00')]).toBe(300);
    expect(m.series.responseTimeP95[entry(m, '10:01')]).toBe(50);
    expect(m.series.responseTimeP95[entry(m, '10:02')]).toBeNull();
  });

  it('gives each minute the live and active totals its own end knew: an end counts from its minute', () => {
    // a: started 10:00, ended 10:10. Live 10:00 … 10:09; active 10:00 … 10:04 (W_5 of its start).
    const events = [start('2025-06-01T10:00:10.000Z', 'a'), end('2025-06-01T10:10:30.000Z', 'a')];
    const m = oracle(events, T);
    expect(m.series.liveConversations[entry(m, '09:59')]).toBe(0);
    expect(m.series.liveConversations[entry(m, '10:00')]).toBe(1);
    expect(m.series.liveConversations[entry(m, '10:09')]).toBe(1);
    expect(m.series.liveConversations[entry(m, '10:10')]).toBe(0);
    expect(m.series.activeUsers[entry(m, '10:04')]).toBe(1);
    expect(m.series.activeUsers[entry(m, '10:05')]).toBe(0);
    expect(m.liveConversations.total).toBe(0);
  });
});
