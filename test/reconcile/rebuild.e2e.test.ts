import { runRebuild } from '../../local/reconcile-commands';
import type { ReconcileTarget } from '../../local/reconcile-target';
import { readDocument } from '../../pipeline/read-document';
import type { PulseRecord } from '../../schemas/pulse-events';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';
import type { EventForwarder } from '../../streams/event-forwarder';
import { ProducerWorld } from '../e2e/producer-world';
import { then_the_dashboard_shows_exactly } from '../e2e/scenario';
import { startTestStack, type TestStack } from '../e2e/stack-harness';
import { ItemsBeforeTheStream, progressInto, reconcileTargetOf, until_the_pipeline_is_idle } from './support';

const VISIBLE_WITHIN_MS = 15_000;
const OPTIONS = { readUnits: 1000, segments: 3, eventsPerSecond: 5000 };

/**
 * ADA Clara's tables on the day Clara Pulse is deployed: yesterday's sessions (so users return),
 * today's conversations and messages, escalations in every state — all written before the
 * stream existed, so only a rebuild can bring them in.
 */
async function given_tables_that_held_items_before_the_stream(before: ItemsBeforeTheStream, world: ProducerWorld): Promise<void> {
  const at = (s: number) => world.at(s);
  await before.sessions([
    {
      sessionId: 'old-1',
      userId: 'user-1',
      language: 'en',
      region: 'US-TX',
      status: 'ended',
      startTime: at(26 * 3600),
      lastActivity: at(26 * 3600 - 120),
      endTime: at(26 * 3600 - 60),
    },
    ...Array.from({ length: 30 }, (_, i) => ({
      sessionId: `pre-${i}`,
      ...(i % 5 !== 0 && { userId: `user-${i % 7}` }),
      language: i % 3 === 0 ? 'es' : 'en',
      ...(i % 4 !== 0 && { region: i % 2 ? 'US-TX' : 'PR' }),
      status: i % 6 === 0 ? ('ended' as const) : ('active' as const),
      startTime: at(1800 + i * 30),
      lastActivity: at(60 + i * 20),
      ...(i % 6 === 0 && { endTime: at(30 + i) }),
      messageCount: 2,
    })),
  ]);
  await before.messages(
    Array.from({ length: 60 }, (_, i) => ({
      conversationId: `pre-${i % 30}`,
      timestamp: at(90 + i * 17),
      messageId: `pre-msg-${i}`,
      sender: i % 2 ? ('bot' as const) : ('user' as const),
      ...(i % 2 && { processingTime: 400 + i * 10 }),
    })),
  );
  await before.escalations([
    { escalationId: 'pre-esc-pending', sessionId: 'pre-1', priority: 'urgent', status: 'pending', timestamp: at(900) },
    { escalationId: 'pre-esc-taken', sessionId: 'pre-2', priority: 'high', status: 'in_progress', timestamp: at(1200), assignedAt: at(1100) },
    { escalationId: 'pre-esc-done', sessionId: 'pre-3', priority: 'low', status: 'resolved', timestamp: at(1500), assignedAt: at(1400), resolvedAt: at(700) },
    { escalationId: 'pre-esc-failed', priority: 'medium', status: 'failed', timestamp: at(2000), failedAt: at(1000) },
    { escalationId: 'pre-esc-later', sessionId: 'pre-4', priority: 'critical', status: 'pending', timestamp: at(600) },
  ]);
}

/** Live traffic while the rebuild runs: new conversations, and the producers moving items the stream never saw created. */
async function live_traffic(world: ProducerWorld): Promise<void> {
  const at = (s: number) => world.at(s);
  await world.a_web_conversation_starts({ sessionId: 'live-1', userId: 'user-1', language: 'es', region: 'US-TX', startTime: at(240), messageCount: 0 });
  await world.the_chat_service_writes_a_message({ conversationId: 'live-1', timestamp: at(200), sender: 'user', language: 'es' });
  await world.the_chat_service_writes_a_message({ conversationId: 'pre-7', timestamp: at(45), sender: 'bot', processingTime: 950 });
  await world.the_session_shows_activity('pre-7', at(45), 3);
  await world.the_session_ends('pre-8', at(20));
  await world.an_agent_takes_the_escalation('pre-esc-later', at(100));
  await world.an_escalation_is_opened({ escalationId: 'live-esc', sessionId: 'live-1', priority: 'high', timestamp: at(150) });
  await world.telemetry_arrives_on_kinesis([{ type: 'request.completed', occurredAt: at(30), service: 'chat-api', latencyMs: 120, statusCode: 200 }]);
}

