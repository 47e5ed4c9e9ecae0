import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { entityKeyOf } from '../aggregators/entity-routing';
import type { PulseRecord } from '../schemas/pulse-events';
import { StreamWriteError } from '../errors';
import type { EventForwarder } from './event-forwarder';

const PUT_RECORDS_LIMIT = 500;
const MAX_ATTEMPTS = 5;

export class KinesisEventForwarder implements EventForwarder {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async forward(records: readonly PulseRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += PUT_RECORDS_LIMIT) {
      await this.putAll(records.slice(i, i + PUT_RECORDS_LIMIT).map(toEntry));
    }
  }

  /** PutRecords can fail per record (throttling); only those are sent again, in their order. */
  private async putAll(entries: PutRecordsRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const response = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: pending }));
      if (!response.FailedRecordCount) return;
      pending = pending.filter((_, index) => response.Records?.[index]?.ErrorCode !== undefined);
    }
    if (pending.length > 0) throw new StreamWriteError(`${pending.length} record(s) not accepted by ${this.streamName}`);
  }
}

const toEntry = (record: PulseRecord): PutRecordsRequestEntry => ({
  PartitionKey: entityKeyOf(record.event),
  Data: Buffer.from(JSON.stringify(record)),
});
