import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { compareSequences } from '../aggregators/sequence';
import type { BatchOutcome, ShardRecord } from '../pipeline/aggregate-batch';
import type { FreshnessSource } from '../schemas/alert-rules';
import type { DeadLetter, DeadLetterSink } from '../streams/dead-letters';
import { commitIsolatingNeverCommits } from './never-commits';

export type RecordDecoding<E> = { ok: true; values: { event: E; source: FreshnessSource; enteredAt: number }[] } | { ok: false; reason: string };

export interface KinesisBatchSteps<E> {
  origin: string;
  decode: (record: KinesisStreamRecord) => RecordDecoding<E>;
  aggregate: (lane: string, records: ShardRecord<E>[]) => Promise<BatchOutcome>;
  deadLetters: DeadLetterSink;
  now: () => number;
}

export interface KinesisBatchResult {
  response: KinesisStreamBatchResponse;
  deadLettered: number;
  outcome: BatchOutcome;
}

/**
 * Lambda batches from one Kinesis shard: decode each record, send the ones that will never
 * decode to the dead letters, fold and commit the rest — setting aside, with their reason, the
 * records that can never commit — and report as failed every record from the first one not
 * committed (Lambda resumes the shard there).
 *
 * Powertools' BatchProcessor handles records one at a time; our commit is per batch and its
 * failure point is "the lowest uncommitted sequence number", which its API cannot express, so
 * this small loop does that part.
 */
export async function processKinesisBatch<E>(event: KinesisStreamEvent, steps: KinesisBatchSteps<E>): Promise<KinesisBatchResult> {
  const records = event.Records;
  const first = records[0];
  if (!first) return { response: { batchItemFailures: [] }, deadLettered: 0, outcome: { errors: [] } };
  const lane = laneOf(first);
  const valid: ShardRecord<E>[] = [];
  const letters: DeadLetter[] = [];
  for (const record of records) {
    const decoded = steps.decode(record);
    if (!decoded.ok) {
      letters.push({ origin: steps.origin, reason: decoded.reason, record, at: new Date(steps.now()).toISOString() });
      continue;
    }
    for (const value of decoded.values) valid.push({ seq: record.kinesis.sequenceNumber, ...value });
  }

  try {
    await steps.deadLetters.send(letters);
  } catch (error) {
    // Not parked, so not done: the shard resumes at the first bad record and tries again.
    const firstBad = letters.map((letter) => (letter.record as KinesisStreamRecord).kinesis.sequenceNumber).sort(compareSequences)[0]!;
    return { response: failuresFrom(records, firstBad), deadLettered: 0, outcome: { errors: [error], failedFromSeq: firstBad } };
  }

  const { outcome, setAside } = await commitIsolatingNeverCommits(valid, (part) => steps.aggregate(lane, part));
  if (setAside.length > 0) {
    const bySeq = new Map(records.map((record) => [record.kinesis.sequenceNumber, record]));
    const at = new Date(steps.now()).toISOString();
    try {
      await steps.deadLetters.send(setAside.map(({ seq, reason }) => ({ origin: steps.origin, reason, record: bySeq.get(seq), at })));
    } catch (error) {
      // Not parked, so not done: the shard resumes at the first of them (what follows is committed, and commits are idempotent).
      const first = setAside[0]!.seq;
      return {
        response: failuresFrom(records, first),
        deadLettered: letters.length,
        outcome: { errors: [error], failedFromSeq: first },
      };
    }
  }
  const response = outcome.failedFromSeq === undefined ? { batchItemFailures: [] } : failuresFrom(records, outcome.failedFromSeq);
  return { response, deadLettered: letters.length + setAside.length, outcome };
}

/** `<stream name>/<shard id>`: the unit in which Lambda keeps records in order. */
export function laneOf(record: KinesisStreamRecord): string {
  const streamName = record.eventSourceARN.split('/').pop() ?? record.eventSourceARN;
  const shardId = record.eventID.split(':')[0] ?? 'shard';
  return `${streamName}/${shardId}`;
}

function failuresFrom(records: readonly KinesisStreamRecord[], fromSeq: string): KinesisStreamBatchResponse {
  return {
    batchItemFailures: records
      .filter((record) => compareSequences(record.kinesis.sequenceNumber, fromSeq) >= 0)
      .map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber })),
  };
}
