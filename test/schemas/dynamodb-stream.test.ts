import fc from 'fast-check';
import type { DynamoDBRecord } from 'aws-lambda';
import { MAX_RECORD_BYTES } from '../../schemas/decode-result';
import { PRODUCER_TABLES, type ChatSessionItemInput, type EscalationItemInput, type MessageItemInput } from '../../schemas/producer-items';
import { decodeStreamRecord } from '../../schemas/transports/dynamodb-stream';
import { dynamodbRecord, eventsOf, fixtures, nth, reasonOf } from '../support/records';

const NOW = new Date('2024-05-14T12:00:00.000Z');

const session = (changes: Partial<ChatSessionItemInput> = {}): ChatSessionItemInput => ({
  sessionId: 'sess-1',
  userId: 'user-1',
  language: 'en',
  region: 'US-CA',
  status: 'active',
  startTime: '2024-05-14T11:50:00.000Z',
  lastActivity: '2024-05-14T11:50:00.000Z',
  messageCount: 0,
  ttl: 1718280000,
  ...changes,
});

const escalation = (changes: Partial<EscalationItemInput> = {}): EscalationItemInput => ({
  escalationId: 'esc-1',
  sessionId: 'sess-1',
  priority: 'high',
  status: 'pending',
  timestamp: '2024-05-14T11:53:00.000Z',
  ...changes,
});

const message = (changes: Partial<MessageItemInput> = {}): MessageItemInput => ({
  conversationId: 'sess-1',
  timestamp: '2024-05-14T11:51:00.000Z',
  messageId: 'msg-1',
  sender: 'bot',
  language: 'en',
  processingTime: 840,
  ...changes,
});

const fixtureRecord = (stream: 'chatSessionsStream' | 'escalationsStream', index: number) => nth(fixtures[stream]().Records, index);
const typesOf = (record: DynamoDBRecord, table: Parameters<typeof decodeStreamRecord>[0] = 'chat-sessions') =>
  eventsOf(decodeStreamRecord(table, record, NOW)).map((event) => `${event.type}@${event.occurredAt}`);

