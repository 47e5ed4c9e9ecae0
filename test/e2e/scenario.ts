import { LOCAL_FUNCTION_NAMES } from '../../local/stack/names';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';
import { computeOracle } from '../oracle/oracle';
import { differences } from '../support/compare';
import type { ProducerWorld } from './producer-world';
import type { TestStack } from './stack-harness';

/**
 * A few minutes at the ADA Clara desk, through all three transports: web conversations and an
 * escalation in the producer tables (PutItem, UpdateItem, BatchWriteItem, DeleteItem, a no-op
 * write), an SMS conversation and function telemetry on the bus, requests and host samples on
 * Kinesis. `extra` adds that many more of each kind of write, to give chaos room to strike.
 */
export async function a_busy_few_minutes(world: ProducerWorld, extra = 0): Promise<void> {
  const at = (s: number) => world.at(s);
  const started = { sessionId: 'web-1', userId: 'user-1', language: 'es', region: 'US-TX', startTime: at(600), messageCount: 0 };
  await world.a_web_conversation_starts(started);
  await world.the_same_session_is_written_again({ ...started, status: 'active', lastActivity: started.startTime });
  await world.the_chat_service_writes_a_message({ conversationId: 'web-1', timestamp: at(120), sender: 'user', language: 'es' });
  await world.the_chat_service_writes_a_message({ conversationId: 'web-1', timestamp: at(119), sender: 'bot', language: 'es', processingTime: 850 });
  await world.the_session_shows_activity('web-1', at(119), 2);
  await world.the_chat_service_writes_a_message({ conversationId: 'web-1', timestamp: at(50), sender: 'user', language: 'es' });
  await world.the_chat_service_deletes_the_message('web-1', at(50));

  await world.a_web_conversation_starts({ sessionId: 'web-2', language: 'en', startTime: at(1500) });
  await world.the_chat_service_batch_writes([
    { conversationId: 'web-2', timestamp: at(1000), sender: 'user' },
    { conversationId: 'web-2', timestamp: at(990), sender: 'bot', processingTime: 1200 },
    ...Array.from({ length: extra }, (_, i) => ({ conversationId: 'web-2', timestamp: at(240 - i), sender: 'bot' as const, processingTime: 400 + i })),
  ]);
  await world.the_session_ends('web-2', at(900));

  await world.an_escalation_is_opened({ escalationId: 'esc-1', sessionId: 'web-1', priority: 'urgent', timestamp: at(400) });
  await world.an_agent_takes_the_escalation('esc-1', at(300));
  await world.an_escalation_is_opened({ escalationId: 'esc-2', priority: 'high', timestamp: at(200) });

  await world.services_put_on_the_bus([
    {
      source: 'ada-clara.chat',
      event: { type: 'conversation.started', occurredAt: at(300), conversationId: 'sms-1', userId: 'user-2', language: 'en', region: 'PR' },
    },
    { source: 'ada-clara.chat', event: { type: 'message.sent', occurredAt: at(60), conversationId: 'sms-1', messageId: 'sms-msg-1', sender: 'user' } },
    {
      source: 'ada-clara.telemetry',
      event: { type: 'function.invocation', occurredAt: at(60), functionName: 'ada-clara-chat-processor', durationMs: 870, error: false, throttled: false },
    },
    ...Array.from({ length: extra }, (_, i) => ({
      source: 'ada-clara.telemetry' as const,
      event: {
        type: 'function.invocation' as const,
        occurredAt: at(100 - (i % 90)),
        functionName: 'ada-clara-escalation-handler',
        durationMs: 100 + i,
        error: i % 7 === 0,
        throttled: false,
      },
    })),
  ]);
  // Not Clara Pulse's: another bus, and a source no rule matches. Neither may count.
  await world.services_put_on_the_bus(
    [{ source: 'ada-clara.chat', event: { type: 'conversation.activity', occurredAt: at(10), conversationId: 'web-1' } }],
    'default',
  );

  await world.telemetry_arrives_on_kinesis([
    { type: 'request.completed', occurredAt: at(30), service: 'chat-api', latencyMs: 120, statusCode: 200 },
    { type: 'request.completed', occurredAt: at(29), service: 'chat-api', latencyMs: 900, statusCode: 503 },
    { type: 'system.sample', occurredAt: at(20), source: 'chat-api-1', cpuPercent: 40, memoryPercent: 55.5, diskPercent: 37, networkLatencyMs: 12 },
    { type: 'escalation.resolved', occurredAt: at(15), escalationId: 'esc-2' },
    ...Array.from({ length: extra }, (_, i) => ({
      type: 'request.completed' as const,
      occurredAt: at(200 - (i % 180)),
      service: 'sms-gateway',
      latencyMs: 50 + i,
      statusCode: i % 13 === 0 ? 500 : 200,
    })),
  ]);
}

/**
 * Polls the read API until the document equals the oracle's recomputation from every event
 * the producers wrote (Clara Pulse's own function metrics aside); returns how long that took.
 */
export async function then_the_dashboard_shows_exactly(
  stack: TestStack,
  world: ProducerWorld,
  withinMs: number,
  /** Redrive EventBridge events whose every attempt failed, as on-call does from the on-failure destination. */
  { redrive = false } = {},
): Promise<{ visibleAfterMs: number; document: RealTimeMetrics; redriven: number }> {
  const started = Date.now();
  let problems: string[] = ['not read yet'];
  let redriven = 0;
  for (;;) {
    if (redrive) redriven += await stack.stack.redriveEventBridgeFailures();
    const document = await stack.read();
    const oracle = computeOracle(world.oracleEvents(), new Date(document.timestamp), 'UTC');
    problems = differences(document, oracle, LOCAL_FUNCTION_NAMES);
    if (problems.length === 0) return { visibleAfterMs: Date.now() - started, document, redriven };
    if (Date.now() - started > withinMs) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`after ${withinMs} ms the document still differs from the oracle:\n  ${problems.join('\n  ')}\nstack log:\n  ${stack.logs.join('\n  ')}`);
}
