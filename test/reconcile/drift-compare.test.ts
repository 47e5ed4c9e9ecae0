import { buildDocument } from '../../read-model/build-document';
import { emptySnapshot } from '../../store/metrics-store';
import { compareDocuments, DRIFT_RULES } from '../../reconcile/drift';
import type { TableNumbers } from '../../reconcile/recompute';
import { parseSettings } from '../../config/settings';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';

const AT_MS = Date.parse('2026-03-10T14:05:00Z');

/** A served document whose table-determined numbers are `numbers`, everything else as an empty table leaves it. */
function served(numbers: TableNumbers): RealTimeMetrics {
  const empty = buildDocument(emptySnapshot(AT_MS), AT_MS, parseSettings({ METRICS_TABLE: 'unused', PULSE_STREAM: 'unused' }));
  return {
    ...empty,
    ...numbers,
    realTimeEscalations: { ...empty.realTimeEscalations, ...numbers.realTimeEscalations },
    systemPerformance: { ...empty.systemPerformance, responseTime: numbers.systemPerformance.responseTime },
    series: { ...empty.series, ...numbers.series },
  };
}

const hour = (value: (minute: number) => number | null) => Array.from({ length: 60 }, (_, i) => value(i));

const NUMBERS: TableNumbers = {
  activeConnections: 120,
  messagesLastHour: 800,
  escalationsToday: 12,
  responseTime: 910.25,
  liveConversations: { total: 90, byLanguage: { en: 60, es: 30 }, averageDuration: 412.5, newInLastMinute: 3 },
  activeUsers: { total: 120, unique: 100, returning: 40, byRegion: { 'US-TX': 70, unknown: 50 }, peakConcurrent: 150 },
  realTimeEscalations: {
    pending: 4,
    inProgress: 2,
    resolved: 6,
    averageWaitTime: 95.5,
    criticalCount: 1,
    oldestPendingAge: 260,
    serviceLevel: 0.83,
    failedToday: 1,
    oldestPending: [
      { escalationId: 'e-1', priority: 'critical', ageSeconds: 260 },
      { escalationId: 'e-2', priority: 'low', ageSeconds: 30 },
    ],
  },
  systemPerformance: { responseTime: { p50: 800, p95: 2400, p99: 3100 } },
  series: {
    messages: hour((i) => 10 + (i % 7)),
    conversationsStarted: hour((i) => i % 3),
    escalationsCreated: hour((i) => (i % 20 === 0 ? 1 : 0)),
    liveConversations: hour((i) => 60 + i),
    activeUsers: hour((i) => 90 + (i % 11)),
    responseTimeP95: hour((i) => (i % 4 === 0 ? null : 1000 + i)),
  } as TableNumbers['series'],
};

const withChanges = (changes: (n: TableNumbers) => void): TableNumbers => {
  const copy = structuredClone(NUMBERS);
  changes(copy);
  return copy;
};

