import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PerformanceName } from '../../aggregators/counters';
import type { DynamoDBRecord, EventBridgeEvent } from 'aws-lambda';
import { dynamodbRecord, eventBridgeEvent } from '../support/records';

/** A bad record, with what must identify it among the dead letters. */
export interface Poison {
  kind: string;
  marker: string;
}

export const kinesisPoisons = (atMs: number, n: number) => {
  const marker = `poison-${n}`;
  const future = new Date(atMs + 10 * 60_000).toISOString();
  return [
    { kind: 'not JSON', marker, data: Buffer.from(`{"eventId":"${marker}", oops`) },
    { kind: 'schema violation', marker, data: Buffer.from(JSON.stringify({ eventId: marker, type: 'message.sent', occurredAt: future.slice(0, 10) })) },
    {
      kind: 'in the future',
      marker,
      data: Buffer.from(JSON.stringify({ eventId: marker, type: 'request.completed', occurredAt: future, service: 'x', latencyMs: 1, statusCode: 200 })),
    },
    { kind: 'oversized', marker, data: Buffer.from(JSON.stringify({ eventId: marker, padding: 'x'.repeat(300 * 1024) })) },
    {
      // Valid, but every write that holds it is refused for good (see refuseWritesMentioning).
      kind: 'never commits',
      marker,
      data: Buffer.from(
        JSON.stringify({
          eventId: marker,
          type: 'function.invocation',
          occurredAt: new Date(atMs).toISOString(),
          functionName: NEVER_COMMITS_FUNCTION,
          durationMs: 1,
          error: false,
          throttled: false,
        }),
      ),
    },
  ];
};

/**
 * The function name of the records whose writes DynamoDB refuses for good in the harness: on
 * the allow-list (so it gets counters of its own, not `other`) and used by no generated history,
 * so the counters named after it are the poison's alone.
 */
export const NEVER_COMMITS_FUNCTION = 'ada-clara-rag-query';
/** What every write holding such a record's counters mentions: its counters' names. */
export const NEVER_COMMITS = PerformanceName.functionInvocations(NEVER_COMMITS_FUNCTION).replace(/n$/, '');

/**
 * DynamoDB refusing, every time, any write that holds a marked record's counters — as it refuses
 * an item grown past 400 KB: `ValidationException`, which no retry can get past.
 */
export function refuseWritesMentioning(client: DynamoDBClient, marker: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      if (JSON.stringify(args.input).includes(marker)) {
        throw Object.assign(new Error('Item size to update has exceeded the maximum allowed size (injected)'), {
          name: 'ValidationException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'claraPulseRefuseMarkedWrites' },
  );
}

export const eventBridgePoison = (n: number): { poison: Poison; event: EventBridgeEvent<string, unknown> } => {
  const marker = `poison-eb-${n}`;
  const event = eventBridgeEvent({ eventId: marker, type: 'escalation.created', occurredAt: '2026-01-01T00:00:00Z', escalationId: marker, priority: 'high' });
  return { poison: { kind: 'eventbridge schema violation', marker }, event: { ...event, detail: { eventId: marker, type: 'escalation.created' } } };
};

export const streamPoison = (n: number): { poison: Poison; record: DynamoDBRecord } => {
  const marker = `poison-ddb-${n}`;
  // A message item without its messageId: the producer's bug, not ours to guess.
  const record = dynamodbRecord('messages', 'INSERT', {
    newImage: { conversationId: marker, timestamp: '2026-01-01T00:00:00Z', messageId: marker, sender: 'bot' },
  });
  delete (record.dynamodb!.NewImage as Record<string, unknown>).messageId;
  return { poison: { kind: 'stream item schema violation', marker }, record };
};
