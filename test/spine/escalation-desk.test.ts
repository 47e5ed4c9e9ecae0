import type { CanonicalEventInput } from '../../schemas/canonical-events';
import { realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { LocalPipeline } from '../../local/local-pipeline';
import { testClients } from '../support/engines';

/** The escalation desk of SPEC §4.1 through the whole Kinesis path: fold, commit, read. */
const T = Date.parse('2026-03-10T14:05:30Z');
const at = (secondsBefore: number) => new Date(T - secondsBefore * 1000).toISOString();
let seq = 0;
const id = () => `ev-${++seq}`;

const created = (escalationId: string, secondsBefore: number, priority: 'low' | 'medium' | 'high' | 'critical' | 'urgent' = 'low'): CanonicalEventInput => ({
  eventId: id(),
  type: 'escalation.created',
  occurredAt: at(secondsBefore),
  escalationId,
  priority,
});
const assigned = (escalationId: string, secondsBefore: number): CanonicalEventInput => ({
  eventId: id(),
  type: 'escalation.assigned',
  occurredAt: at(secondsBefore),
  escalationId,
});
const failed = (escalationId: string, secondsBefore: number): CanonicalEventInput => ({
  eventId: id(),
  type: 'escalation.failed',
  occurredAt: at(secondsBefore),
  escalationId,
});
const resolved = (escalationId: string, secondsBefore: number): CanonicalEventInput => ({
  eventId: id(),
  type: 'escalation.resolved',
  occurredAt: at(secondsBefore),
  escalationId,
});

/** `served` escalations served today, the first `within` of them 120 s after creation, the rest 121 s. */
const servedToday = (served: number, within: number): CanonicalEventInput[] =>
  Array.from({ length: served }, (_, i) => [created(`s${i}`, 3000), assigned(`s${i}`, i < within ? 3000 - 120 : 3000 - 121)]).flat();

/** After the events went through, the documents at `secondsBefore` T (0: now; else looking back from T). */
async function documentsAt(events: readonly CanonicalEventInput[], secondsBefore: readonly number[], serviceLevelSeconds?: number) {
  const pipeline = await LocalPipeline.create({ ...testClients(), now: () => T, ...(serviceLevelSeconds !== undefined && { serviceLevelSeconds }) });
  try {
    await pipeline.publish(events);
    await pipeline.drain();
    const documents = [];
    for (const seconds of secondsBefore) documents.push(realTimeMetricsSchema.parse(await pipeline.read(T - seconds * 1000, T)));
    return documents;
  } finally {
    await pipeline.dispose();
  }
}

const documentAfter = async (events: readonly CanonicalEventInput[], serviceLevelSeconds?: number) => (await documentsAt(events, [0], serviceLevelSeconds))[0]!;

describe('the escalation desk, from producer to document', () => {
  it('shows the service level, the failures of today and the five oldest pending', async () => {
    // Prepare
    const events = [
      ...servedToday(5, 3), //                          3 of 5 within 120 s,
      created('f1', 900),
      failed('f1', 800), //                             failed today
      created('f2', 900),
      failed('f2', 850),
      resolved('f2', 700), //                           failed, then resolved: not failed, but served (200 s): 3 of 6 → 0.5 → alert
      created('p|1', 600, 'urgent'), //                 pending, urgent → critical; an id with the queue's separator
      created('p2', 600, 'high'), //                    the same instant: by id, p2 comes first ('2' < '|')
      created('p3', 500),
      created('p4', 400, 'medium'),
      created('p5', 300),
      created('p6', 200), //                            the sixth: not listed
    ];

    // Act
    const document = await documentAfter(events);

    // Assess
    expect(document.realTimeEscalations).toMatchObject({ pending: 6, serviceLevel: 0.5, failedToday: 1, oldestPendingAge: 600 });
    expect(document.realTimeEscalations.oldestPending).toEqual([
      { escalationId: 'p2', priority: 'high', ageSeconds: 600 },
      { escalationId: 'p|1', priority: 'critical', ageSeconds: 600 },
      { escalationId: 'p3', priority: 'low', ageSeconds: 500 },
      { escalationId: 'p4', priority: 'medium', ageSeconds: 400 },
      { escalationId: 'p5', priority: 'low', ageSeconds: 300 },
    ]);
    expect(document.alerts.map((alert) => alert.id)).toContain('escalation-service-level-low');
    expect(document.alerts.find((alert) => alert.id === 'escalation-service-level-low')).toMatchObject({ severity: 'medium' });
  });

  it('judges the service level only once 5 were served today, and reads SERVICE_LEVEL_SECONDS', async () => {
    // 3 of 4 within: 0.75, but only 4 served → no alert.
    const four = await documentAfter(servedToday(4, 3));
    expect(four.realTimeEscalations.serviceLevel).toBe(0.75);
    expect(four.alerts.map((alert) => alert.id)).not.toContain('escalation-service-level-low');

    // With SERVICE_LEVEL_SECONDS = 121 every wait of the five is within.
    const lenient = await documentAfter(servedToday(5, 3), 121);
    expect(lenient.realTimeEscalations.serviceLevel).toBe(1);
    expect(lenient.alerts.map((alert) => alert.id)).not.toContain('escalation-service-level-low');
  });

  it('looking back (?at=), shows the desk as it stood then: a failure not yet resolved, the queue and the service level of then', async () => {
    // Prepare
    const events = [
      created('f', 1800),
      failed('f', 1500), //                  failed 25 min ago…
      resolved('f', 300), //                 …resolved 5 min ago: failed in between, not now
      created('w', 1200, 'urgent'),
      assigned('w', 1200 - 60), //           served 19 min ago, after 60 s: within
      created('q', 900),
      assigned('q', 900 - 200), //           taken 11 min 40 s ago, after 200 s: not within
    ];

    // Act
    const [now, tenMinutesAgo, fifteenMinutesAgo] = await documentsAt(events, [0, 600, 900]);

    // Assess
    expect(now!.realTimeEscalations).toMatchObject({ failedToday: 0, serviceLevel: 0.33, oldestPending: [] }); // served: f (by its resolution, 1500 s), w, q
    expect(tenMinutesAgo!.realTimeEscalations).toMatchObject({ failedToday: 1, serviceLevel: 0.5, oldestPending: [] }); // w, q served
    expect(fifteenMinutesAgo!.realTimeEscalations).toMatchObject({
      failedToday: 1,
      serviceLevel: 1, // only w served by then
      oldestPending: [{ escalationId: 'q', priority: 'low', ageSeconds: 0 }], // created in that very second
    });
  });

  it('looking back, lists those pending at the end of that minute: not one that left in it, one that left a minute later, one that waited hours', async () => {
    // Prepare: looking back at 13:35:30 (T is 14:05:30)
    const events = [
      created('d', 9330), //     11:30:00, resolved at 14:00:00: pending then, and the oldest
      resolved('d', 330),
      created('c', 4530), //     12:50:00, taken at 13:10:00: gone by then
      assigned('c', 3330),
      created('a', 3920), //     13:00:10, taken at 13:35:50: in that very minute, so gone
      assigned('a', 1780),
      created('b', 3910), //     13:00:20, taken at 13:36:05: the next minute, so still waiting then
      assigned('b', 1765),
      created('e', 2730), //     13:20:00, 13:30:00, 13:31:00, 13:32:00: still waiting now
      created('f', 2130),
      created('g', 2070),
      created('h', 2010), //     the sixth pending then: not listed
    ];

    // Act
    const [now, halfAnHourAgo] = await documentsAt(events, [0, 1800]);

    // Assess
    expect(now!.realTimeEscalations.oldestPending.map((e) => e.escalationId)).toEqual(['e', 'f', 'g', 'h']);
    expect(halfAnHourAgo!.realTimeEscalations.oldestPending.map((e) => e.escalationId)).toEqual(['d', 'b', 'e', 'f', 'g']);
    expect(halfAnHourAgo!.realTimeEscalations).toMatchObject({ pending: 6, oldestPendingAge: 9330 - 1800 });
  });

  it('has no service level and an empty list when nothing was served or is waiting', async () => {
    const document = await documentAfter([created('gone', 300), failed('gone', 200)]);
    expect(document.realTimeEscalations).toMatchObject({ serviceLevel: null, failedToday: 1, oldestPending: [], oldestPendingAge: 0 });
  });
});
