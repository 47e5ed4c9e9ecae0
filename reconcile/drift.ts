import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import type { TableNumbers } from './recompute';

/**
 * How a served number may differ from its recomputation and still be right (SPEC §3, §4):
 * - `exact`: counts;
 * - `mean`: means rounded to two decimals may differ by one rounding unit, from summing in another order;
 * - `percentile`: the served quantiles come from a sketch, within 1 % of the nearest-rank value;
 * - `distinctUsers`: `activeUsers.unique` may use a sketch, within 2 % (±1 below 50);
 * - `atLeast`: the tables can only show part of what the number counts, so the served one may be
 *   higher but never lower (docs/semantics.md says why for each).
 */
export type Tolerance = 'exact' | 'mean' | 'percentile' | 'distinctUsers' | 'atLeast';

interface FieldRule {
  field: string;
  tolerance: Tolerance;
  /**
   * When conversation, message or escalation facts also reach Clara Pulse outside the tables:
   * counts that such facts can only raise are checked as lower bounds; means, quantiles and the
   * queue gauges, which they can move either way, are not checked.
   */
  withOtherSources: 'atLeast' | 'skip';
}

/** Every number the producer tables determine, and how it is compared. Telemetry-only fields are not here. */
export const DRIFT_RULES: readonly FieldRule[] = [
  { field: 'activeConnections', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'messagesLastHour', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'escalationsToday', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'responseTime', tolerance: 'mean', withOtherSources: 'skip' },
  { field: 'liveConversations.total', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'liveConversations.byLanguage', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'liveConversations.averageDuration', tolerance: 'mean', withOtherSources: 'skip' },
  { field: 'liveConversations.newInLastMinute', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'activeUsers.total', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'activeUsers.unique', tolerance: 'distinctUsers', withOtherSources: 'atLeast' },
  // Producers' TTL removes old sessions, and with them the proof that a user was seen before today.
  { field: 'activeUsers.returning', tolerance: 'atLeast', withOtherSources: 'atLeast' },
  { field: 'activeUsers.byRegion', tolerance: 'exact', withOtherSources: 'atLeast' },
  // A session keeps only its latest lastActivity: earlier activity minutes of today may be gone from the table.
  { field: 'activeUsers.peakConcurrent', tolerance: 'atLeast', withOtherSources: 'atLeast' },
  { field: 'realTimeEscalations.pending', tolerance: 'exact', withOtherSources: 'skip' },
  { field: 'realTimeEscalations.inProgress', tolerance: 'exact', withOtherSources: 'skip' },
  { field: 'realTimeEscalations.resolved', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'realTimeEscalations.averageWaitTime', tolerance: 'mean', withOtherSources: 'skip' },
  { field: 'realTimeEscalations.criticalCount', tolerance: 'exact', withOtherSources: 'skip' },
  { field: 'realTimeEscalations.oldestPendingAge', tolerance: 'exact', withOtherSources: 'skip' },
  // A ratio of two exact counts, rounded by the same formula on both sides: exact.
  { field: 'realTimeEscalations.serviceLevel', tolerance: 'exact', withOtherSources: 'skip' },
  // A resolution from outside the tables takes an escalation out of the failed ones: not a lower bound.
  { field: 'realTimeEscalations.failedToday', tolerance: 'exact', withOtherSources: 'skip' },
  { field: 'realTimeEscalations.oldestPending', tolerance: 'exact', withOtherSources: 'skip' },
  { field: 'systemPerformance.responseTime', tolerance: 'percentile', withOtherSources: 'skip' },
  // The last hour minute by minute, entry by entry; live and active as the peak, for the same reason.
  { field: 'series.messages', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'series.conversationsStarted', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'series.escalationsCreated', tolerance: 'exact', withOtherSources: 'atLeast' },
  { field: 'series.liveConversations', tolerance: 'atLeast', withOtherSources: 'atLeast' },
  { field: 'series.activeUsers', tolerance: 'atLeast', withOtherSources: 'atLeast' },
  { field: 'series.responseTimeP95', tolerance: 'percentile', withOtherSources: 'skip' },
];

export interface Mismatch {
  field: string;
  served: unknown;
  recomputed: unknown;
}

/** What `npm run drift` prints and the scheduled check logs. */
export interface DriftReport {
  at: string;
  compared: string[];
  mismatches: Mismatch[];
}

