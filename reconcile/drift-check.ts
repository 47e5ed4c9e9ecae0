import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Settings } from '../config/settings';
import { readDocument } from '../pipeline/read-document';
import type { ProducerTable } from '../schemas/producer-items';
import type { MetricsStore } from '../store/metrics-store';
import { compareDocuments, type DriftReport } from './drift';
import { eventsOfItem } from './item-events';
import type { Pacer } from './pacer';
import { planScan, tableNamesOf } from './rebuild';
import { TableFacts } from './recompute';
import { scanSegment } from './table-scan';

export interface DriftCheckDeps {
  dynamo: DynamoDBClient;
  store: MetricsStore;
  settings: Settings;
  readPacer: Pacer;
  now: () => number;
  onPage?: (table: ProducerTable, items: number) => void;
  onSegmentDone?: (table: ProducerTable) => void;
}

export interface DriftCheckOptions {
  atMs: number;
  segments: number;
  /** Conversation, message or escalation facts also reach Clara Pulse outside the tables. */
  otherSources: boolean;
}

export interface DriftCheckResult {
  report: DriftReport;
  itemsRead: Record<ProducerTable, number>;
  /** Items no decoder accepts: the live path dead-letters them too, so they count on neither side. */
  unreadable: number;
  readUnits: number;
}

/**
 * The instant a scheduled check looks at: the end of the last whole minute that ended at least
 * `settleSeconds` ago. The facts up to it have had time to land (the lag alarm fires at 60 s),
 * and no fact of a later minute falls in any window of it.
 */
export const checkInstant = (nowMs: number, settleSeconds: number): number => Math.floor((nowMs - settleSeconds * 1000) / 60_000) * 60_000 - 1;

/**
 * Recomputes at `T` every number the producer tables determine, from a full paced Scan of the
 * three tables, then reads the served document at the same `T` through the read path and holds
 * one to the other (reconcile/drift.ts). The Scan comes first, so every fact up to `T` it finds
 * has had the whole Scan's time to land as well.
 *
 * Live traffic goes on meanwhile. The document at `T` counts the facts up to `T` (SPEC §4.1); a
 * read path that serves state (ended, pending, today's totals) as of now counts the later ones
 * too. So the numbers are recomputed both ways, and the served one must equal either: what
 * differs between the two is only what happened after `T`, and drift is what matches neither.
 */
export async function checkDrift(deps: DriftCheckDeps, options: DriftCheckOptions): Promise<DriftCheckResult> {
  const { timeZone, labels, serviceLevelSeconds } = deps.settings;
  const facts = new TableFacts(options.atMs, timeZone, labels, serviceLevelSeconds);
  const everyFact = new TableFacts(options.atMs, timeZone, labels, serviceLevelSeconds, Infinity);
  const tableNames = tableNamesOf(deps.settings.producerTables);
  const itemsRead: Record<ProducerTable, number> = { 'chat-sessions': 0, messages: 0, escalations: 0 };
  let unreadable = 0;
  let readUnits = 0;
  const at = new Date(deps.now());
  await Promise.all(
    planScan(tableNames, options.segments).map(async ({ table, segment }) => {
      for await (const page of scanSegment(deps.dynamo, segment, deps.readPacer)) {
        readUnits += page.readUnits;
        for (const item of page.items) {
          const decoded = eventsOfItem(table, segment.tableName, item, at);
          if (!decoded.ok) unreadable++;
          else
            for (const event of decoded.events) {
              facts.add(event);
              everyFact.add(event);
            }
        }
        itemsRead[table] += page.items.length;
        deps.onPage?.(table, page.items.length);
      }
      deps.onSegmentDone?.(table);
    }),
  );
  const served = await readDocument(deps.store, deps.settings, options.atMs);
  const report = compareDocuments(served, facts.numbers(), options.atMs, { otherSources: options.otherSources, fromEveryFact: everyFact.numbers() });
  return { report, itemsRead, unreadable, readUnits };
}
