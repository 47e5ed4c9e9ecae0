import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LocalPipeline } from '../../local/local-pipeline';
import { canonicalEventSchema, type CanonicalEventInput } from '../../schemas/canonical-events';
import { minuteItem } from '../../store/layout';
import { computeOracle } from '../oracle/oracle';
import { differences } from '../support/compare';
import { testClients } from '../support/engines';

const T = Date.parse('2026-03-10T14:05:30Z');
const at = (secondsBefore: number) => new Date(T - secondsBefore * 1000).toISOString();
const label = (prefix: string, i: number, length: number) => `${prefix}${String(i).padStart(6, '0')}`.padEnd(length, 'x');

/**
 * A producer that makes up a new region, language and function name for every fact used to push
 * a minute item past DynamoDB's 400 KB and jam the shard. Labels are bounded by allow-lists now:
 * the facts after them still count, and every total stays exact.
 */
describe('thousands of distinct labels, then valid facts', () => {
  it('counts the valid facts and keeps the totals exact, with every minute item small', async () => {
    // Prepare
    const clients = testClients();
    const pipeline = await LocalPipeline.create({ ...clients, now: () => T, batchSize: 500 });
    const noisy: CanonicalEventInput[] = [];
    for (let i = 0; i < 1500; i++) {
      noisy.push({
        eventId: `s${i}`,
        type: 'conversation.started',
        occurredAt: at(90),
        conversationId: `noisy-${i}`,
        language: label('l', i, 16),
        region: label('region-', i, 64),
      });
      noisy.push({
        eventId: `f${i}`,
        type: 'function.invocation',
        occurredAt: at(80),
        functionName: label('fn-', i, 64),
        durationMs: 10,
        error: false,
        throttled: false,
      });
    }
    const valid: CanonicalEventInput[] = Array.from({ length: 20 }, (_, i) => ({
      eventId: `m${i}`,
      type: 'message.sent',
      occurredAt: at(30),
      conversationId: 'noisy-1',
      messageId: `message-${i}`,
      sender: 'user',
    }));

    // Act
    await pipeline.publish(noisy);
    await pipeline.publish(valid);
    await pipeline.drain();
    const document = await pipeline.read(T);

    // Assess
    const events = [...noisy, ...valid].map((event) => canonicalEventSchema.parse(event));
    expect(differences(document, computeOracle(events, new Date(T), 'UTC'))).toEqual([]);
    expect(document.messagesLastHour).toBe(20);
    expect(document.liveConversations.byLanguage).toEqual({ en: 0, es: 0, other: 1500 });
    expect(document.systemPerformance.lambdaMetrics.other?.invocations).toBe(1500);
    for (const minute of [Math.floor(T / 60_000) - 2, Math.floor(T / 60_000) - 1]) {
      const item = (await clients.dynamo.send(new GetItemCommand({ TableName: pipeline.names.metricsTable, Key: { pk: { S: minuteItem(minute) } } }))).Item;
      expect(JSON.stringify(unmarshall(item ?? {})).length).toBeLessThan(8_000);
    }
    await pipeline.dispose();
  });
});
