import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { aggregateEntityBatch } from '../pipeline/aggregate-batch';
import { laneStatesFor } from '../pipeline/lane-states';
import { type PulseEvent, pulseRecordSchema } from '../schemas/pulse-events';
import { processKinesisBatch, type KinesisBatchResult, type RecordDecoding } from './kinesis-batch';
import { foldContextOf, type Runtime } from './runtime';

/**
 * The internal stream: each shard's batch is the only writer of its entities. `laneStates` are
 * this process's journaled states (one per cold start; a test may hand several processes theirs).
 */
export function createPulseAggregator(
  runtime: Runtime,
  laneStates = laneStatesFor(runtime.settings),
): (event: KinesisStreamEvent) => Promise<KinesisBatchResult> {
  const deps = { ...runtime, context: foldContextOf(runtime.settings), laneStates };
  const decode = (record: KinesisStreamRecord): RecordDecoding<PulseEvent> => {
    try {
      const parsed = pulseRecordSchema.safeParse(JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8')));
      if (!parsed.success) return { ok: false, reason: `pulse record: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
      return { ok: true, values: [parsed.data] };
    } catch (error) {
      return { ok: false, reason: `pulse record: not JSON (${error instanceof Error ? error.message : String(error)})` };
    }
  };
  return (event) =>
    processKinesisBatch(event, {
      origin: 'pulse-aggregator',
      decode,
      aggregate: (lane, records) => aggregateEntityBatch(deps, lane, records),
      deadLetters: runtime.deadLetters,
      now: runtime.now,
    });
}
