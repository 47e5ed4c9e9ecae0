/**
 * The designs a team would build instead, kept here only to be measured against:
 *
 * - **Naive counters**: for each event, one `UpdateItem … ADD` per counter the event touches
 *   (per-minute, per-day and gauge counters keyed like ours). Not exact under redelivery.
 * - **Per-record idempotency**: the same, after a conditional `PutItem` of the event id
 *   (`attribute_not_exists`), so that a redelivered event is skipped.
 * - **Scan**, like the original service: every event stored as an item; a read scans the table
 *   and computes the numbers from the raw events.
 */
import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { createTableReady } from './engine';
import type { CanonicalEventInput } from '../schemas/canonical-events';

const MINUTE_MS = 60_000;
/** The naive design's own table: one string partition key. */
const KEY = 'pk';
/**
 * Response-time histogram bins of ~1 % relative accuracy, as a team would build for the p95
 * (the log-spaced bins of DDSketch): one counter per bin a value falls in.
 */
const LOG_GAMMA = Math.log(1.008 / 0.992);
const binOf = (value: number): string => (value <= 0 ? 'z' : String(Math.ceil(Math.log(value) / LOG_GAMMA)));
const DAY_MS = 86_400_000;
const minuteKey = (ms: number) => `M#${Math.floor(ms / MINUTE_MS)}`;
const dayKey = (ms: number) => `D#${new Date(ms).toISOString().slice(0, 10)}`;

type Counter = [key: string, counter: string, amount: number];

/** The counters a naive service adds to for one event (UTC days). */
export function naiveCounters(event: CanonicalEventInput): Counter[] {
  const at = Date.parse(event.occurredAt);
  const m = minuteKey(at);
  switch (event.type) {
    case 'conversation.started':
      return [
        [m, 'live', 1],
        [m, `lv:${event.language}`, 1],
        [m, `ar:${event.region ?? 'unknown'}`, 1],
        [m, 'starts', 1],
        [dayKey(at), 'conversations', 1],
      ];
    case 'conversation.activity':
      return [[m, 'act', 1]];
    case 'conversation.ended':
      return [
        [m, 'live', -1],
        [m, 'endN', 1],
      ];
    case 'message.sent':
      return event.sender === 'bot' && event.processingTimeMs !== undefined
        ? [
            [m, 'msg', 1],
            [m, 'botN', 1],
            [m, 'botSum', event.processingTimeMs],
            [m, `h:${binOf(event.processingTimeMs)}`, 1],
          ]
        : [[m, 'msg', 1]];
    case 'escalation.created':
      return [
        [dayKey(at), 'created', 1],
        ['G#escalations', 'pend', 1],
        ...(event.priority === 'critical' || event.priority === 'urgent' ? [['G#escalations', 'crit', 1] as Counter] : []),
      ];
    case 'escalation.assigned':
      return [
        ['G#escalations', 'pend', -1],
        ['G#escalations', 'prog', 1],
      ];
    case 'escalation.resolved':
      return [
        ['G#escalations', 'prog', -1],
        [dayKey(at), 'resolved', 1],
      ];
    case 'escalation.failed':
      return [['G#escalations', 'pend', -1]];
    case 'request.completed':
      return [[m, 'req', 1], ...(event.statusCode >= 500 ? [[m, 'req5xx', 1] as Counter] : [])];
    case 'system.sample':
      return [
        [m, 'smp', 1],
        [m, 'cpu', event.cpuPercent],
        [m, 'mem', event.memoryPercent],
        [m, 'disk', event.diskPercent],
        ...(event.networkLatencyMs === undefined
          ? []
          : ([
              [m, 'netN', 1],
              [m, 'net', event.networkLatencyMs],
            ] as Counter[])),
      ];
    case 'function.invocation': {
      const fn = `fn:${event.functionName}`;
      return [
        [m, `${fn}:n`, 1],
        [m, `${fn}:d`, event.durationMs],
        ...(event.error ? [[m, `${fn}:e`, 1] as Counter] : []),
        ...(event.throttled ? [[m, `${fn}:t`, 1] as Counter] : []),
      ];
    }
  }
}