const ROUNDING = 0.0100001;

function within(tolerance: Tolerance, served: number, recomputed: number): boolean {
  switch (tolerance) {
    case 'exact':
      return served === recomputed;
    case 'mean':
      return Math.abs(served - recomputed) <= ROUNDING;
    case 'percentile':
      return Math.abs(served - recomputed) <= Math.abs(recomputed) * 0.01 + ROUNDING;
    case 'distinctUsers':
      return Math.abs(served - recomputed) <= (recomputed < 50 ? 1 : recomputed * 0.02);
    case 'atLeast':
      return served >= recomputed;
  }
}

const valueAt = (document: object, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), document);

/**
 * `field` or its parts (a map's keys, a quantile triple's p50/p95/p99, a list's entries and their fields) side by side; a part
 * missing on one side reads as 0 / null. `alternative` is a second recomputation the served value
 * may equal instead (see compareDocuments).
 */
function compareField(field: string, tolerance: Tolerance, served: unknown, recomputed: unknown, alternative: unknown): Mismatch[] {
  const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isMap(served) && isMap(recomputed)) {
    const keys = [...new Set([...Object.keys(served), ...Object.keys(recomputed), ...(isMap(alternative) ? Object.keys(alternative) : [])])].sort();
    // A label missing from a map counts 0; a minute of a series without a value is null.
    const absent = Array.isArray(recomputed) ? null : 0;
    const part = (map: unknown, key: string) => (isMap(map) ? (map[key] ?? absent) : undefined);
    return keys.flatMap((key) => compareField(`${field}.${key}`, tolerance, served[key] ?? absent, recomputed[key] ?? absent, part(alternative, key)));
  }
  if (agrees(tolerance, served, recomputed) || (alternative !== undefined && agrees(tolerance, served, alternative))) return [];
  return [{ field, served: served ?? null, recomputed: recomputed ?? null }];
}

function agrees(tolerance: Tolerance, served: unknown, recomputed: unknown): boolean {
  if (typeof served === 'number' && typeof recomputed === 'number') return within(tolerance, served, recomputed);
  // Names (an escalation's id and priority in the list of the oldest pending) agree only when equal.
  if (typeof served === 'string' || typeof recomputed === 'string') return served === recomputed;
  if (served === null && recomputed === null) return true;
  // The tables show nothing (no samples): any served value is at least that.
  if (tolerance === 'atLeast' && (recomputed === null || recomputed === 0)) return true;
  if (served !== null && recomputed !== null && typeof served === 'object' && typeof recomputed === 'object') {
    const keys = new Set([...Object.keys(served), ...Object.keys(recomputed)]);
    return [...keys].every((key) => agrees(tolerance, (served as Record<string, unknown>)[key] ?? 0, (recomputed as Record<string, unknown>)[key] ?? 0));
  }
  return false;
}

export interface CompareOptions {
  /** Conversation, message or escalation facts also arrive outside the tables (docs/semantics.md). */
  otherSources?: boolean;
  /**
   * The same numbers from every fact the tables hold, later ones included. A read path that
   * serves state (ended, pending) as of now rather than as of `T` shows these; either is right.
   */
  fromEveryFact?: TableNumbers;
}

/**
 * Holds the served document to the recomputation at the same `T`: every rule's field, within its
 * tolerance. With `otherSources`, only what facts from outside the tables cannot lower is compared.
 */
export function compareDocuments(served: RealTimeMetrics, recomputed: TableNumbers, atMs: number, options: CompareOptions = {}): DriftReport {
  const compared: string[] = [];
  const mismatches: Mismatch[] = [];
  for (const rule of DRIFT_RULES) {
    const tolerance = options.otherSources ? (rule.withOtherSources === 'skip' ? undefined : 'atLeast') : rule.tolerance;
    if (tolerance === undefined) continue;
    const servedValue = valueAt(served, rule.field);
    // A field this build of the read path does not serve is not compared.
    if (servedValue === undefined) continue;
    compared.push(rule.field);
    const alternative = options.fromEveryFact && valueAt(options.fromEveryFact, rule.field);
    mismatches.push(...compareField(rule.field, tolerance, servedValue, valueAt(recomputed, rule.field), alternative));
  }
  return { at: new Date(atMs).toISOString(), compared, mismatches };
}
