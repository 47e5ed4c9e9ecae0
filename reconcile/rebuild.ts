import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PRODUCER_TABLES, type ProducerTable } from '../schemas/producer-items';
import type { PulseRecord } from '../schemas/pulse-events';
import type { DeadLetter, DeadLetterSink } from '../streams/dead-letters';
import type { EventForwarder } from '../streams/event-forwarder';
import { eventsOfItem } from './item-events';
import type { Pacer } from './pacer';
import { TimeOrderedHandOver } from './time-ordered-hand-over';
import { type ScanSegment, scanSegment, type ScannedPage } from './table-scan';

/** The producer tables' names in this deployment, by what they hold. */
export type ProducerTableNames = Record<ProducerTable, string>;

/** The names of config/settings.ts's `producerTables`, keyed by table. */
export const tableNamesOf = (tables: { chatSessions: string; messages: string; escalations: string }): ProducerTableNames => ({
  'chat-sessions': tables.chatSessions,
  messages: tables.messages,
  escalations: tables.escalations,
});

/** One parallel-Scan segment of one producer table: the unit a rebuild is split into. */
export interface ScanWork {
  table: ProducerTable;
  segment: ScanSegment;
}

export interface RebuildDeps {
  dynamo: DynamoDBClient;
  forwarder: EventForwarder;
  deadLetters: DeadLetterSink;
  tableNames: ProducerTableNames;
  /** Read capacity units per second, shared by every segment. */
  readPacer: Pacer;
  /** Records per second put on pulse-events, shared by every segment. */
  eventPacer: Pacer;
  now: () => number;
  /** Told after each page is handed on, for the progress report. */
  onPage?: (table: ProducerTable, items: number) => void;
  onSegmentDone?: (table: ProducerTable) => void;
  /** Asked before each page: stop here and report the rest as unfinished (a function running out of time). */
  shouldStop?: () => boolean;
  /** Events held back to put them on in time order (default DEFAULT_HAND_OVER_EVENTS). */
  holdEvents?: number;
}

export interface RebuildCounts {
  itemsRead: Record<ProducerTable, number>;
  /** Events handed to the idempotent apply path (pulse-events); the aggregator applies them within seconds. */
  eventsApplied: number;
  deadLettered: number;
  readUnits: number;
}

export interface RebuildOutcome extends RebuildCounts {
  /** Segments stopped early (`shouldStop`), each with where to resume. */
  unfinished: ScanWork[];
}

/** Every segment of every producer table. */
export function planScan(tableNames: ProducerTableNames, segments: number): ScanWork[] {
  return PRODUCER_TABLES.flatMap((table) =>
    Array.from({ length: segments }, (_, segment) => ({ table, segment: { tableName: tableNames[table], segment, totalSegments: segments } })),
  );
}

/**
 * Reads the producer tables and hands every item's facts to the same idempotent path as live
 * traffic: the decoder of the stream turns an item into the events its INSERT would have carried,
 * and the forwarder puts them on pulse-events, where each entity's single writer merges them
 * (unions and earliest-wins). A fact already applied changes nothing, so a rebuild is safe during
 * live traffic, twice in a row, and when rerun after a crash part-way.
 *
 * Items that do not decode go to the dead letters with their reason, as the live stream's would.
 * The segments run side by side; the first failure stops them all and is thrown. The events go
 * on in time order, a few thousand at a time (reconcile/time-ordered-hand-over.ts).
 */
export async function rebuildSegments(deps: RebuildDeps, work: readonly ScanWork[]): Promise<RebuildOutcome> {
  const counts = { itemsRead: { 'chat-sessions': 0, messages: 0, escalations: 0 }, deadLettered: 0, readUnits: 0 };
  const handOver = new TimeOrderedHandOver(deps.forwarder, deps.eventPacer, deps.holdEvents);
  const unfinished: ScanWork[] = [];
  let failed = false;

  const runSegment = async ({ table, segment }: ScanWork) => {
    for await (const page of scanSegment(deps.dynamo, segment, deps.readPacer)) {
      counts.readUnits += page.readUnits;
      await handOn(deps, table, page, handOver, counts);
      counts.itemsRead[table] += page.items.length;
      deps.onPage?.(table, page.items.length);
      if (!page.nextKey) break;
      if (failed) return;
      if (deps.shouldStop?.()) {
        unfinished.push({ table, segment: { ...segment, startKey: page.nextKey } });
        return;
      }
    }
    deps.onSegmentDone?.(table);
  };

  const results = await Promise.allSettled(
    work.map((w) =>
      runSegment(w).catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    ),
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  // What the segments read is on pulse-events before anyone is told where to resume.
  await handOver.flush();
  return { ...counts, eventsApplied: handOver.handedOn, unfinished };
}

/** One page: its bad items parked, its facts held for pulse-events. */
async function handOn(
  deps: RebuildDeps,
  table: ProducerTable,
  page: ScannedPage,
  handOver: TimeOrderedHandOver,
  counts: { deadLettered: number },
): Promise<void> {
  const now = deps.now();
  const at = new Date(now);
  const letters: DeadLetter[] = [];
  const records: PulseRecord[] = [];
  for (const item of page.items) {
    const decoded = eventsOfItem(table, deps.tableNames[table], item, at);
    if (!decoded.ok) {
      letters.push({ origin: 'rebuild', reason: decoded.reason, record: { tableName: deps.tableNames[table], item }, at: at.toISOString() });
      continue;
    }
    // They enter pulse-events now: freshness then measures the rebuild's own wait, not the item's age.
    for (const event of decoded.events) records.push({ source: 'dynamodb-streams', enteredAt: now, event });
  }
  await deps.deadLetters.send(letters);
  counts.deadLettered += letters.length;
  await handOver.add(records);
}
