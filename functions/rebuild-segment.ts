import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { Pacer } from '../reconcile/pacer';
import { type RebuildCounts, rebuildSegments, tableNamesOf } from '../reconcile/rebuild';
import { continuationOf, type SegmentTask, scanWorkOf, segmentTaskSchema } from '../reconcile/segment-task';
import type { Runtime } from './runtime';

export interface RebuildSegmentRuntime extends Runtime {
  /** The producer tables' client (Scan). */
  dynamo: DynamoDBClient;
  /** Puts tasks back on the rebuild queue. */
  enqueue: (tasks: readonly SegmentTask[]) => Promise<void>;
}

export interface RebuildSegmentResult {
  response: SQSBatchResponse;
  /** One entry per task handled: what it did, and whether it handed the rest of its segment on. */
  done: (RebuildCounts & { task: Omit<SegmentTask, 'startKey'>; continued: boolean })[];
  failures: { messageId: string; error: unknown }[];
}

/** Stop this long before Lambda's timeout, to hand the rest of the segment on in time. */
export const HAND_ON_MS = 60_000;

/**
 * The deployed rebuild, for tables too big for one machine: each SQS message is one Scan segment
 * of one producer table (reconcile/segment-task.ts), rebuilt exactly as `npm run rebuild` does.
 * Close to its timeout the function puts the rest of the segment back on the queue and finishes
 * the message; a message that fails comes back (SQS retries it, then parks it). A segment done
 * twice changes nothing, like any rebuild.
 */
export function createRebuildSegment(runtime: RebuildSegmentRuntime) {
  const tableNames = tableNamesOf(runtime.settings.producerTables);
  return async (event: SQSEvent, remainingMs: () => number): Promise<RebuildSegmentResult> => {
    const result: RebuildSegmentResult = { response: { batchItemFailures: [] }, done: [], failures: [] };
    for (const record of event.Records) {
      try {
        const task = segmentTaskSchema.parse(JSON.parse(record.body));
        const outcome = await rebuildSegments(
          {
            dynamo: runtime.dynamo,
            forwarder: runtime.forwarder,
            deadLetters: runtime.deadLetters,
            tableNames,
            readPacer: new Pacer(task.readUnitsPerSecond),
            eventPacer: new Pacer(task.eventsPerSecond),
            now: runtime.now,
            shouldStop: () => remainingMs() < HAND_ON_MS,
          },
          [scanWorkOf(task, tableNames)],
        );
        const { unfinished, ...counts } = outcome;
        if (unfinished.length > 0) await runtime.enqueue(unfinished.map((work) => continuationOf(task, work)));
        const { startKey: _startKey, ...described } = task;
        result.done.push({ ...counts, task: described, continued: unfinished.length > 0 });
      } catch (error) {
        result.failures.push({ messageId: record.messageId, error });
        result.response.batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return result;
  };
}