describe('chat-sessions stream records', () => {
  it('turns a new session into conversation.started at its startTime, with user, language and region', () => {
    const record = fixtureRecord('chatSessionsStream', 0);

    const events = eventsOf(decodeStreamRecord('chat-sessions', record, NOW));

    expect(events).toEqual([
      {
        eventId: 'chat-sessions/sess-7f3c2a91/conversation.started/2024-05-14T11:50:00.000Z',
        type: 'conversation.started',
        occurredAt: '2024-05-14T11:50:00.000Z',
        conversationId: 'sess-7f3c2a91',
        userId: 'user-4821',
        language: 'es',
        region: 'US-TX',
      },
    ]);
  });

  it('leaves userId and region out for an anonymous session without region', () => {
    const record = dynamodbRecord('chat-sessions', 'INSERT', { newImage: session({ userId: undefined, region: undefined }) });

    const [started] = eventsOf(decodeStreamRecord('chat-sessions', record, NOW));

    expect(started).not.toHaveProperty('userId');
    expect(started).not.toHaveProperty('region');
  });

  it('adds activity at lastActivity when a new session was already active after its start', () => {
    const record = dynamodbRecord('chat-sessions', 'INSERT', { newImage: session({ lastActivity: '2024-05-14T11:51:30.000Z' }) });

    expect(typesOf(record)).toEqual(['conversation.started@2024-05-14T11:50:00.000Z', 'conversation.activity@2024-05-14T11:51:30.000Z']);
  });

  it('adds the end at endTime when a session is inserted already ended', () => {
    const item = session({ status: 'ended', lastActivity: '2024-05-14T11:52:00.000Z', endTime: '2024-05-14T11:52:40.000Z' });
    const record = dynamodbRecord('chat-sessions', 'INSERT', { newImage: item });

    expect(typesOf(record)).toEqual([
      'conversation.started@2024-05-14T11:50:00.000Z',
      'conversation.activity@2024-05-14T11:52:00.000Z',
      'conversation.ended@2024-05-14T11:52:40.000Z',
    ]);
  });

  it('ends an inserted ended session at lastActivity when it has no endTime', () => {
    const record = dynamodbRecord('chat-sessions', 'INSERT', { newImage: session({ status: 'ended', lastActivity: '2024-05-14T11:52:00.000Z' }) });

    expect(typesOf(record)).toContain('conversation.ended@2024-05-14T11:52:00.000Z');
  });

  it('turns lastActivity moving forward into conversation.activity at the new lastActivity', () => {
    const record = fixtureRecord('chatSessionsStream', 1);

    const events = eventsOf(decodeStreamRecord('chat-sessions', record, NOW));

    expect(events).toEqual([
      {
        eventId: 'chat-sessions/sess-7f3c2a91/conversation.activity/2024-05-14T11:52:30.000Z',
        type: 'conversation.activity',
        occurredAt: '2024-05-14T11:52:30.000Z',
        conversationId: 'sess-7f3c2a91',
      },
    ]);
  });

  it('turns status becoming ended into conversation.ended at endTime', () => {
    const record = fixtureRecord('chatSessionsStream', 2);

    expect(typesOf(record)).toEqual(['conversation.activity@2024-05-14T11:54:10.000Z', 'conversation.ended@2024-05-14T11:55:00.000Z']);
  });

  it('ends at the new lastActivity when the ended session has no endTime', () => {
    const before = session();
    const record = dynamodbRecord('chat-sessions', 'MODIFY', { oldImage: before, newImage: { ...before, status: 'ended' } });

    expect(typesOf(record)).toEqual(['conversation.ended@2024-05-14T11:50:00.000Z']);
  });

  it('emits nothing when neither lastActivity nor status moved', () => {
    const before = session({ lastActivity: '2024-05-14T11:55:00.000Z' });
    const backwards = { ...before, lastActivity: '2024-05-14T11:54:00.000Z', messageCount: 3 };
    const record = dynamodbRecord('chat-sessions', 'MODIFY', { oldImage: before, newImage: backwards });

    expect(typesOf(record)).toEqual([]);
  });

  it('emits no second end when an ended session is modified again', () => {
    const ended = session({ status: 'ended', endTime: '2024-05-14T11:52:00.000Z' });
    const record = dynamodbRecord('chat-sessions', 'MODIFY', { oldImage: ended, newImage: { ...ended, messageCount: 9 } });

    expect(typesOf(record)).toEqual([]);
  });

  it('reads a MODIFY without old image as a new session', () => {
    const record = dynamodbRecord('chat-sessions', 'MODIFY', { newImage: session({ lastActivity: '2024-05-14T11:51:00.000Z' }) });

    expect(typesOf(record)).toEqual(['conversation.started@2024-05-14T11:50:00.000Z', 'conversation.activity@2024-05-14T11:51:00.000Z']);
  });

  it('reads a MODIFY whose old image breaks the schema as a new session', () => {
    const broken = { ...session(), startTime: 'soon' };
    const record = dynamodbRecord('chat-sessions', 'MODIFY', { oldImage: broken, newImage: session() });

    expect(typesOf(record)).toEqual(['conversation.started@2024-05-14T11:50:00.000Z']);
  });

  it('times events in UTC whatever offset the producer wrote', () => {
    const record = dynamodbRecord('chat-sessions', 'INSERT', {
      newImage: session({ startTime: '2024-05-14T06:50:00-05:00', lastActivity: '2024-05-14T06:50:00-05:00' }),
    });

    expect(typesOf(record)).toEqual(['conversation.started@2024-05-14T11:50:00.000Z']);
  });

  it('gives the same event ids on every delivery of the same record', () => {
    const record = fixtureRecord('chatSessionsStream', 2);

    const first = eventsOf(decodeStreamRecord('chat-sessions', record, NOW));
    const again = eventsOf(decodeStreamRecord('chat-sessions', structuredClone(record), new Date('2024-05-15T00:00:00Z')));

    expect(again.map((event) => event.eventId)).toEqual(first.map((event) => event.eventId));
    expect(new Set(first.map((event) => event.eventId)).size).toBe(first.length);
  });

  it('ignores a TTL deletion by the DynamoDB service', () => {
    const record = fixtureRecord('chatSessionsStream', 3);
    expect(record.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });

    const decoded = decodeStreamRecord('chat-sessions', record, NOW);

    expect(decoded).toEqual({ ok: true, events: [] });
  });

  it('ignores any other deletion too', () => {
    const record = fixtureRecord('chatSessionsStream', 4);

    const decoded = decodeStreamRecord('chat-sessions', record, NOW);

    expect(decoded).toEqual({ ok: true, events: [] });
  });
});

