import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTarget, type ReconcileTarget } from '../../local/reconcile-target';
import { FUNCTION_NAMES } from '../../local/stack/names';
import { writeStackFile } from '../../local/stack/stack-info';
import type { CanonicalEventInput } from '../../schemas/canonical-events';
import type { ChatSessionItemInput, EscalationItemInput, MessageItemInput } from '../../schemas/producer-items';
import { type EventWithoutId, messageEventOf, startedEventOf } from '../e2e/producer-world';
import type { TestStack } from '../e2e/stack-harness';

/**
 * What `npm run rebuild` and `npm run drift` would find for this stack: its stack.json, written
 * where the commands read it, and read back by the commands' own code.
 */
export async function reconcileTargetOf(stack: TestStack): Promise<ReconcileTarget & { dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'clara-pulse-reconcile-'));
  await writeStackFile(dir, stack.stack.info);
  const target = await localTarget(dir, { METRICS_TIME_ZONE: 'UTC' });
  return {
    ...target,
    dispose: async () => {
      target.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let ids = 0;

/**
 * ADA Clara's tables as they were before Clara Pulse's stream existed: items written straight to
 * dynalite (`dynamodbDirect`), which no change capture sees. Each write records, by hand, the
 * canonical events the item stands for (SPEC §2.1), for the oracle.
 */
export class ItemsBeforeTheStream {
  private readonly dynamo: DynamoDBClient;

  constructor(
    private readonly stack: TestStack,
    /** Where the expected events go: the ProducerWorld's list, so the oracle sees both. */
    private readonly expected: CanonicalEventInput[],
  ) {
    const info = stack.stack.info;
    this.dynamo = new DynamoDBClient({ endpoint: info.dynamodbDirect, region: info.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  }

  close(): void {
    this.dynamo.destroy();
  }

  async sessions(items: ChatSessionItemInput[]): Promise<void> {
    await this.write(this.stack.stack.info.tables.chatSessions, items);
    for (const item of items) {
      this.expect(startedEventOf(item));
      if (Date.parse(item.lastActivity) > Date.parse(item.startTime))
        this.expect({ type: 'conversation.activity', occurredAt: item.lastActivity, conversationId: item.sessionId });
      if (item.status === 'ended') this.expect({ type: 'conversation.ended', occurredAt: item.endTime ?? item.lastActivity, conversationId: item.sessionId });
    }
  }

  async messages(items: MessageItemInput[]): Promise<void> {
    await this.write(this.stack.stack.info.tables.messages, items);
    for (const item of items) {
      this.expect(messageEventOf(item));
    }
  }

  async escalations(items: EscalationItemInput[]): Promise<void> {
    await this.write(this.stack.stack.info.tables.escalations, items);
    for (const item of items) {
      this.expect({
        type: 'escalation.created',
        occurredAt: item.timestamp,
        escalationId: item.escalationId,
        priority: item.priority,
        ...(item.sessionId != null && { conversationId: item.sessionId }),
      });
      if (item.assignedAt) this.expect({ type: 'escalation.assigned', occurredAt: item.assignedAt, escalationId: item.escalationId });
      if (item.resolvedAt) this.expect({ type: 'escalation.resolved', occurredAt: item.resolvedAt, escalationId: item.escalationId });
      if (item.failedAt) this.expect({ type: 'escalation.failed', occurredAt: item.failedAt, escalationId: item.escalationId });
    }
  }

  private expect(event: EventWithoutId): void {
    this.expected.push({ eventId: `before-the-stream-${++ids}`, ...event } as CanonicalEventInput);
  }

  private async write(table: string, items: readonly object[]): Promise<void> {
    for (let i = 0; i < items.length; i += 25) {
      const response = await this.dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })) },
        }),
      );
      if (Object.keys(response.UnprocessedItems ?? {}).length > 0) throw new Error('BatchWriteItem left items unprocessed');
    }
  }
}

/**
 * Waits until the aggregator has had nothing to do for a while: every record put on pulse-events
 * (the rebuild's included) has been applied. The local pollers are told of each put at once.
 */
export async function until_the_pipeline_is_idle(stack: TestStack, quietMs = 1200, timeoutMs = 20_000): Promise<void> {
  const invocations = () => stack.stack.health().functions[FUNCTION_NAMES.pulseAggregator]?.invocations ?? 0;
  const started = Date.now();
  let seen = invocations();
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs) {
    if (Date.now() - started > timeoutMs) throw new Error(`the pipeline was still busy after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = invocations();
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    }
  }
}

/** Progress lines, kept for a failing test's message instead of printed. */
export const progressInto =
  (lines: string[]) =>
  (line: string): void => {
    lines.push(line);
  };
