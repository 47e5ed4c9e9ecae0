import { BatchWriteItemCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { marshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { StackInfo } from '../../local/stack/stack-info';
import { canonicalEventSchema, type CanonicalEvent, type CanonicalEventInput } from '../../schemas/canonical-events';
import type { ChatSessionItemInput, EscalationItemInput, MessageItemInput } from '../../schemas/producer-items';
import type { EventBridgeSource } from '../../schemas/transports/eventbridge';

/** A canonical event before the producer gives it its id (distributed over the union of types). */
export type EventWithoutId = CanonicalEventInput extends infer E ? (E extends unknown ? Omit<E, 'eventId'> : never) : never;

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
let ids = 0;
const nextId = (prefix: string) => `${prefix}-${++ids}`;

/**
 * ADA Clara's producers as the tests play them: each write goes through the stack's public
 * endpoints with the real SDK clients, and records the canonical events it means, so the
 * oracle can say what the dashboard must show.
 */
/** The `conversation.started` a new chat-session item means (SPEC §2.1). */
export const startedEventOf = (item: Omit<ChatSessionItemInput, 'status' | 'lastActivity'>): EventWithoutId => ({
  type: 'conversation.started',
  occurredAt: item.startTime,
  conversationId: item.sessionId,
  language: item.language,
  ...(item.userId != null && { userId: item.userId }),
  ...(item.region != null && { region: item.region }),
});

/** The `message.sent` a new message item means (SPEC §2.1). */
export const messageEventOf = (item: MessageItemInput): EventWithoutId => ({
  type: 'message.sent',
  occurredAt: item.timestamp,
  conversationId: item.conversationId,
  messageId: item.messageId,
  sender: item.sender,
  ...(item.processingTime != null && { processingTimeMs: item.processingTime }),
});

export class ProducerWorld {
  readonly expected: CanonicalEventInput[] = [];
  private readonly dynamo: DynamoDBClient;
  private readonly events: EventBridgeClient;
  private readonly kinesis: KinesisClient;

  constructor(
    private readonly info: StackInfo,
    readonly nowMs = Date.now(),
  ) {
    const common = { region: info.region, credentials: CREDENTIALS };
    this.dynamo = new DynamoDBClient({ ...common, endpoint: info.dynamodb });
    this.events = new EventBridgeClient({ ...common, endpoint: info.eventbridge });
    this.kinesis = new KinesisClient({ ...common, endpoint: info.kinesis, requestHandler: new NodeHttpHandler() });
  }

  /** An instant `seconds` before the world's now. */
  at(seconds: number): string {
    return new Date(this.nowMs - seconds * 1000).toISOString();
  }

  oracleEvents(): CanonicalEvent[] {
    return this.expected.map((event) => canonicalEventSchema.parse(event));
  }

  close(): void {
    this.dynamo.destroy();
    this.events.destroy();
    this.kinesis.destroy();
  }

  // ---- the chat service: chat-sessions and messages tables ----

  async a_web_conversation_starts(item: Omit<ChatSessionItemInput, 'status' | 'lastActivity'>): Promise<void> {
    await this.put(this.info.tables.chatSessions, { ...item, status: 'active', lastActivity: item.startTime });
    this.expect(startedEventOf(item));
  }

  async the_chat_service_writes_a_message(item: Omit<MessageItemInput, 'messageId'>): Promise<string> {
    const messageId = nextId('msg');
    await this.put(this.info.tables.messages, { ...item, messageId });
    this.expectMessage({ ...item, messageId });
    return messageId;
  }

  /** Several messages in one BatchWriteItem, as a chat service flushing its buffer would. */
  async the_chat_service_batch_writes(items: Omit<MessageItemInput, 'messageId'>[]): Promise<void> {
    const withIds = items.map((item) => ({ ...item, messageId: nextId('msg') }));
    for (let i = 0; i < withIds.length; i += 25) {
      const chunk = withIds.slice(i, i + 25);
      const response = await this.dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [this.info.tables.messages]: chunk.map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })) },
        }),
      );
      if (Object.keys(response.UnprocessedItems ?? {}).length > 0) throw new Error('BatchWriteItem left items unprocessed');
    }
    for (const item of withIds) this.expectMessage(item);
  }

  /** A message removed again (a clean-up): its REMOVE record means nothing, the message still counts. */
  async the_chat_service_deletes_the_message(conversationId: string, timestamp: string): Promise<void> {
    await this.dynamo.send(new DeleteItemCommand({ TableName: this.info.tables.messages, Key: marshall({ conversationId, timestamp }) }));
  }

  async the_session_shows_activity(sessionId: string, lastActivity: string, messageCount: number): Promise<void> {
    await this.update(this.info.tables.chatSessions, { sessionId }, 'SET lastActivity = :t, messageCount = :n', { ':t': lastActivity, ':n': messageCount });
    this.expect({ type: 'conversation.activity', occurredAt: lastActivity, conversationId: sessionId });
  }

  async the_session_ends(sessionId: string, endTime: string): Promise<void> {
    await this.update(this.info.tables.chatSessions, { sessionId }, 'SET #status = :s, endTime = :t', { ':s': 'ended', ':t': endTime });
    this.expect({ type: 'conversation.ended', occurredAt: endTime, conversationId: sessionId });
  }

  /** The same item written again: DynamoDB Streams records nothing for a write that changes nothing. */
  async the_same_session_is_written_again(item: ChatSessionItemInput): Promise<void> {
    await this.put(this.info.tables.chatSessions, item);
  }

  // ---- the escalation service: escalations table ----

  async an_escalation_is_opened(item: Omit<EscalationItemInput, 'status'>): Promise<void> {
    await this.put(this.info.tables.escalations, { ...item, status: 'pending' });
    this.expect({
      type: 'escalation.created',
      occurredAt: item.timestamp,
      escalationId: item.escalationId,
      priority: item.priority,
      ...(item.sessionId && { conversationId: item.sessionId }),
    });
  }

  async an_agent_takes_the_escalation(escalationId: string, assignedAt: string): Promise<void> {
    await this.update(this.info.tables.escalations, { escalationId }, 'SET #status = :s, assignedAt = :t', { ':s': 'in_progress', ':t': assignedAt });
    this.expect({ type: 'escalation.assigned', occurredAt: assignedAt, escalationId });
  }

  // ---- services on the bus, telemetry on Kinesis ----

  async services_put_on_the_bus(events: { source: EventBridgeSource; event: EventWithoutId }[], busName = this.info.eventBusName): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map(({ source, event }) => {
      const full = { eventId: nextId('eb'), ...event } as CanonicalEventInput;
      if (busName === this.info.eventBusName) this.expected.push(full);
      return { EventBusName: busName, Source: source, DetailType: full.type, Detail: JSON.stringify(full) };
    });
    for (let i = 0; i < entries.length; i += 10) {
      const response = await this.events.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
      if (response.FailedEntryCount) throw new Error(`PutEvents refused ${response.FailedEntryCount} entries: ${JSON.stringify(response.Entries)}`);
    }
  }

  async telemetry_arrives_on_kinesis(events: EventWithoutId[]): Promise<void> {
    const full = events.map((event) => ({ eventId: nextId('k'), ...event }) as CanonicalEventInput);
    for (let i = 0; i < full.length; i += 500) {
      const chunk = full.slice(i, i + 500);
      const response = await this.kinesis.send(
        new PutRecordsCommand({
          StreamName: this.info.telemetryStream,
          Records: chunk.map((event) => ({ PartitionKey: event.eventId, Data: Buffer.from(JSON.stringify(event)) })),
        }),
      );
      if (response.FailedRecordCount) throw new Error(`PutRecords refused ${response.FailedRecordCount} records`);
    }
    this.expected.push(...full);
  }

  private expectMessage(item: MessageItemInput): void {
    this.expect(messageEventOf(item));
  }

  private expect(event: EventWithoutId): void {
    this.expected.push({ eventId: nextId('expected'), ...event } as CanonicalEventInput);
  }

  private async put(table: string, item: object): Promise<void> {
    await this.dynamo.send(new PutItemCommand({ TableName: table, Item: marshall(item, { removeUndefinedValues: true }) }));
  }

  private async update(table: string, key: Record<string, string>, expression: string, values: Record<string, unknown>): Promise<void> {
    await this.dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall(key),
        UpdateExpression: expression,
        ...(expression.includes('#status') && { ExpressionAttributeNames: { '#status': 'status' } }),
        ExpressionAttributeValues: marshall(values),
      }),
    );
  }
}
