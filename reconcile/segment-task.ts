import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { PRODUCER_TABLES } from '../schemas/producer-items';
import type { ProducerTableNames, ScanWork } from './rebuild';

/**
 * One message on the rebuild queue: a Scan segment of one producer table for the deployed
 * `rebuildSegment` function, with its share of the budgets. A segment that runs out of time puts
 * the rest of itself back on the queue with `startKey`, so any table size fits in 15-minute runs.
 */
export const segmentTaskSchema = z
  .object({
    table: z.enum(PRODUCER_TABLES),
    segment: z.number().int().nonnegative(),
    totalSegments: z.number().int().positive().max(1_000_000),
    /** The marshalled key to resume after, as DynamoDB returned it in LastEvaluatedKey. */
    startKey: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .transform((key) => key as unknown as Record<string, AttributeValue>)
      .optional(),
    readUnitsPerSecond: z.number().positive(),
    eventsPerSecond: z.number().positive(),
  })
  .refine((task) => task.segment < task.totalSegments, { message: 'segment must be below totalSegments', path: ['segment'] });

export type SegmentTask = z.output<typeof segmentTaskSchema>;

export const scanWorkOf = (task: SegmentTask, tableNames: ProducerTableNames): ScanWork => ({
  table: task.table,
  segment: {
    tableName: tableNames[task.table],
    segment: task.segment,
    totalSegments: task.totalSegments,
    ...(task.startKey && { startKey: task.startKey }),
  },
});

/** The same task, resumed where `work` stopped. */
export const continuationOf = (task: SegmentTask, work: ScanWork): SegmentTask => ({
  ...task,
  ...(work.segment.startKey && { startKey: work.segment.startKey }),
});
