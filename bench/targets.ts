/**
 * The Targets of issue 9, the one list the run's verdicts, results.md and the README's table are
 * made from: the key each figure has in bench/results.json, what it is, and what it must reach.
 */
export interface Target {
  key: string;
  figure: string;
  /** Absent: the figure is reported, not judged. */
  atMost?: number;
  atLeast?: number;
}

export const TARGETS = [
  {
    key: 'quietLateDayWcuPerEvent',
    figure: 'WCU / event: busy-hour traffic (9,600 events/h), batch 3, one shard each, at 23:55 after a full day of it',
    atMost: 1.5,
  },
  { key: 'quietEarlyDayWcuPerEvent', figure: 'WCU / event: the same at 00:55', atMost: 1.5 },
  {
    key: 'wcuPerEventBatch100',
    figure: 'WCU / event: 10k events/s sustained (one lane’s share, after minutes of it), deployed settings (batch 100)',
    atMost: 0.45,
  },
  { key: 'wcuPerEventBatch1000', figure: 'WCU / event: 10k events/s sustained, batch 1000', atMost: 0.3 },
  { key: 'naiveToBatch1000WcuRatio', figure: 'naive WCU / event ÷ batch 1000 WCU / event', atLeast: 10 },
  { key: 'e2eEventsPerSecBatch100', figure: 'end to end (functions → commit on dynalite), events/s, batch 100, sustained', atLeast: 3_000 },
  { key: 'e2eEventsPerSec', figure: 'end to end, events/s, batch 1000, sustained', atLeast: 5_000 },
  { key: 'foldEventsPerSec', figure: 'validate + fold, events/s, one core', atLeast: 200_000 },
  { key: 'readP95MsLateDay1M', figure: 'GET /admin/realtime p95 (ms) at 23:55, after 1M events of history', atMost: 10 },
  { key: 'readUnitsPerRead', figure: 'RCU per read at 23:55 (largest history)', atMost: 15 },
  { key: 'readRequestsPerRead', figure: 'DynamoDB requests per read', atMost: 2 },
  { key: 'freshnessP95Ms', figure: 'freshness p95 (ms): producer write → visible in the document', atMost: 2_000 },
  { key: 'naiveWcuPerEvent', figure: 'naive counters: WCU / event at 10k events/s (the baseline)' },
] as const satisfies readonly Target[];

export type TargetKey = (typeof TARGETS)[number]['key'];

export interface Verdict {
  target: string;
  met: boolean | null;
}

export function verdictOf(target: Target, value: number): Verdict {
  if (target.atMost !== undefined) return { target: `≤ ${target.atMost.toLocaleString('en-US')}`, met: value <= target.atMost };
  if (target.atLeast !== undefined) return { target: `≥ ${target.atLeast.toLocaleString('en-US')}`, met: value >= target.atLeast };
  return { target: 'reported', met: null };
}
