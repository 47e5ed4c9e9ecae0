import { createPushRound, createRealtimePusher } from '../../functions/realtime-pusher';
import type { Runtime } from '../../functions/runtime';
import type { Delivery, Viewer, ViewerChannel } from '../../push/viewer-channel';
import { realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { pipelineAt } from './support';

const T = Date.parse('2026-05-04T10:00:00Z');

/** Dashboards as the pusher sees them, recording what each one was handed. */
class WatchingRoom implements ViewerChannel {
  readonly received = new Map<string, string[]>();
  readonly disconnected: string[] = [];
  readonly left = new Set<string>();
  readonly broken = new Set<string>();
  constructor(public watching: Viewer[]) {}

  async viewers(): Promise<readonly Viewer[]> {
    return this.watching;
  }

  async send(viewer: Viewer, payload: string): Promise<Delivery> {
    if (this.broken.has(viewer.id)) throw new Error(`network to ${viewer.id} is down`);
    if (this.left.has(viewer.id)) {
      this.watching = this.watching.filter((v) => v.id !== viewer.id);
      return 'gone';
    }
    this.received.set(viewer.id, [...(this.received.get(viewer.id) ?? []), payload]);
    return 'sent';
  }

  async disconnect(viewer: Viewer): Promise<void> {
    this.disconnected.push(viewer.id);
    this.watching = this.watching.filter((v) => v.id !== viewer.id);
  }
}

const viewers = (n: number, tokenExpiresAtMs?: number): Viewer[] =>
  Array.from({ length: n }, (_, i) => ({ id: `viewer-${i}`, ...(tokenExpiresAtMs !== undefined && { tokenExpiresAtMs }) }));

/** DynamoDB requests a number of push rounds cost, for a room of `n` viewers. */
async function requestsForRounds(runtime: Runtime, room: WatchingRoom, rounds: number): Promise<number> {
  const round = createPushRound(runtime, room);
  const before = runtime.store.usage.requests;
  for (let i = 0; i < rounds; i++) await round();
  return runtime.store.usage.requests - before;
}

describe('a push round', () => {
  it('reads the document once, whether one viewer watches or twenty, and hands every viewer the same document', async () => {
    // Prepare
    const pipeline = await pipelineAt(T);
    await pipeline.publish([{ eventId: 'x', type: 'escalation.created', occurredAt: '2026-05-04T09:58:00Z', escalationId: 'x', priority: 'high' }]);
    await pipeline.drain();
    const one = new WatchingRoom(viewers(1));
    const twenty = new WatchingRoom(viewers(20));

    // Act
    const forOne = await requestsForRounds(pipeline.runtime, one, 3);
    const forTwenty = await requestsForRounds(pipeline.runtime, twenty, 3);

    // Assess
    expect(forTwenty).toBe(forOne);
    expect(forOne).toBeLessThanOrEqual(3 * 2); // SPEC §4: one or two requests per read
    const handed = [...twenty.received.values()];
    expect(handed).toHaveLength(20);
    for (const payloads of handed) expect(payloads).toEqual(twenty.received.get('viewer-0'));
    const document = realTimeMetricsSchema.parse(JSON.parse(handed[0]![0]!));
    expect(document.realTimeEscalations.pending).toBe(1);
  });

  it('reads nothing while nobody watches', async () => {
    const pipeline = await pipelineAt(T);

    const requests = await requestsForRounds(pipeline.runtime, new WatchingRoom([]), 5);

    expect(requests).toBe(0);
  });

  it('cuts off viewers whose token has expired, without handing them the document', async () => {
    const pipeline = await pipelineAt(T);
    const room = new WatchingRoom([...viewers(2, T - 1), { id: 'fresh', tokenExpiresAtMs: T + 60_000 }]);

    const round = await createPushRound(pipeline.runtime, room)();

    expect(room.disconnected.sort()).toEqual(['viewer-0', 'viewer-1']);
    expect([...room.received.keys()]).toEqual(['fresh']);
    expect(round).toMatchObject({ viewers: 1, expired: 2, sent: 1, read: true });
  });

  it('forgets viewers that left, and a delivery that fails does not keep the others from theirs', async () => {
    const pipeline = await pipelineAt(T);
    const room = new WatchingRoom(viewers(4));
    room.left.add('viewer-1');
    room.broken.add('viewer-2');
    const failures: string[] = [];

    const round = await createPushRound(pipeline.runtime, room, (viewer) => failures.push(viewer.id))();

    expect(round).toMatchObject({ viewers: 4, sent: 2, gone: 1, failed: 1 });
    expect([...room.received.keys()].sort()).toEqual(['viewer-0', 'viewer-3']);
    expect(failures).toEqual(['viewer-2']);
  });
});

describe('the pusher', () => {
  /** A clock the test moves: sleeping and working advance it, nothing waits for real. */
  function manualClock(startMs: number) {
    let now = startMs;
    return {
      now: () => now,
      advance: (ms: number) => {
        now += ms;
      },
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  }

  it('starts rounds at least an interval apart, also from one run to the next, and stops at its deadline', async () => {
    // Prepare: each round takes 300 ms, one of them 1.7 s (a slow table)
    const pipeline = await pipelineAt(T);
    const clock = manualClock(T);
    const starts: number[] = [];
    const room = new WatchingRoom(viewers(3));
    const slowRoom: ViewerChannel = {
      viewers: async () => {
        starts.push(clock.now());
        clock.advance(starts.length === 3 ? 1700 : 300);
        return room.viewers();
      },
      send: (viewer, payload) => room.send(viewer, payload),
      disconnect: (viewer) => room.disconnect(viewer),
    };
    const pusher = createRealtimePusher({ ...pipeline.runtime, now: clock.now }, slowRoom, { intervalMs: 1000, sleep: clock.sleep });

    // Act: two runs back to back, as two scheduled invocations
    const first = await pusher(T + 10_000);
    const second = await pusher(clock.now() + 5_000);

    // Assess
    const gaps = starts.slice(1).map((start, i) => start - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(starts[first.rounds - 1]).toBeLessThan(T + 10_000);
    expect(first.rounds).toBe(10); // at 0, 1, 2, 3.7, 4.7, …, 9.7 s
    expect(first.reads).toBe(first.rounds);
    expect(second.rounds).toBe(5);
  });

  it('counts a failing round and carries on with the next', async () => {
    const pipeline = await pipelineAt(T);
    const clock = manualClock(T);
    let calls = 0;
    const flaky: ViewerChannel = {
      viewers: async () => {
        calls++;
        if (calls === 2) throw new Error('the registry is throttled');
        return viewers(1);
      },
      send: async () => 'sent',
      disconnect: async () => undefined,
    };

    const run = await createRealtimePusher({ ...pipeline.runtime, now: clock.now }, flaky, { intervalMs: 1000, sleep: clock.sleep })(T + 3000);

    expect(run).toMatchObject({ rounds: 3, reads: 2, sent: 2, failedRounds: 1, lastError: 'Error: the registry is throttled' });
  });

  it('stops at once when asked to', async () => {
    const pipeline = await pipelineAt(T);
    const controller = new AbortController();
    const room = new WatchingRoom(viewers(1));

    const running = createRealtimePusher(pipeline.runtime, room, { intervalMs: 60_000 })(Date.now() + 3_600_000, controller.signal);
    controller.abort();
    const run = await running;

    expect(run.rounds).toBe(1);
  });
});
