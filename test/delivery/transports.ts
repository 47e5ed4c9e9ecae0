import type { DynamoDBRecord, EventBridgeEvent } from 'aws-lambda';
import type { CanonicalEvent } from '../../schemas/canonical-events';
import { dynamodbRecord, eventBridgeEvent } from '../support/records';

export type Transport = 'kinesis' | 'eventbridge' | 'dynamodb-streams';

/**
 * The transports that can carry an event. A producer table's stream can carry the facts that
 * are a new item (a session, a message, an escalation); Kinesis and EventBridge carry any.
 */
export function transportsFor(event: CanonicalEvent): Transport[] {
  const asItem = event.type === 'conversation.started' || event.type === 'message.sent' || event.type === 'escalation.created';
  return asItem ? ['kinesis', 'eventbridge', 'dynamodb-streams'] : ['kinesis', 'eventbridge'];
}

/** The producer-table INSERT that means this event, as DynamoDB Streams would deliver it. */
export function streamRecordOf(event: CanonicalEvent): DynamoDBRecord {
  switch (event.type) {
    case 'conversation.started':
      return dynamodbRecord('chat-sessions', 'INSERT', {
        newImage: {
          sessionId: event.conversationId,
          ...(event.userId !== undefined && { userId: event.userId }),
          language: event.language,
          ...(event.region !== undefined && { region: event.region }),
          status: 'active',
          startTime: event.occurredAt,
          lastActivity: event.occurredAt,
        },
      });
    case 'message.sent':
      return dynamodbRecord('messages', 'INSERT', {
        newImage: {
          conversationId: event.conversationId,
          timestamp: event.occurredAt,
          messageId: event.messageId,
          sender: event.sender,
          ...(event.processingTimeMs !== undefined && { processingTime: event.processingTimeMs }),
        },
      });
    case 'escalation.created':
      return dynamodbRecord('escalations', 'INSERT', {
        newImage: {
          escalationId: event.escalationId,
          ...(event.conversationId !== undefined && { sessionId: event.conversationId }),
          priority: event.priority,
          status: 'pending',
          timestamp: event.occurredAt,
        },
      });
    default:
      throw new Error(`${event.type} is not a new producer item`);
  }
}

export const eventBridgeOf = (event: CanonicalEvent): EventBridgeEvent<string, unknown> => eventBridgeEvent(event);