describe('messages stream records', () => {
  it('turns a new message into message.sent at its timestamp, with processingTime as processingTimeMs', () => {
    const record = dynamodbRecord('messages', 'INSERT', { newImage: message() });

    const events = eventsOf(decodeStreamRecord('messages', record, NOW));

    expect(events).toEqual([
      {
        eventId: 'messages/msg-1/message.sent/2024-05-14T11:51:00.000Z',
        type: 'message.sent',
        occurredAt: '2024-05-14T11:51:00.000Z',
        conversationId: 'sess-1',
        messageId: 'msg-1',
        sender: 'bot',
        processingTimeMs: 840,
      },
    ]);
  });

  it('sends a user message without processing time', () => {
    const record = dynamodbRecord('messages', 'INSERT', { newImage: message({ sender: 'user', processingTime: undefined }) });

    const [sent] = eventsOf(decodeStreamRecord('messages', record, NOW));

    expect(sent).toMatchObject({ type: 'message.sent', sender: 'user' });
    expect(sent).not.toHaveProperty('processingTimeMs');
  });

  it('emits nothing when a message item is modified', () => {
    const record = dynamodbRecord('messages', 'MODIFY', { oldImage: message(), newImage: message({ processingTime: 900 }) });

    expect(typesOf(record, 'messages')).toEqual([]);
  });
});

describe('escalations stream records', () => {
  it('turns a new escalation into escalation.created at its timestamp, reading urgent as critical', () => {
    const record = fixtureRecord('escalationsStream', 0);

    const events = eventsOf(decodeStreamRecord('escalations', record, NOW));

    expect(events).toEqual([
      {
        eventId: 'escalations/esc-20240514-0042/escalation.created/2024-05-14T11:53:00.000Z',
        type: 'escalation.created',
        occurredAt: '2024-05-14T11:53:00.000Z',
        escalationId: 'esc-20240514-0042',
        conversationId: 'sess-7f3c2a91',
        priority: 'critical',
      },
    ]);
  });

  it('turns a new assignedAt into escalation.assigned at that time', () => {
    expect(typesOf(fixtureRecord('escalationsStream', 1), 'escalations')).toEqual(['escalation.assigned@2024-05-14T11:54:00.000Z']);
  });

  it('turns a new resolvedAt into escalation.resolved only, not the assignment again', () => {
    expect(typesOf(fixtureRecord('escalationsStream', 2), 'escalations')).toEqual(['escalation.resolved@2024-05-14T11:58:00.000Z']);
  });

  it('turns a new failedAt into escalation.failed', () => {
    const before = escalation();
    const record = dynamodbRecord('escalations', 'MODIFY', {
      oldImage: before,
      newImage: { ...before, status: 'failed', failedAt: '2024-05-14T11:59:00.000Z' },
    });

    expect(typesOf(record, 'escalations')).toEqual(['escalation.failed@2024-05-14T11:59:00.000Z']);
  });

  it('emits creation and every transition of an escalation inserted already resolved', () => {
    const item = escalation({ status: 'resolved', assignedAt: '2024-05-14T11:54:00.000Z', resolvedAt: '2024-05-14T11:56:00.000Z' });
    const record = dynamodbRecord('escalations', 'INSERT', { newImage: item });

    expect(typesOf(record, 'escalations')).toEqual([
      'escalation.created@2024-05-14T11:53:00.000Z',
      'escalation.assigned@2024-05-14T11:54:00.000Z',
      'escalation.resolved@2024-05-14T11:56:00.000Z',
    ]);
  });

  it('reads a MODIFY without old image as a new escalation', () => {
    const record = dynamodbRecord('escalations', 'MODIFY', { newImage: escalation({ status: 'in_progress', assignedAt: '2024-05-14T11:54:00.000Z' }) });

    expect(typesOf(record, 'escalations')).toEqual(['escalation.created@2024-05-14T11:53:00.000Z', 'escalation.assigned@2024-05-14T11:54:00.000Z']);
  });

  it('emits a transition again when its time changed, and not when only its spelling did', () => {
    const assigned = escalation({ status: 'in_progress', assignedAt: '2024-05-14T11:54:00.000Z' });
    const moved = dynamodbRecord('escalations', 'MODIFY', { oldImage: assigned, newImage: { ...assigned, assignedAt: '2024-05-14T11:55:00.000Z' } });
    const respelled = dynamodbRecord('escalations', 'MODIFY', { oldImage: assigned, newImage: { ...assigned, assignedAt: '2024-05-14T06:54:00-05:00' } });

    expect(typesOf(moved, 'escalations')).toEqual(['escalation.assigned@2024-05-14T11:55:00.000Z']);
    expect(typesOf(respelled, 'escalations')).toEqual([]);
  });

  it.each([
    ['in_progress', 'assignedAt'],
    ['resolved', 'resolvedAt'],
    ['failed', 'failedAt'],
  ] as const)('refuses status %s without %s, naming the attribute', (status, attribute) => {
    const record = dynamodbRecord('escalations', 'INSERT', { newImage: escalation({ status }) });

    const reason = reasonOf(decodeStreamRecord('escalations', record, NOW));

    expect(reason).toBe(`NewImage.${attribute}: missing, required when status is ${status}`);
  });
});

