import { DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { CanonicalEventInput } from '../../schemas/canonical-events';
import type { ChatSessionItemInput, EscalationItemInput, MessageItemInput } from '../../schemas/producer-items';
import type { EventBridgeSource } from '../../schemas/transports/eventbridge';
import type { StackInfo } from '../stack/stack-info';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface ProducerStats {
  dynamodb: number;
  eventbridge: number;
  kinesis: number;
  errors: number;
  lastError?: string;
}

/**
 * ADA Clara's producers, each with the real SDK client an outside service would use, pointed
 * at the local endpoints of stack.json: the chat and escalation services write their tables,
 * services put domain events on the bus, telemetry goes to the Kinesis stream.
 */
export class Producers {
  readonly stats: ProducerStats = { dynamodb: 0, eventbridge: 0, kinesis: 0, errors: 0 };
  private readonly dynamo: DynamoDBClient;
  private readonly events: EventBridgeClient;
  private readonly kinesis: KinesisClient;
  private eventQueue: PutEventsRequestEntry[] = [];
  private recordQueue: PutRecordsRequestEntry[] = [];
  private readonly flushTimer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly info: StackInfo) {
    const common = { region: info.region, credentials: CREDENTIALS };
    this.dynamo = new DynamoDBClient({ ...common, endpoint: info.dynamodb });
    this.events = new EventBridgeClient({ ...common, endpoint: info.eventbridge });
    // kinesalite speaks HTTP/1.1 only.
    this.kinesis = new KinesisClient({ ...common, endpoint: info.kinesis, requestHandler: new NodeHttpHandler() });
    // Producers batch, as real ones do: PutEvents takes 10 entries, PutRecords 500.
    this.flushTimer = setInterval(() => void this.flush(), 200);
  }

  putSession = (item: ChatSessionItemInput) =>
    this.write(new PutItemCommand({ TableName: this.info.tables.chatSessions, Item: marshall(item, { removeUndefinedValues: true }) }));

  touchSession = (sessionId: string, lastActivity: string, messageCount: number) =>
    this.update(this.info.tables.chatSessions, { sessionId }, 'SET lastActivity = :t, messageCount = :n', { ':t': lastActivity, ':n': messageCount });

  endSession = (sessionId: string, endTime: string) =>
    this.update(this.info.tables.chatSessions, { sessionId }, 'SET #status = :ended, endTime = :t', { ':ended': 'ended', ':t': endTime });

  putMessage = (item: MessageItemInput) =>
    this.write(new PutItemCommand({ TableName: this.info.tables.messages, Item: marshall(item, { removeUndefinedValues: true }) }));

  putEscalation = (item: EscalationItemInput) =>
    this.write(new PutItemCommand({ TableName: this.info.tables.escalations, Item: marshall(item, { removeUndefinedValues: true }) }));

  /** Moves an escalation on, stamping the time attribute of its new status. */
  moveEscalation = (escalationId: string, status: 'in_progress' | 'resolved' | 'failed', at: string) => {
    const attribute = { in_progress: 'assignedAt', resolved: 'resolvedAt', failed: 'failedAt' }[status];
    return this.update(this.info.tables.escalations, { escalationId }, `SET #status = :s, ${attribute} = :t`, { ':s': status, ':t': at });
  };

  /** The escalation service's open cases (it scans its own table after a restart to pick them up again). */
  async openEscalations(): Promise<{ escalationId: string; priority: string; status: 'pending' | 'in_progress' }[]> {
    const open: { escalationId: string; priority: string; status: 'pending' | 'in_progress' }[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.dynamo.send(
        new ScanCommand({
          TableName: this.info.tables.escalations,
          FilterExpression: '#status IN (:p, :i)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':p': 'pending', ':i': 'in_progress' }),
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) open.push(unmarshall(item) as (typeof open)[number]);
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return open;
  }

  /** Queues a canonical event for the bus (flushed in batches of 10). */
  emit(source: EventBridgeSource, event: CanonicalEventInput): void {
    this.eventQueue.push({ EventBusName: this.info.eventBusName, Source: source, DetailType: event.type, Detail: JSON.stringify(event) });
  }

  /** Queues a telemetry event for the Kinesis stream (flushed in batches of up to 500). */
  record(event: CanonicalEventInput): void {
    this.recordQueue.push({ PartitionKey: event.eventId, Data: Buffer.from(JSON.stringify(event)) });
  }

  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flush();
    this.dynamo.destroy();
    this.events.destroy();
    this.kinesis.destroy();
  }

  private async write(command: PutItemCommand | UpdateItemCommand): Promise<void> {
    try {
      await this.dynamo.send(command as PutItemCommand);
      this.stats.dynamodb++;
    } catch (error) {
      this.failed(error);
    }
  }

  private update(table: string, key: Record<string, string>, expression: string, values: Record<string, unknown>): Promise<void> {
    return this.write(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall(key),
        UpdateExpression: expression,
        ...(expression.includes('#status') && { ExpressionAttributeNames: { '#status': 'status' } }),
        ExpressionAttributeValues: marshall(values),
      }),
    );
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const events = this.eventQueue.splice(0);
      const records = this.recordQueue.splice(0);
      const puts: Promise<void>[] = [];
      for (let i = 0; i < events.length; i += 10) puts.push(this.putEvents(events.slice(i, i + 10)));
      for (let i = 0; i < records.length; i += 500) puts.push(this.putRecords(records.slice(i, i + 500)));
      await Promise.all(puts);
    });
    return this.flushing;
  }

  private async putEvents(entries: PutEventsRequestEntry[]): Promise<void> {
    try {
      const response = await this.events.send(new PutEventsCommand({ Entries: entries }));
      this.stats.eventbridge += entries.length - (response.FailedEntryCount ?? 0);
      if (response.FailedEntryCount)
        this.failed(new Error(`${response.FailedEntryCount} PutEvents entries refused: ${response.Entries?.find((e) => e.ErrorCode)?.ErrorMessage}`));
    } catch (error) {
      this.failed(error);
    }
  }

  private async putRecords(entries: PutRecordsRequestEntry[]): Promise<void> {
    try {
      const response = await this.kinesis.send(new PutRecordsCommand({ StreamName: this.info.telemetryStream, Records: entries }));
      this.stats.kinesis += entries.length - (response.FailedRecordCount ?? 0);
      if (response.FailedRecordCount) this.failed(new Error(`${response.FailedRecordCount} PutRecords records refused`));
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    this.stats.errors++;
    this.stats.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}
