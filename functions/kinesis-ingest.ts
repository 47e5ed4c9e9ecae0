import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { ingestKinesisBatch } from '../pipeline/aggregate-batch';
import type { CanonicalEvent } from '../schemas/canonical-events';
import { decodeKinesisRecord } from '../schemas/transports/kinesis';
import { processKinesisBatch, type KinesisBatchResult, type RecordDecoding } from './kinesis-batch';
import { foldContextOf, type Runtime } from './runtime';

/** The producers' Kinesis stream: telemetry is counted here, conversation and escalation events go to their entity's writer. */
export function createKinesisIngest(runtime: Runtime): (event: KinesisStreamEvent) => Promise<KinesisBatchResult> {
  const deps = { ...runtime, context: foldContextOf(runtime.settings) };
  const decode = (record: KinesisStreamRecord): RecordDecoding<CanonicalEvent> => {
    const decoded = decodeKinesisRecord(record, new Date(runtime.now()));
    if (!decoded.ok) return decoded;
    const enteredAt = Math.round(record.kinesis.approximateArrivalTimestamp * 1000);
    return { ok: true, values: decoded.events.map((event) => ({ event, source: 'kinesis' as const, enteredAt })) };
  };
  return (event) =>
    processKinesisBatch(event, {
      origin: 'kinesis-ingest',
      decode,
      aggregate: (lane, records) => ingestKinesisBatch(deps, lane, records),
      deadLetters: runtime.deadLetters,
      now: runtime.now,
    });
}