/** Runs `work` over the items with at most `concurrency` in flight. */
export async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** Applies the events the naive way: `idempotent` puts a dedupe record first (and skips a repeat). */
export async function applyNaive(dynamo: DynamoDBClient, tableName: string, events: readonly CanonicalEventInput[], idempotent: boolean): Promise<void> {
  await createTableReady(dynamo, tableName, [KEY]);
  await pool(events, 16, async (event) => {
    if (idempotent) {
      try {
        await dynamo.send(
          new PutItemCommand({ TableName: tableName, Item: { [KEY]: { S: `R#${event.eventId}` } }, ConditionExpression: `attribute_not_exists(${KEY})` }),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return; // seen before
        throw error;
      }
    }
    for (const [key, counter, amount] of naiveCounters(event)) {
      await dynamo.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { [KEY]: { S: key } },
          UpdateExpression: 'ADD #c :a',
          ExpressionAttributeNames: { '#c': counter },
          ExpressionAttributeValues: { ':a': { N: String(amount) } },
        }),
      );
    }
  });
}

// ───────────────────────────── the Scan baseline ─────────────────────────────

/** Stores every event as one item (BatchWriteItem, 25 a request). */
export async function writeRawEvents(dynamo: DynamoDBClient, tableName: string, events: readonly CanonicalEventInput[]): Promise<void> {
  await createTableReady(dynamo, tableName, [KEY]);
  const chunks: CanonicalEventInput[][] = [];
  for (let i = 0; i < events.length; i += 25) chunks.push(events.slice(i, i + 25));
  await pool(chunks, 8, async (chunk) => {
    let requests: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> = {
      [tableName]: chunk.map((event) => ({ PutRequest: { Item: marshall({ [KEY]: event.eventId, ...event }, { removeUndefinedValues: true }) } })),
    };
    while (Object.keys(requests).length > 0) {
      const response = await dynamo.send(new BatchWriteItemCommand({ RequestItems: requests }));
      requests = (response.UnprocessedItems ?? {}) as typeof requests;
    }
  });
}

/** The original read: scan every event, then compute. Returns the numbers and how many pages it took. */
export async function scanRead(dynamo: DynamoDBClient, tableName: string, atMs: number): Promise<{ numbers: NaiveNumbers; pages: number; scanMs: number }> {
  const started = performance.now();
  const events: CanonicalEventInput[] = [];
  let pages = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(new ScanCommand({ TableName: tableName, ...(start && { ExclusiveStartKey: start }) }));
    pages++;
    for (const item of page.Items ?? []) events.push(unmarshall(item) as CanonicalEventInput);
    start = page.LastEvaluatedKey;
  } while (start);
  const scanMs = performance.now() - started;
  return { numbers: naiveNumbers(events, atMs), pages, scanMs };
}

export interface NaiveNumbers {
  messagesLastHour: number;
  escalationsToday: number;
  liveConversations: number;
  liveByLanguage: Record<string, number>;
  activeUsers: number;
  uniqueUsers: number;
  returningUsers: number;
  pending: number;
  inProgress: number;
  criticalOpen: number;
  resolvedToday: number;
  errorRate: number;
  responseTime: number;
}

