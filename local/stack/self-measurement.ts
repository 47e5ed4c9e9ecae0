import { Counter, minuteKey } from '../../aggregators/metrics-items';
import { minuteOf } from '../../aggregators/time';
import type { MetricsStore } from '../../store/metrics-store';

/**
 * What handlers/observability.ts records for a deployed function, recorded for a local one:
 * one invocation, its error, its duration and what its DynamoDB calls cost, in the minute
 * bucket. A failure to record never fails the invocation it measures.
 */
export async function recordInvocation(store: MetricsStore, functionName: string, startedMs: number, failed: boolean): Promise<void> {
  const usage = store.usage;
  const counters = new Map<string, number>([
    [Counter.functionInvocations(functionName), 1],
    [Counter.functionErrors(functionName), failed ? 1 : 0],
    [Counter.functionDurationMilli(functionName), (Date.now() - startedMs) * 1000],
    [Counter.storeReadMilliUnits, Math.round(usage.readUnits * 1000)],
    [Counter.storeWriteMilliUnits, Math.round(usage.writeUnits * 1000)],
    [Counter.storeThrottled, usage.throttled],
    [Counter.storeSucceeded, usage.succeeded],
  ]);
  try {
    await store.addMeasurements(minuteKey(minuteOf(Date.now())), new Map([...counters].filter(([, n]) => n !== 0)));
  } catch {
    // Measuring is best effort (under --chaos its write may be throttled too).
  }
}
