import { z } from 'zod';
import { parseOrThrow } from './settings';

/**
 * Read capacity units per second a rebuild or drift check may take from the producer tables
 * when nobody says otherwise. A Scan reads eventually consistent: one unit is 8 KB of items, so
 * 100 units/s is about 2,700 items/s of 300-byte sessions and messages: under 1 % of the 12,000
 * reads per second a new on-demand table sustains, and a small share of a provisioned one.
 */
export const DEFAULT_SCAN_READ_UNITS = 100;
/** Parallel Scan segments per table: enough to keep DynamoDB's partitions busy side by side. */
export const DEFAULT_SCAN_SEGMENTS = 4;
/** How long the drift check lets the streams land facts before the instant it checks. */
export const DEFAULT_DRIFT_SETTLE_SECONDS = 30;

const positive = (fallback: number) => z.coerce.number().finite().positive().default(fallback);
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((value) => value === 'true');

/** The settings of the functions that re-read the producer tables (rebuildSegment, driftCheck). */
const reconcileSchema = z.object({
  SCAN_READ_UNITS: positive(DEFAULT_SCAN_READ_UNITS),
  SCAN_SEGMENTS: z.coerce.number().int().min(1).max(1000).default(DEFAULT_SCAN_SEGMENTS),
  DRIFT_SETTLE_SECONDS: z.coerce.number().finite().nonnegative().default(DEFAULT_DRIFT_SETTLE_SECONDS),
  /** true when conversations, messages or escalations also reach Clara Pulse outside the tables (docs/semantics.md). */
  DRIFT_OTHER_SOURCES: flag,
  /** Where a rebuild segment that runs out of time puts the rest of its work. */
  REBUILD_QUEUE_URL: z.string().min(1).optional(),
});

export type ReconcileEnvironment = z.input<typeof reconcileSchema>;

export interface ReconcileSettings {
  scanReadUnits: number;
  scanSegments: number;
  driftSettleSeconds: number;
  driftOtherSources: boolean;
  rebuildQueueUrl?: string;
}

/** Parses the environment; throws a ConfigurationError naming the first bad key. */
export function parseReconcileSettings(env: Record<string, string | undefined>): ReconcileSettings {
  const e = parseOrThrow(reconcileSchema, env);
  return {
    scanReadUnits: e.SCAN_READ_UNITS,
    scanSegments: e.SCAN_SEGMENTS,
    driftSettleSeconds: e.DRIFT_SETTLE_SECONDS,
    driftOtherSources: e.DRIFT_OTHER_SOURCES,
    ...(e.REBUILD_QUEUE_URL !== undefined && { rebuildQueueUrl: e.REBUILD_QUEUE_URL }),
  };
}