/** The main numbers of the document from the raw events, in one pass and a walk over the entities (UTC). */
export function naiveNumbers(events: readonly CanonicalEventInput[], atMs: number): NaiveNumbers {
  const mT = Math.floor(atMs / MINUTE_MS);
  const dayStart = Math.floor(atMs / DAY_MS) * DAY_MS;
  const inW = (ms: number, n: number) => Math.floor(ms / MINUTE_MS) > mT - n;
  const conversations = new Map<string, { start?: number; end?: number; lastActivity: number; language?: string; user?: string }>();
  const escalations = new Map<string, { created?: number; critical?: boolean; assigned?: number; resolved?: number; failed?: number }>();
  const conversation = (id: string) => conversations.get(id) ?? conversations.set(id, { lastActivity: -Infinity }).get(id)!;
  const escalation = (id: string) => escalations.get(id) ?? escalations.set(id, {}).get(id)!;
  const min = (a: number | undefined, b: number) => (a === undefined ? b : Math.min(a, b));
  let messagesLastHour = 0;
  let requests = 0;
  let serverErrors = 0;
  let botSum = 0;
  let botN = 0;
  for (const event of events) {
    const at = Date.parse(event.occurredAt);
    switch (event.type) {
      case 'conversation.started': {
        const c = conversation(event.conversationId);
        if (c.start === undefined || at < c.start) Object.assign(c, { start: at, language: event.language, user: event.userId ?? event.conversationId });
        c.lastActivity = Math.max(c.lastActivity, at);
        break;
      }
      case 'conversation.activity':
      case 'message.sent': {
        const c = conversation(event.conversationId);
        c.lastActivity = Math.max(c.lastActivity, at);
        if (event.type === 'message.sent') {
          if (inW(at, 60)) messagesLastHour++;
          if (event.processingTimeMs !== undefined && event.sender === 'bot' && inW(at, 5)) {
            botSum += event.processingTimeMs;
            botN++;
          }
        }
        break;
      }
      case 'conversation.ended':
        conversation(event.conversationId).end = min(conversation(event.conversationId).end, at);
        break;
      case 'escalation.created': {
        const e = escalation(event.escalationId);
        e.created = min(e.created, at);
        e.critical = event.priority === 'critical' || event.priority === 'urgent';
        break;
      }
      case 'escalation.assigned':
      case 'escalation.resolved':
      case 'escalation.failed': {
        const e = escalation(event.escalationId);
        const field = event.type === 'escalation.assigned' ? 'assigned' : event.type === 'escalation.resolved' ? 'resolved' : 'failed';
        e[field] = min(e[field], at);
        break;
      }
      case 'request.completed':
        if (inW(at, 5)) {
          requests++;
          if (event.statusCode >= 500) serverErrors++;
        }
        break;
      default:
        break;
    }
  }
  const firstSeen = new Map<string, number>();
  for (const c of conversations.values()) if (c.start !== undefined) firstSeen.set(c.user!, Math.min(firstSeen.get(c.user!) ?? Infinity, c.start));
  const liveByLanguage: Record<string, number> = { en: 0, es: 0 };
  let liveConversations = 0;
  let activeUsers = 0;
  const activeUserIds = new Set<string>();
  for (const c of conversations.values()) {
    if (c.start === undefined) continue;
    if (c.end === undefined && inW(c.lastActivity, 30)) {
      liveConversations++;
      liveByLanguage[c.language!] = (liveByLanguage[c.language!] ?? 0) + 1;
    }
    if (inW(c.lastActivity, 5)) {
      activeUsers++;
      activeUserIds.add(c.user!);
    }
  }
  let escalationsToday = 0,
    pending = 0,
    inProgress = 0,
    criticalOpen = 0,
    resolvedToday = 0;
  for (const e of escalations.values()) {
    if (e.created === undefined) continue;
    if (e.created >= dayStart) escalationsToday++;
    if (e.resolved !== undefined && e.resolved >= dayStart) resolvedToday++;
    const status = e.resolved !== undefined ? 'resolved' : e.failed !== undefined ? 'failed' : e.assigned !== undefined ? 'in_progress' : 'pending';
    if (status === 'pending') pending++;
    if (status === 'in_progress') inProgress++;
    if ((status === 'pending' || status === 'in_progress') && e.critical) criticalOpen++;
  }
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    messagesLastHour,
    escalationsToday,
    liveConversations,
    liveByLanguage,
    activeUsers,
    uniqueUsers: activeUserIds.size,
    returningUsers: [...activeUserIds].filter((user) => firstSeen.get(user)! < dayStart).length,
    pending,
    inProgress,
    criticalOpen,
    resolvedToday,
    errorRate: requests === 0 ? 0 : round2(serverErrors / requests),
    responseTime: botN === 0 ? 0 : round2(botSum / botN),
  };
}
