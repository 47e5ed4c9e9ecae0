import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { ProducerTable } from '../schemas/producer-items';
import type { PulseRecord } from '../schemas/pulse-events';
import { decodeStreamRecord } from '../schemas/transports/dynamodb-stream';
import type { DeadLetter } from '../streams/dead-letters';
import { forwardBatch, type ForwardOutcome } from './forward-batch';
import type { Runtime } from './runtime';

export interface StreamIngestResult extends ForwardOutcome {
  response: DynamoDBBatchResponse;
}

/** The table a stream record comes from: `arn:aws:dynamodb:…:table/<name>/stream/<label>`. */
export function tableNameOf(record: DynamoDBRecord): string | undefined {
  return record.eventSourceARN?.split(':table/')[1]?.split('/')[0];
}

/** The producer tables' streams: each change becomes the canonical events it means, passed on to their entities. */
export function createDynamoDbStreamIngest(runtime: Runtime): (event: DynamoDBStreamEvent) => Promise<StreamIngestResult> {
  const tables = runtime.settings.producerTables;
  const producerTable = new Map<string, ProducerTable>([
    [tables.chatSessions, 'chat-sessions'],
    [tables.messages, 'messages'],
    [tables.escalations, 'escalations'],
  ]);
  return async (event) => {
    const now = runtime.now();
    const letters: DeadLetter[] = [];
    const records: PulseRecord[] = [];
    for (const record of event.Records) {
      const table = producerTable.get(tableNameOf(record) ?? '');
      const decoded = table
        ? decodeStreamRecord(table, record, new Date(now))
        : { ok: false as const, reason: `not a producer table: ${record.eventSourceARN}` };
      if (!decoded.ok) {
        letters.push({ origin: 'dynamodb-stream-ingest', reason: decoded.reason, record, at: new Date(now).toISOString() });
        continue;
      }
      const enteredAt = (record.dynamodb?.ApproximateCreationDateTime ?? now / 1000) * 1000;
      records.push(...decoded.events.map((e) => ({ source: 'dynamodb-streams' as const, enteredAt, event: e })));
    }
    const outcome = await forwardBatch(runtime, letters, records);
    const failed = outcome.error === undefined ? [] : event.Records;
    return { ...outcome, response: { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) } };
  };
}
