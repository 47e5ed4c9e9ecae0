import fc from 'fast-check';
import { LocalPipeline } from '../../local/local-pipeline';
import type { CanonicalEvent } from '../../schemas/canonical-events';
import { type RealTimeMetrics, realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { historyArb } from '../oracle/histories';
import { countsAt } from '../../aggregators/time';
import { computeOracle, epochMs, MINUTE_MS } from '../oracle/oracle';
import { differences } from '../support/compare';
import { testClients } from '../support/engines';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const clients = testClients();
const HOUR_MS = 3_600_000;

/**
 * How far before the history's "now" to look: mostly within the busy last hours, where the
 * windows, the queue and the day's facts change minute by minute; sometimes up to 30 h back
 * (across local midnight), at any millisecond of its minute.
 */
const lookBackArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 90 * MINUTE_MS }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 30 * HOUR_MS }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 30 }).map((minutes) => minutes * MINUTE_MS) },
);

/** The facts a document at `atMs` counts (its minute bucket whole, as a live read at that instant does): what the replay takes too. */
const knownBy = (events: readonly CanonicalEvent[], atMs: number) => events.filter((event) => countsAt(epochMs(event.occurredAt), atMs));

/** Folds the events through a fresh pipeline (one at a time: pipelines share the engines' stream names), then reads. */
async function documentOf<T = RealTimeMetrics>(
  events: readonly CanonicalEvent[],
  timeZone: string,
  nowMs: number,
  read: (pipeline: LocalPipeline) => Promise<T>,
  batchSize = 25,
): Promise<T> {
  const pipeline = await LocalPipeline.create({ ...clients, timeZone, now: () => nowMs, batchSize });
  try {
    await pipeline.publish(events);
    await pipeline.drain();
    return await read(pipeline);
  } finally {
    await pipeline.dispose();
  }
}

describe('looking back (?at=, SPEC §4.1), against the brute-force oracle', () => {
  it('the document at a past instant equals the oracle over the facts known then: every field, queue and series included', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(), lookBackArb, fc.integer({ min: 5, max: 60 }), async ({ events, at, timeZone }, back, batchSize) => {
        const nowMs = at.getTime();
        const pastMs = nowMs - back;
        const document = realTimeMetricsSchema.parse(await documentOf(events, timeZone, nowMs, (pipeline) => pipeline.read(pastMs, nowMs), batchSize));
        expect(document.timestamp).toBe(new Date(pastMs).toISOString());
        expect(differences(document, computeOracle(knownBy(events, pastMs), new Date(pastMs), timeZone))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('counts "today up to T" by hours of the local day in zones a quarter or half hour off UTC, and across their clock changes', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb({ timeZones: ['Asia/Kathmandu', 'Australia/Adelaide', 'America/St_Johns'] }),
        lookBackArb,
        async ({ events, at, timeZone }, back) => {
          const nowMs = at.getTime();
          const pastMs = nowMs - back;
          const document = await documentOf(events, timeZone, nowMs, (pipeline) => pipeline.read(pastMs, nowMs));
          expect(differences(document, computeOracle(knownBy(events, pastMs), new Date(pastMs), timeZone))).toEqual([]);
        },
      ),
      { numRuns: Math.max(10, Math.floor(RUNS / 2)) },
    );
  });

  it('looking back at T and replaying the facts known at T (npm run replay -- --at T) give the same document', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(), lookBackArb, async ({ events, at, timeZone }, back) => {
        const nowMs = at.getTime();
        const pastMs = nowMs - back;
        const {
          freshness: _a,
          alerts: lookedBackAlerts,
          ...lookedBack
        } = await documentOf(events, timeZone, nowMs, (pipeline) => pipeline.read(pastMs, nowMs));
        // the replay's own pipeline, as local/replay-cli.ts builds it
        const {
          freshness: _b,
          alerts: replayedAlerts,
          ...replayed
        } = await documentOf(knownBy(events, pastMs), timeZone, nowMs, (pipeline) => pipeline.read(pastMs));
        expect(lookedBack).toEqual(replayed);
        // the alerts the facts raise; a source's lag is of now, and the two pipelines' "now" differ
        const factAlerts = (alerts: RealTimeMetrics['alerts']) => alerts.map((alert) => alert.id).filter((id) => !id.startsWith('source-lag-'));
        expect(factAlerts(lookedBackAlerts)).toEqual(factAlerts(replayedAlerts));
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 2)) },
    );
  });

  it('a look-back at the present minute is the live document', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(), async ({ events, at, timeZone }) => {
        const nowMs = at.getTime();
        // now, and one minute later looking back at `at`: only the queue's source of truth differs (time line vs gauges)
        const [live, lookedBack] = await documentOf(
          events,
          timeZone,
          nowMs,
          (pipeline) => Promise.all([pipeline.read(nowMs), pipeline.read(nowMs, nowMs + MINUTE_MS)]),
          20,
        );
        const { freshness: _a, alerts: _b, ...liveNumbers } = live;
        const { freshness: _c, alerts: _d, ...lookedBackNumbers } = lookedBack;
        expect(lookedBackNumbers).toEqual(liveNumbers);
      }),
      { numRuns: Math.max(10, Math.floor(RUNS / 4)) },
    );
  });
});