describe('holding the served document to the recomputation (SPEC §3 tolerances)', () => {
  it('finds nothing when every number agrees, and names every compared field', () => {
    const report = compareDocuments(served(NUMBERS), NUMBERS, AT_MS);

    expect(report).toEqual({ at: '2026-03-10T14:05:00.000Z', compared: DRIFT_RULES.map((rule) => rule.field), mismatches: [] });
  });

  it('holds the last hour entry by entry: a count exactly, live as a lower bound, a missing p95 as a mismatch', () => {
    const recomputed = withChanges((n) => {
      n.series.messages[12] = 99;
      n.series.liveConversations[30] = 10; // the served 90 is more: the tables may have lost activity
      n.series.responseTimeP95[0] = 500; // served null
    });
    const report = compareDocuments(served(NUMBERS), recomputed, AT_MS);
    expect(report.mismatches).toEqual([
      { field: 'series.messages.12', served: 15, recomputed: 99 },
      { field: 'series.responseTimeP95.0', served: null, recomputed: 500 },
    ]);
  });

  it('holds counts exactly, map entries key by key, and reports both values', () => {
    const report = compareDocuments(
      served(
        withChanges((n) => {
          n.messagesLastHour = 799;
          n.activeUsers.byRegion = { 'US-TX': 70, unknown: 49, PR: 1 };
        }),
      ),
      NUMBERS,
      AT_MS,
    );

    expect(report.mismatches).toEqual([
      { field: 'messagesLastHour', served: 799, recomputed: 800 },
      { field: 'activeUsers.byRegion.PR', served: 1, recomputed: 0 },
      { field: 'activeUsers.byRegion.unknown', served: 49, recomputed: 50 },
    ]);
  });

  it('allows a rounding unit on means, 1 % on quantiles and 2 % on distinct users, and no more', () => {
    const within = withChanges((n) => {
      n.responseTime = 910.26;
      n.systemPerformance.responseTime = { p50: 807, p95: 2376, p99: 3131 };
      n.activeUsers.unique = 102;
    });
    const beyond = withChanges((n) => {
      n.responseTime = 910.28;
      n.systemPerformance.responseTime = { p50: 809, p95: 2400, p99: 3100 };
      n.activeUsers.unique = 103;
    });

    expect(compareDocuments(served(within), NUMBERS, AT_MS).mismatches).toEqual([]);
    expect(compareDocuments(served(beyond), NUMBERS, AT_MS).mismatches.map((m) => m.field)).toEqual([
      'responseTime',
      'activeUsers.unique',
      'systemPerformance.responseTime.p50',
    ]);
  });

  it('takes peak and returning users as lower bounds: overwritten activity and expired sessions only hide facts', () => {
    const higher = withChanges((n) => {
      n.activeUsers.peakConcurrent = 160;
      n.activeUsers.returning = 45;
    });
    const lower = withChanges((n) => {
      n.activeUsers.peakConcurrent = 149;
    });

    expect(compareDocuments(served(higher), NUMBERS, AT_MS).mismatches).toEqual([]);
    expect(compareDocuments(served(lower), NUMBERS, AT_MS).mismatches).toEqual([{ field: 'activeUsers.peakConcurrent', served: 149, recomputed: 150 }]);
  });

  it('with facts from outside the tables: compares counts as lower bounds and leaves out means, quantiles and queue gauges', () => {
    const moreFromTheBus = withChanges((n) => {
      n.messagesLastHour = 850;
      n.realTimeEscalations.pending = 1;
      n.responseTime = 500;
    });
    const lostFromTheTables = withChanges((n) => {
      n.escalationsToday = 11;
    });

    const report = compareDocuments(served(moreFromTheBus), NUMBERS, AT_MS, { otherSources: true });

    expect(report.mismatches).toEqual([]);
    expect(report.compared).not.toEqual(expect.arrayContaining(['responseTime', 'realTimeEscalations.pending', 'systemPerformance.responseTime']));
    expect(compareDocuments(served(lostFromTheTables), NUMBERS, AT_MS, { otherSources: true }).mismatches).toEqual([
      { field: 'escalationsToday', served: 11, recomputed: 12 },
    ]);
  });

  it('also accepts the numbers of every fact the tables hold, for state served as of now; drift matches neither', () => {
    const later = withChanges((n) => {
      n.realTimeEscalations.pending = 3;
      n.escalationsToday = 13;
      n.liveConversations.byLanguage = { en: 59, es: 30 };
    });
    const drifted = withChanges((n) => {
      n.realTimeEscalations.pending = 5;
    });

    expect(compareDocuments(served(later), NUMBERS, AT_MS, { fromEveryFact: later }).mismatches).toEqual([]);
    expect(compareDocuments(served(drifted), NUMBERS, AT_MS, { fromEveryFact: later }).mismatches).toEqual([
      { field: 'realTimeEscalations.pending', served: 5, recomputed: 4 },
    ]);
  });

  it('holds the escalation desk exactly: the service level, today’s failures, and the oldest pending entry by entry', () => {
    const drifted = withChanges((n) => {
      n.realTimeEscalations.serviceLevel = 0.82;
      n.realTimeEscalations.failedToday = 2;
      n.realTimeEscalations.oldestPending = [
        { escalationId: 'e-1', priority: 'high', ageSeconds: 260 },
        { escalationId: 'e-3', priority: 'low', ageSeconds: 30 },
      ];
    });
    const noneServed = withChanges((n) => {
      n.realTimeEscalations.serviceLevel = null;
      n.realTimeEscalations.oldestPending = n.realTimeEscalations.oldestPending.slice(0, 1);
    });

    expect(compareDocuments(served(drifted), NUMBERS, AT_MS).mismatches).toEqual([
      { field: 'realTimeEscalations.serviceLevel', served: 0.82, recomputed: 0.83 },
      { field: 'realTimeEscalations.failedToday', served: 2, recomputed: 1 },
      { field: 'realTimeEscalations.oldestPending.0.priority', served: 'high', recomputed: 'critical' },
      { field: 'realTimeEscalations.oldestPending.1.escalationId', served: 'e-3', recomputed: 'e-2' },
    ]);
    expect(compareDocuments(served(noneServed), NUMBERS, AT_MS).mismatches).toEqual([
      { field: 'realTimeEscalations.serviceLevel', served: null, recomputed: 0.83 },
      { field: 'realTimeEscalations.oldestPending.1', served: null, recomputed: { escalationId: 'e-2', priority: 'low', ageSeconds: 30 } },
    ]);
    expect(compareDocuments(served(drifted), NUMBERS, AT_MS, { otherSources: true }).compared).not.toEqual(
      expect.arrayContaining(['realTimeEscalations.serviceLevel', 'realTimeEscalations.failedToday', 'realTimeEscalations.oldestPending']),
    );
  });

  it('reports quantiles served without samples, or missing where the tables have samples', () => {
    const none = withChanges((n) => {
      n.systemPerformance.responseTime = null;
    });

    expect(compareDocuments(served(none), NUMBERS, AT_MS).mismatches).toEqual([
      { field: 'systemPerformance.responseTime', served: null, recomputed: { p50: 800, p95: 2400, p99: 3100 } },
    ]);
  });
});