describe('refused stream records', () => {
  it('names the attribute that breaks the item schema', () => {
    const record = dynamodbRecord('chat-sessions', 'INSERT', { newImage: session({ startTime: 'yesterday' }) });

    expect(reasonOf(decodeStreamRecord('chat-sessions', record, NOW))).toBe('NewImage.startTime: Invalid ISO datetime');
  });

  it('names a missing attribute', () => {
    const { language: _language, ...withoutLanguage } = session();
    const record = dynamodbRecord('chat-sessions', 'INSERT', { newImage: withoutLanguage as ChatSessionItemInput });

    expect(reasonOf(decodeStreamRecord('chat-sessions', record, NOW))).toMatch(/^NewImage\.language: /);
  });

  it('refuses a change without new image, as a KEYS_ONLY stream would deliver it', () => {
    const record = fixtureRecord('chatSessionsStream', 1);
    delete record.dynamodb?.NewImage;

    expect(reasonOf(decodeStreamRecord('chat-sessions', record, NOW))).toMatch(/NewImage: missing on MODIFY/);
  });

  it('refuses an image that is not a DynamoDB item', () => {
    const record = fixtureRecord('chatSessionsStream', 0);
    (record.dynamodb as { NewImage: unknown }).NewImage = { sessionId: { X: 'sess-1' } };

    expect(reasonOf(decodeStreamRecord('chat-sessions', record, NOW))).toMatch(/^dynamodb\.NewImage: not a DynamoDB item/);
  });

  it('refuses a record that is not a DynamoDB stream record', () => {
    const record = fixtureRecord('chatSessionsStream', 0);
    delete record.eventSource;

    expect(reasonOf(decodeStreamRecord('chat-sessions', record, NOW))).toMatch(/^record\.eventSource: /);
  });

  it('refuses an event more than 5 minutes in the future, and accepts one exactly 5 minutes ahead', () => {
    const ahead = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    const tooFar = dynamodbRecord('messages', 'INSERT', { newImage: message({ timestamp: ahead(5 * 60_000 + 1) }) });
    const atLimit = dynamodbRecord('messages', 'INSERT', { newImage: message({ timestamp: ahead(5 * 60_000) }) });

    expect(reasonOf(decodeStreamRecord('messages', tooFar, NOW))).toMatch(/occurredAt .* of message\.sent is in the future/);
    expect(eventsOf(decodeStreamRecord('messages', atLimit, NOW))).toHaveLength(1);
  });

  it('refuses a record whose images are larger than MAX_RECORD_BYTES', () => {
    const big = dynamodbRecord('chat-sessions', 'INSERT', { newImage: { ...session(), note: 'x'.repeat(MAX_RECORD_BYTES) } as ChatSessionItemInput });
    const fits = dynamodbRecord('chat-sessions', 'INSERT', { newImage: { ...session(), note: 'x'.repeat(MAX_RECORD_BYTES - 1024) } as ChatSessionItemInput });

    expect(reasonOf(decodeStreamRecord('chat-sessions', big, NOW))).toMatch(/^dynamodb is \d+ bytes, above the limit of 262144$/);
    expect(eventsOf(decodeStreamRecord('chat-sessions', fits, NOW))).toHaveLength(1);
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRODUCER_TABLES), fc.anything(), (table, junk) => {
        const decoded = decodeStreamRecord(table, junk as DynamoDBRecord, NOW);
        expect(decoded.ok).toBe(false);
      }),
    );
  });
});
