import type { CounterKey } from './counters';

/** Counter deltas by domain counter (aggregators/counters.ts): the unit every fold produces. */
export type Deltas = Map<CounterKey, number>;

export function addDelta(deltas: Deltas, counter: CounterKey, amount: number): void {
  if (amount === 0) return;
  const next = (deltas.get(counter) ?? 0) + amount;
  if (next === 0) deltas.delete(counter);
  else deltas.set(counter, next);
}

/** `after − before`: what a change of state means for the counters. */
export function differenceOf(before: Deltas, after: Deltas): Deltas {
  const result: Deltas = new Map(after);
  for (const [counter, amount] of before) addDelta(result, counter, -amount);
  return result;
}

/** Thousandths, so that sums of decimals add exactly as integers. */
export const toMilli = (value: number): number => Math.round(value * 1000);
