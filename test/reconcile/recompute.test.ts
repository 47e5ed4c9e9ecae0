import { DEFAULT_LABEL_POLICY } from '../../aggregators/labels';
import fc from 'fast-check';
import { type TableNumbers, TableFacts } from '../../reconcile/recompute';
import type { CanonicalEvent } from '../../schemas/canonical-events';
import { historyArb, LARGE_HISTORY } from '../oracle/histories';
import { computeOracle, type OracleMetrics } from '../oracle/oracle';
import { DEFAULT_LABEL_LISTS } from '../../config/label-lists';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

/** The oracle's numbers that the producer tables determine, in the recomputation's shape. */
function tableNumbersOf(oracle: OracleMetrics): TableNumbers {
  const { pending, inProgress, resolved, averageWaitTime, criticalCount, oldestPendingAge, serviceLevel, failedToday, oldestPending } =
    oracle.realTimeEscalations;
  return {
    activeConnections: oracle.activeConnections,
    messagesLastHour: oracle.messagesLastHour,
    escalationsToday: oracle.escalationsToday,
    responseTime: oracle.responseTime,
    liveConversations: oracle.liveConversations,
    activeUsers: oracle.activeUsers,
    realTimeEscalations: { pending, inProgress, resolved, averageWaitTime, criticalCount, oldestPendingAge, serviceLevel, failedToday, oldestPending },
    systemPerformance: { responseTime: oracle.systemPerformance.responseTime },
    series: (({ minutes: _minutes, ...perMinute }) => perMinute)(oracle.series),
  };
}

function recompute(events: readonly CanonicalEvent[], at: Date, timeZone: string, factsUpTo = at.getTime(), serviceLevelSeconds = 120): TableNumbers {
  const facts = new TableFacts(at.getTime(), timeZone, DEFAULT_LABEL_POLICY, serviceLevelSeconds, factsUpTo);
  for (const event of events) facts.add(event);
  return facts.numbers();
}

const upTo = (events: readonly CanonicalEvent[], at: Date) => events.filter((event) => Date.parse(event.occurredAt) <= at.getTime());

describe('the drift check recomputation, against the brute-force oracle', () => {
  it('equals the oracle over the facts up to T, for random histories in any reading order', () => {
    fc.assert(
      fc.property(
        historyArb().chain((history) => fc.shuffledSubarray(history.events, { minLength: history.events.length }).map((order) => ({ ...history, order }))),
        ({ events, order, at, timeZone }) => {
          // Act
          const recomputed = recompute(order, at, timeZone);

          // Assess
          expect(recomputed).toEqual(tableNumbersOf(computeOracle(upTo(events, at), at, timeZone)));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('equals the oracle on larger histories (day boundaries, returning users, the peak over the day)', () => {
    fc.assert(
      fc.property(historyArb(LARGE_HISTORY), ({ events, at, timeZone }) => {
        expect(recompute(events, at, timeZone)).toEqual(tableNumbersOf(computeOracle(upTo(events, at), at, timeZone)));
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 10)) },
    );
  });

  it('with every fact, later ones included, equals the oracle given them all (state as of now, windows ending with T)', () => {
    fc.assert(
      fc.property(historyArb(), ({ events, at, timeZone }) => {
        expect(recompute(events, at, timeZone, Infinity)).toEqual(tableNumbersOf(computeOracle(events, at, timeZone)));
      }),
      { numRuns: RUNS },
    );
  });

  it('equals the oracle on a busy escalation desk, with another SERVICE_LEVEL_SECONDS too', () => {
    fc.assert(
      fc.property(
        historyArb({ maxConversations: 0, maxEscalations: 14, busyDesk: true }),
        fc.constantFrom(0, 60, 120, 600),
        ({ events, at, timeZone }, seconds) => {
          expect(recompute(events, at, timeZone, at.getTime(), seconds)).toEqual(
            tableNumbersOf(computeOracle(upTo(events, at), at, timeZone, DEFAULT_LABEL_LISTS, seconds)),
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('leaves out facts after T, even in T’s own minute', () => {
    // Prepare
    const at = new Date('2026-03-10T14:05:30Z');
    const message = (id: string, occurredAt: string): CanonicalEvent => ({
      eventId: id,
      type: 'message.sent',
      occurredAt,
      conversationId: 'c-1',
      messageId: id,
      sender: 'user',
    });

    // Act
    const numbers = recompute([message('m-1', '2026-03-10T14:05:10Z'), message('m-2', '2026-03-10T14:05:50Z')], at, 'UTC');

    // Assess
    expect(numbers.messagesLastHour).toBe(1);
  });
});
