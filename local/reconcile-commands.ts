import { checkDrift, checkInstant } from '../reconcile/drift-check';
import type { DriftReport } from '../reconcile/drift';
import { Pacer } from '../reconcile/pacer';
import { ScanProgress } from '../reconcile/progress';
import { planScan, type RebuildCounts, rebuildSegments, tableNamesOf } from '../reconcile/rebuild';
import { sendSegmentTasks } from '../reconcile/segment-queue';
import type { SegmentTask } from '../reconcile/segment-task';
import { approximateItemCount } from '../reconcile/table-scan';
import { PRODUCER_TABLES, type ProducerTable } from '../schemas/producer-items';
import { ReconcileTargetError } from '../errors';
import { defaultEventsPerSecond, type ReconcileTarget } from './reconcile-target';

/** How often the progress line is written to stderr. */
const PROGRESS_EVERY_MS = 1000;

export interface RebuildOptions {
  readUnits: number;
  /** Records per second onto pulse-events; default: half of what its open shards take. */
  eventsPerSecond?: number;
  segments: number;
  /** Events held back to put them on in time order (default: reconcile/time-ordered-hand-over.ts). */
  holdEvents?: number;
}

/** `npm run rebuild`'s one line of JSON on stdout. */
export interface RebuildSummary extends Omit<RebuildCounts, 'readUnits'> {
  seconds: number;
  /** Read capacity units the Scan consumed, and the budget it was paced to. */
  readUnits: number;
  readUnitsPerSecondBudget: number;
}

/** The rebuild, read here and applied through pulse-events, with a progress line on `progress` every second. */
export async function runRebuild(target: ReconcileTarget, options: RebuildOptions, progress: (line: string) => void): Promise<RebuildSummary> {
  const names = tableNamesOf(target.settings.producerTables);
  const eventsPerSecond = options.eventsPerSecond ?? (await defaultEventsPerSecond(target));
  const started = Date.now();
  const tracker = new ScanProgress(started, segmentsPerTable(options.segments), await itemEstimates(target, names));
  progress(`rebuild of ${target.description}: ${options.segments} segment(s) per table, ${options.readUnits} RCU/s, ${eventsPerSecond} events/s`);
  const timer = setInterval(() => progress(tracker.line('rebuild', Date.now())), PROGRESS_EVERY_MS);
  try {
    const { unfinished: _none, ...counts } = await rebuildSegments(
      {
        dynamo: target.dynamo,
        forwarder: target.forwarder,
        deadLetters: target.deadLetters,
        tableNames: names,
        readPacer: new Pacer(options.readUnits),
        eventPacer: new Pacer(eventsPerSecond),
        now: Date.now,
        onPage: (table, items) => tracker.read(table, items),
        onSegmentDone: (table) => tracker.segmentDone(table),
        ...(options.holdEvents !== undefined && { holdEvents: options.holdEvents }),
      },
      planScan(names, options.segments),
    );
    progress(tracker.line('rebuild', Date.now()));
    return { ...counts, seconds: round((Date.now() - started) / 1000), readUnits: round(counts.readUnits), readUnitsPerSecondBudget: options.readUnits };
  } finally {
    clearInterval(timer);
  }
}

export interface FanOutSummary {
  fannedOut: number;
  queue: string;
  readUnitsPerSecondPerSegment: number;
  eventsPerSecondPerSegment: number;
}

/**
 * The rebuild by the deployed `rebuildSegment` function: one task per segment of each table on
 * its queue. At most `RebuildConcurrency` run at once, so each gets that share of the budgets.
 */
export async function fanOutRebuild(target: ReconcileTarget, options: RebuildOptions): Promise<FanOutSummary> {
  const queue = target.rebuildQueue;
  if (!queue) throw new ReconcileTargetError('--fan-out needs a deployed stage (--stage NAME): the local stack has no rebuild queue');
  const eventsPerSecond = options.eventsPerSecond ?? (await defaultEventsPerSecond(target));
  const tasks: SegmentTask[] = [];
  const running = Math.max(1, Math.min(queue.concurrency, PRODUCER_TABLES.length * options.segments));
  for (const table of PRODUCER_TABLES) {
    for (let segment = 0; segment < options.segments; segment++) {
      tasks.push({
        table,
        segment,
        totalSegments: options.segments,
        readUnitsPerSecond: options.readUnits / running,
        eventsPerSecond: eventsPerSecond / running,
      });
    }
  }
  await sendSegmentTasks(queue.sqs, queue.url, tasks);
  return {
    fannedOut: tasks.length,
    queue: queue.url,
    readUnitsPerSecondPerSegment: round(options.readUnits / running),
    eventsPerSecondPerSegment: round(eventsPerSecond / running),
  };
}

export interface DriftOptions {
  /** The instant to check; default: the end of the last whole minute at least `settleSeconds` ago. */
  atMs?: number;
  settleSeconds: number;
  readUnits: number;
  segments: number;
  otherSources: boolean;
}

/** The drift check, with a progress line on `progress` every second and a last one with what was read. */
export async function runDrift(target: ReconcileTarget, options: DriftOptions, progress: (line: string) => void): Promise<DriftReport> {
  const names = tableNamesOf(target.settings.producerTables);
  const atMs = options.atMs ?? checkInstant(Date.now(), options.settleSeconds);
  const started = Date.now();
  const tracker = new ScanProgress(started, segmentsPerTable(options.segments), await itemEstimates(target, names));
  progress(`drift of ${target.description} at ${new Date(atMs).toISOString()}: ${options.segments} segment(s) per table, ${options.readUnits} RCU/s`);
  const timer = setInterval(() => progress(tracker.line('drift', Date.now())), PROGRESS_EVERY_MS);
  try {
    const result = await checkDrift(
      {
        dynamo: target.dynamo,
        store: target.store,
        settings: target.settings,
        readPacer: new Pacer(options.readUnits),
        now: Date.now,
        onPage: (table, items) => tracker.read(table, items),
        onSegmentDone: (table) => tracker.segmentDone(table),
      },
      { atMs, segments: options.segments, otherSources: options.otherSources },
    );
    progress(
      `${tracker.line('drift', Date.now())}; ${round(result.readUnits)} RCU; ${result.unreadable} item(s) no decoder accepts; ` +
        `${result.report.mismatches.length} mismatch(es) over ${result.report.compared.length} field(s)`,
    );
    return result.report;
  } finally {
    clearInterval(timer);
  }
}

const round = (value: number) => Math.round(value * 100) / 100;

const segmentsPerTable = (segments: number) => Object.fromEntries(PRODUCER_TABLES.map((table) => [table, segments])) as Record<ProducerTable, number>;

async function itemEstimates(target: ReconcileTarget, names: Record<ProducerTable, string>) {
  const counts = await Promise.all(PRODUCER_TABLES.map(async (table) => [table, await approximateItemCount(target.dynamo, names[table])] as const));
  return Object.fromEntries(counts);
}
