import { KinesisDataStreamRecord, KinesisDataStreamRecordPayload } from '@aws-lambda-powertools/parser/schemas/kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { z } from 'zod';
import { describeIssues, errorMessage, oversize, rejected, validateEvents, type Decoded } from '../decode-result';

// Powertools' record schema with `data` kept as text: its Base64Encoded helper hands back the raw
// string when the data is not JSON, which would hide "not JSON" behind a vaguer schema error.
const kinesisRecordSchema = KinesisDataStreamRecord.extend({
  kinesis: KinesisDataStreamRecordPayload.extend({ data: z.string() }),
});

// Buffer.from(…, 'base64') skips characters it does not know instead of failing, so check first.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The one canonical event that a Kinesis record carries as base64 JSON (SPEC §2.2). */
export function decodeKinesisRecord(record: KinesisStreamRecord, now: Date): Decoded {
  const envelope = kinesisRecordSchema.safeParse(record);
  if (!envelope.success) return rejected(describeIssues(envelope.error, 'record'));
  const { data } = envelope.data.kinesis;
  if (!BASE64.test(data)) return rejected('kinesis.data: not valid base64');

  const bytes = Buffer.from(data, 'base64');
  const tooLarge = oversize(bytes.length, 'kinesis.data');
  if (tooLarge) return rejected(tooLarge);

  let event: unknown;
  try {
    event = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    return rejected(`kinesis.data: not UTF-8 JSON (${errorMessage(error)})`);
  }
  return validateEvents([event], now, 'kinesis.data');
}
