import { PerformanceName } from '../../aggregators/counters';
import { minuteOf } from '../../aggregators/time';
import type { MetricsStore, StoreUsage } from '../../store/metrics-store';

/**
 * What handlers/observability.ts records for a deployed function, recorded for a local one:
 * one invocation, its error, its duration and what its DynamoDB calls cost, in the minute
 * bucket. A failure to record never fails the invocation it measures.
 */
export async function recordInvocation(
  store: MetricsStore,
  functionName: string,
  startedMs: number,
  failed: boolean,
  usageBefore: StoreUsage,
  /** The function's clock: a replay or a benchmark runs on event time. */
  nowMs = Date.now(),
): Promise<void> {
  const usage = store.usage;
  const counters = new Map<string, number>([
    [PerformanceName.functionInvocations(functionName), 1],
    [PerformanceName.functionErrors(functionName), failed ? 1 : 0],
    [PerformanceName.functionDurationMilli(functionName), (nowMs - startedMs) * 1000],
    [PerformanceName.storeReadMilliUnits, Math.round((usage.readUnits - usageBefore.readUnits) * 1000)],
    [PerformanceName.storeWriteMilliUnits, Math.round((usage.writeUnits - usageBefore.writeUnits) * 1000)],
    [PerformanceName.storeThrottled, usage.throttled - usageBefore.throttled],
    [PerformanceName.storeSucceeded, usage.succeeded - usageBefore.succeeded],
  ]);
  try {
    await store.addMeasurements(minuteOf(nowMs), new Map([...counters].filter(([, n]) => n !== 0)));
  } catch {
    // Measuring is best effort (under --chaos its write may be throttled too).
  }
}
