import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { eventsOfItem } from '../../reconcile/item-events';
import type { CanonicalEvent } from '../../schemas/canonical-events';
import type { ChatSessionItemInput, EscalationItemInput, ProducerTable } from '../../schemas/producer-items';
import { decodeStreamRecord } from '../../schemas/transports/dynamodb-stream';
import { dynamodbRecord, eventsOf, reasonOf } from '../support/records';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const iso = (minutesBefore: number) => new Date(NOW.getTime() - minutesBefore * 60_000).toISOString();
const wire = (item: object) => marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;

/** What the live stream made of an item's whole history of writes: an INSERT, then a MODIFY per change. */
function liveEvents<T extends ProducerTable>(table: T, versions: readonly object[]): CanonicalEvent[] {
  return versions.flatMap((version, i) => {
    const record =
      i === 0
        ? dynamodbRecord(table, 'INSERT', { newImage: version as never })
        : dynamodbRecord(table, 'MODIFY', { newImage: version as never, oldImage: versions[i - 1] as never });
    return eventsOf(decodeStreamRecord(table, record, NOW));
  });
}

const scannedEvents = (table: ProducerTable, item: object) => eventsOf(eventsOfItem(table, table, wire(item), NOW));

/** A session's life as the chat service writes it: created, touched as messages come, perhaps ended. */
const sessionHistoryArb = fc
  .record({
    start: fc.integer({ min: 30, max: 600 }),
    touches: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 5 }),
    ends: fc.boolean(),
    userId: fc.option(fc.constantFrom('user-1', 'user-2'), { nil: undefined }),
  })
  .map(({ start, touches, ends, userId }) => {
    const first: ChatSessionItemInput = {
      sessionId: 'sess-1',
      userId,
      language: 'es',
      region: 'US-TX',
      status: 'active',
      startTime: iso(start),
      lastActivity: iso(start),
      messageCount: 0,
    };
    const versions = [first];
    let at = start;
    for (const step of touches) {
      at = Math.max(1, at - step);
      versions.push({ ...versions[versions.length - 1]!, lastActivity: iso(at), messageCount: versions.length });
    }
    if (ends) versions.push({ ...versions[versions.length - 1]!, status: 'ended', endTime: iso(Math.max(0, at - 1)) });
    return versions;
  });

/** An escalation's life at the desk: created, then any of assigned, resolved, failed, in order. */
const escalationHistoryArb = fc
  .record({ created: fc.integer({ min: 30, max: 600 }), steps: fc.subarray(['in_progress', 'resolved', 'failed'] as const) })
  .map(({ created, steps }) => {
    const versions: EscalationItemInput[] = [{ escalationId: 'esc-1', sessionId: 'sess-1', priority: 'urgent', status: 'pending', timestamp: iso(created) }];
    const attribute = { in_progress: 'assignedAt', resolved: 'resolvedAt', failed: 'failedAt' } as const;
    steps.forEach((status, i) => {
      versions.push({ ...versions[versions.length - 1]!, status, [attribute[status]]: iso(created - i - 1) });
    });
    return versions;
  });

describe('a scanned item, turned into events by the stream decoder', () => {
  it('yields only facts the live stream also yielded, with the same eventIds: applying them again changes nothing', () => {
    fc.assert(
      fc.property(sessionHistoryArb, escalationHistoryArb, (sessions, escalations) => {
        // Act
        const fromScan = [...scannedEvents('chat-sessions', sessions.at(-1)!), ...scannedEvents('escalations', escalations.at(-1)!)];
        const fromStream = [...liveEvents('chat-sessions', sessions), ...liveEvents('escalations', escalations)];

        // Assess
        for (const event of fromScan) expect(fromStream).toContainEqual(event);
      }),
    );
  });

  it('yields every fact the final item still records: the start, the latest activity, the end, each transition', () => {
    // Act
    const events = scannedEvents('chat-sessions', {
      sessionId: 'sess-9',
      language: 'en',
      status: 'ended',
      startTime: iso(30),
      lastActivity: iso(10),
      endTime: iso(5),
    });

    // Assess
    expect(events.map((event) => `${event.type}@${event.occurredAt}`)).toEqual([
      `conversation.started@${iso(30)}`,
      `conversation.activity@${iso(10)}`,
      `conversation.ended@${iso(5)}`,
    ]);
  });

  it('turns a message item into its message.sent, as its INSERT did', () => {
    // Prepare
    const item = { conversationId: 'sess-1', timestamp: iso(3), messageId: 'msg-1', sender: 'bot', processingTime: 800 };

    // Act
    const scanned = scannedEvents('messages', item);

    // Assess
    expect(scanned).toEqual(liveEvents('messages', [item]));
  });

  it('refuses an item the live stream would refuse, with the same reason', () => {
    // Prepare
    const item = { escalationId: 'esc-2', priority: 'urgent', status: 'resolved', timestamp: iso(5) };

    // Act
    const decoded = eventsOfItem('escalations', 'escalations', wire(item), NOW);

    // Assess
    expect(decoded.ok).toBe(false);
    expect(reasonOf(decoded)).toBe(reasonOf(decodeStreamRecord('escalations', dynamodbRecord('escalations', 'INSERT', { newImage: item as never }), NOW)));
  });
});
