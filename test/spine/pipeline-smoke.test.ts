import { canonicalEventSchema, type CanonicalEventInput } from '../../schemas/canonical-events';
import { realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { LocalPipeline } from '../../local/local-pipeline';
import { computeOracle } from '../oracle/oracle';
import { differences } from '../support/compare';
import { testClients } from '../support/engines';

const T = Date.parse('2026-03-10T14:05:30Z');
const at = (secondsBefore: number) => new Date(T - secondsBefore * 1000).toISOString();

describe('the Kinesis path from producer to document', () => {
  it('shows a small conversation, an escalation and telemetry exactly as the oracle does', async () => {
    // Prepare
    const pipeline = await LocalPipeline.create({ ...testClients(), now: () => T });
    const events: CanonicalEventInput[] = [
      { eventId: 'e1', type: 'conversation.started', occurredAt: at(600), conversationId: 'c1', userId: 'u1', language: 'es', region: 'US-TX' },
      { eventId: 'e2', type: 'message.sent', occurredAt: at(120), conversationId: 'c1', messageId: 'm1', sender: 'user' },
      { eventId: 'e3', type: 'message.sent', occurredAt: at(119), conversationId: 'c1', messageId: 'm2', sender: 'bot', processingTimeMs: 850 },
      { eventId: 'e4', type: 'escalation.created', occurredAt: at(400), escalationId: 'x1', conversationId: 'c1', priority: 'urgent' },
      { eventId: 'e5', type: 'request.completed', occurredAt: at(30), service: 'chat', latencyMs: 120, statusCode: 503 },
      { eventId: 'e6', type: 'system.sample', occurredAt: at(20), source: 'host-1', cpuPercent: 40, memoryPercent: 50, diskPercent: 60 },
    ];

    // Act
    await pipeline.publish(events);
    await pipeline.drain();
    const document = await pipeline.read(T);

    // Assess
    expect(realTimeMetricsSchema.parse(document)).toBeTruthy();
    const oracle = computeOracle(
      events.map((e) => canonicalEventSchema.parse(e)),
      new Date(T),
      'UTC',
    );
    expect(differences(document, oracle)).toEqual([]);
    expect(document.liveConversations.byLanguage.es).toBe(1);
    expect(document.realTimeEscalations.criticalCount).toBe(1);
    expect(document.systemPerformance.errorRate).toBe(1);
  });
});