/** The document without what changes on its own: freshness, alerts, and Clara Pulse's measurements of itself. */
const tableDetermined = ({ freshness: _f, alerts: _a, systemPerformance, ...rest }: RealTimeMetrics) => ({
  ...rest,
  percentiles: systemPerformance.responseTime,
});

/** A forwarder that dies part-way through its `calls`-th hand-over: half of those records reach the stream. */
function dyingAfter(forwarder: EventForwarder, calls: number): EventForwarder {
  let made = 0;
  return {
    forward: async (records: readonly PulseRecord[]) => {
      if (++made < calls) return forwarder.forward(records);
      await forwarder.forward(records.slice(0, Math.ceil(records.length / 2)));
      throw new Error('the rebuild process died here');
    },
  };
}

describe('npm run rebuild: tables that held items before the stream, brought in through the live path', () => {
  let stack: TestStack;
  let world: ProducerWorld;
  let before: ItemsBeforeTheStream;
  let target: Awaited<ReturnType<typeof reconcileTargetOf>>;
  const progress: string[] = [];

  afterEach(async () => {
    before?.close();
    world?.close();
    await target?.dispose();
    await stack?.stop();
  });

  const given_a_stack = async () => {
    stack = await startTestStack();
    world = new ProducerWorld(stack.stack.info);
    before = new ItemsBeforeTheStream(stack, world.expected);
    target = await reconcileTargetOf(stack);
  };

  it('during live writes, equals the oracle over everything the tables and transports hold; a second rebuild changes nothing', async () => {
    // Prepare
    await given_a_stack();
    await given_tables_that_held_items_before_the_stream(before, world);

    // Act: the rebuild runs in the middle of live writes
    const [summary] = await Promise.all([runRebuild(target, OPTIONS, progressInto(progress)), live_traffic(world)]);
    const { document } = await then_the_dashboard_shows_exactly(stack, world, VISIBLE_WITHIN_MS);

    // Assess
    expect(summary.itemsRead).toEqual({ 'chat-sessions': expect.any(Number), messages: expect.any(Number), escalations: expect.any(Number) });
    expect(summary.itemsRead['chat-sessions']).toBeGreaterThanOrEqual(31);
    expect(summary.deadLettered).toBe(0);
    expect(document.activeUsers.returning).toBeGreaterThan(0);
    expect(document.realTimeEscalations.pending).toBe(2);

    // Act: again, the numbers read at one fixed instant before and after
    await until_the_pipeline_is_idle(stack);
    const atMs = Date.now();
    const first = tableDetermined(await readDocument(target.store, target.settings, atMs));
    const second = await runRebuild(target, OPTIONS, progressInto(progress));
    await until_the_pipeline_is_idle(stack);

    // Assess: the same facts again, the same numbers
    expect(second.itemsRead['chat-sessions']).toBe(summary.itemsRead['chat-sessions'] + 1);
    expect(tableDetermined(await readDocument(target.store, target.settings, atMs))).toEqual(first);
    await then_the_dashboard_shows_exactly(stack, world, VISIBLE_WITHIN_MS);
  });

  it('crashes part-way; run again, it gives the same numbers as a rebuild that never crashed', async () => {
    // Prepare
    await given_a_stack();
    await given_tables_that_held_items_before_the_stream(before, world);
    const crashing: ReconcileTarget = { ...target, forwarder: dyingAfter(target.forwarder, 2) };

    // Act: events handed on 40 at a time, the process dying in the middle of the second lot
    await expect(runRebuild(crashing, { ...OPTIONS, holdEvents: 40 }, progressInto(progress))).rejects.toThrow('the rebuild process died here');
    await until_the_pipeline_is_idle(stack);
    const partial = await stack.read();
    await runRebuild(target, OPTIONS, progressInto(progress));

    // Assess
    expect(partial.messagesLastHour).toBeLessThan(60);
    await then_the_dashboard_shows_exactly(stack, world, VISIBLE_WITHIN_MS);
  });
});
