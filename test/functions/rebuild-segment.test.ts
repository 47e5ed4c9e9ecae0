import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { parseSettings } from '../../config/settings';
import { createRebuildSegment, HAND_ON_MS } from '../../functions/rebuild-segment';
import { createTable } from '../../local/engines';
import { Pacer } from '../../reconcile/pacer';
import { rebuildSegments } from '../../reconcile/rebuild';
import type { SegmentTask } from '../../reconcile/segment-task';
import { PRODUCER_TABLE_KEYS } from '../../schemas/producer-items';
import type { PulseRecord } from '../../schemas/pulse-events';
import { MemoryDeadLetters } from '../../streams/dead-letters';
import type { MetricsStore } from '../../store/metrics-store';
import { testClients } from '../support/engines';

const { dynamo } = testClients();
const NOW = Date.parse('2026-03-10T14:05:00Z');

/** A messages table of its own, holding `count` messages (one of them not a message at all). */
async function given_a_messages_table(count: number): Promise<string> {
  const name = `messages-${randomUUID().slice(0, 8)}`;
  await createTable(dynamo, name, PRODUCER_TABLE_KEYS.messages);
  const items = Array.from({ length: count }, (_, i) => ({
    conversationId: `c-${i % 7}`,
    timestamp: new Date(NOW - i * 1000).toISOString(),
    messageId: `m-${i}`,
    ...(i === 0 ? {} : { sender: 'user' }),
  }));
  for (let i = 0; i < items.length; i += 25) {
    await dynamo.send(
      new BatchWriteItemCommand({ RequestItems: { [name]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })) } }),
    );
  }
  return name;
}

const capturing = () => {
  const records: PulseRecord[] = [];
  return { records, forwarder: { forward: async (batch: readonly PulseRecord[]) => void records.push(...batch) } };
};

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, i) => ({ messageId: `msg-${i}`, body }) as SQSRecord),
});

describe('a rebuild cut into Scan segments', () => {
  it('stops between pages when told, and resumed from where it stopped hands on every item exactly once overall', async () => {
    // Prepare
    const messages = await given_a_messages_table(60);
    const { records, forwarder } = capturing();
    const deps = {
      dynamo,
      forwarder,
      deadLetters: new MemoryDeadLetters(),
      tableNames: { 'chat-sessions': 'unused', messages, escalations: 'unused' },
      readPacer: new Pacer(10_000),
      eventPacer: new Pacer(100_000),
      now: () => NOW,
    };
    let pages = 0;

    // Act
    const first = await rebuildSegments({ ...deps, shouldStop: () => ++pages >= 2 }, [
      { table: 'messages', segment: { tableName: messages, segment: 0, totalSegments: 1, limit: 20 } },
    ]);
    const rest = await rebuildSegments(deps, first.unfinished);

    // Assess
    expect(first.unfinished).toHaveLength(1);
    expect(first.itemsRead.messages).toBe(40);
    expect(rest.unfinished).toEqual([]);
    expect(first.itemsRead.messages + rest.itemsRead.messages).toBe(60);
    expect(new Set(records.map((record) => record.event.eventId)).size).toBe(59);
    expect(records).toHaveLength(59);
    expect(first.deadLettered + rest.deadLettered).toBe(1);
  });
});

describe('rebuildSegment, the deployed fan-out', () => {
  const runtimeFor = (messages: string, forwarder: ReturnType<typeof capturing>['forwarder'], enqueued: SegmentTask[]) =>
    createRebuildSegment({
      settings: parseSettings({ METRICS_TABLE: 'unused', PULSE_STREAM: 'unused', MESSAGES_TABLE: messages }),
      // A rebuild never touches the metrics table itself: it hands facts to pulse-events.
      store: {} as MetricsStore,
      forwarder,
      deadLetters: new MemoryDeadLetters(),
      now: () => NOW,
      dynamo,
      enqueue: async (tasks) => void enqueued.push(...tasks),
    });

  it('rebuilds the segment of each message, and reports a message that is no task as failed, for SQS to retry and park', async () => {
    // Prepare
    const messages = await given_a_messages_table(30);
    const { records, forwarder } = capturing();
    const enqueued: SegmentTask[] = [];
    const task = (segment: number): SegmentTask => ({ table: 'messages', segment, totalSegments: 2, readUnitsPerSecond: 1000, eventsPerSecond: 10_000 });

    // Act
    const result = await runtimeFor(
      messages,
      forwarder,
      enqueued,
    )(sqsEvent(JSON.stringify(task(0)), '{"table":"messages"}', JSON.stringify(task(1))), () => 10 * HAND_ON_MS);

    // Assess
    expect(result.response).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-1' }] });
    expect(result.done.map((d) => d.task.segment)).toEqual([0, 1]);
    expect(result.done.reduce((total, d) => total + d.itemsRead.messages, 0)).toBe(30);
    expect(records).toHaveLength(29);
    expect(enqueued).toEqual([]);
  });
});
