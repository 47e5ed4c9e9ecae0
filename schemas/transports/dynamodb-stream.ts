import { DynamoDBStreamChangeRecordBase, DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { z } from 'zod';
import type { CanonicalEventInput, EventType } from '../canonical-events';
import { accepted, describeIssues, errorMessage, oversizeJson, rejected, validateEvents, type Decoded } from '../decode-result';
import {
  chatSessionItemSchema,
  escalationItemSchema,
  messageItemSchema,
  type ChatSessionItem,
  type EscalationItem,
  type MessageItem,
  type ProducerTable,
} from '../producer-items';

export type { ProducerTable } from '../producer-items';

// Powertools' record schema with two changes: the images stay marshalled, because we unmarshall
// them with the SDK as the producers marshalled them; and `userIdentity` is not checked, because
// a REMOVE yields nothing whoever made it.
const streamRecordSchema = DynamoDBStreamRecord.extend({
  dynamodb: DynamoDBStreamChangeRecordBase,
  userIdentity: z.unknown().optional(),
});

/** One item change, both images validated. `previous` is absent for a new item (or an unreadable old image). */
interface Change<Item> {
  inserted: boolean;
  item: Item;
  previous: Item | undefined;
}

type Images = { newImage: Record<string, unknown>; oldImage: Record<string, unknown> | undefined };
type ChangeMapper = (images: Images, inserted: boolean) => { events: CanonicalEventInput[] } | { reason: string };

function itemChanges<Item>(schema: z.ZodType<Item>, toEvents: (change: Change<Item>) => CanonicalEventInput[]): ChangeMapper {
  return ({ newImage, oldImage }, inserted) => {
    const item = schema.safeParse(newImage);
    if (!item.success) return { reason: describeIssues(item.error, 'NewImage') };
    // An old image that fails the schema cannot tell which facts were already emitted. Reading the
    // change as a new item re-emits all of them; transitions are idempotent downstream (SPEC §3).
    const previous = oldImage === undefined ? undefined : schema.safeParse(oldImage);
    return { events: toEvents({ inserted, item: item.data, previous: previous?.success ? previous.data : undefined }) };
  };
}

/** SPEC §1: event times are UTC. Items may carry an offset; the instant is the same. */
const utc = (iso: string): string => new Date(iso).toISOString();
const instant = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/** A derived event; its id names the item and the fact, so every redelivery yields the same id. */
function fact<T extends EventType>(
  item: string,
  type: T,
  at: string,
  fields: Omit<Extract<CanonicalEventInput, { type: T }>, 'eventId' | 'type' | 'occurredAt'>,
): CanonicalEventInput {
  const occurredAt = utc(at);
  // Absent attributes are left out rather than set to undefined, as a producer's JSON would have them.
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  // TypeScript cannot narrow the spread by T; the canonical schema checks every derived event anyway.
  return { eventId: `${item}/${type}/${occurredAt}`, type, occurredAt, ...present } as unknown as CanonicalEventInput;
}

function sessionEvents({ item, previous }: Change<ChatSessionItem>): CanonicalEventInput[] {
  const source = `chat-sessions/${item.sessionId}`;
  const conversationId = item.sessionId;
  const events: CanonicalEventInput[] = [];
  if (!previous) {
    const { userId, language, region } = item;
    events.push(fact(source, 'conversation.started', item.startTime, { conversationId, userId, language, region }));
  }
  const activitySince = previous ? previous.lastActivity : item.startTime;
  if (Date.parse(item.lastActivity) > Date.parse(activitySince)) {
    events.push(fact(source, 'conversation.activity', item.lastActivity, { conversationId }));
  }
  if (item.status === 'ended' && previous?.status !== 'ended') {
    events.push(fact(source, 'conversation.ended', item.endTime ?? item.lastActivity, { conversationId }));
  }
  return events;
}

function messageEvents({ inserted, item }: Change<MessageItem>): CanonicalEventInput[] {
  // A message is a fact once written; later edits of its item are not new messages.
  if (!inserted) return [];
  const { conversationId, messageId, sender, processingTime } = item;
  return [fact(`messages/${messageId}`, 'message.sent', item.timestamp, { conversationId, messageId, sender, processingTimeMs: processingTime })];
}

const ESCALATION_TRANSITIONS = [
  ['escalation.assigned', 'assignedAt'],
  ['escalation.resolved', 'resolvedAt'],
  ['escalation.failed', 'failedAt'],
] as const;

function escalationEvents({ item, previous }: Change<EscalationItem>): CanonicalEventInput[] {
  const source = `escalations/${item.escalationId}`;
  const { escalationId } = item;
  const events: CanonicalEventInput[] = [];
  if (!previous) {
    events.push(fact(source, 'escalation.created', item.timestamp, { escalationId, conversationId: item.sessionId, priority: item.priority }));
  }
  for (const [type, attribute] of ESCALATION_TRANSITIONS) {
    const at = item[attribute];
    if (at !== undefined && instant(at) !== instant(previous?.[attribute])) events.push(fact(source, type, at, { escalationId }));
  }
  return events;
}

const mappers: Record<ProducerTable, ChangeMapper> = {
  'chat-sessions': itemChanges(chatSessionItemSchema, sessionEvents),
  messages: itemChanges(messageItemSchema, messageEvents),
  escalations: itemChanges(escalationItemSchema, escalationEvents),
};

/** The item of a stream image, as the SDK unmarshalls it; an error message if it is no item. */
function unmarshallImage(image: Record<string, unknown>): { item: Record<string, unknown> } | { error: string } {
  try {
    return { item: unmarshall(image as Parameters<typeof unmarshall>[0]) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** The canonical events that one change of a producer's item means (SPEC §2.1). */
export function decodeStreamRecord(table: ProducerTable, record: DynamoDBRecord, now: Date): Decoded {
  const envelope = streamRecordSchema.safeParse(record);
  if (!envelope.success) return rejected(describeIssues(envelope.error, 'record'));
  const { eventName, dynamodb } = envelope.data;
  // A REMOVE is a TTL expiry (userIdentity Service / dynamodb.amazonaws.com) or a clean-up: it
  // neither ends a conversation nor settles an escalation.
  if (eventName === 'REMOVE') return accepted([]);

  const tooLarge = oversizeJson(record.dynamodb, 'dynamodb');
  if (tooLarge) return rejected(tooLarge);
  if (!dynamodb.NewImage) return rejected(`dynamodb.NewImage: missing on ${eventName}; the stream must carry NEW_AND_OLD_IMAGES`);
  const newImage = unmarshallImage(dynamodb.NewImage);
  if ('error' in newImage) return rejected(`dynamodb.NewImage: not a DynamoDB item (${newImage.error})`);
  // A broken old image is read as none, for the reason given in itemChanges.
  const oldImage = dynamodb.OldImage && unmarshallImage(dynamodb.OldImage);
  const images = { newImage: newImage.item, oldImage: oldImage && 'item' in oldImage ? oldImage.item : undefined };

  const mapped = mappers[table](images, eventName === 'INSERT');
  if ('reason' in mapped) return rejected(mapped.reason);
  return validateEvents(mapped.events, now, `${table} event`);
}
