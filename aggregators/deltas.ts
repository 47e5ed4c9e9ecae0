import type { CounterKey } from './counters';

/** Counter deltas by domain counter (aggregators/counters.ts): the unit every fold produces. */
export type Deltas = Map<CounterKey, number>;

export function addDelta(deltas: Deltas, counter: CounterKey, amount: number): void {
  if (amount === 0) return;
  const next = (deltas.get(counter) ?? 0) + amount;
  if (next === 0) deltas.delete(counter);
  else deltas.set(counter, next);
}

/**
 * `after − before`: what a change of state means for the counters. The counters come in the
 * order of `after`, then those only `before` has, in its order (as if `before` were subtracted
 * from a copy of `after`); written as one pass over each, since copying `after` first was most
 * of the time this took.
 */
export function differenceOf(before: Deltas, after: Deltas): Deltas {
  const result: Deltas = new Map();
  after.forEach((amount, counter) => {
    const subtracted = before.get(counter);
    if (subtracted === undefined || subtracted === 0) result.set(counter, amount);
    else if (amount - subtracted !== 0) result.set(counter, amount - subtracted);
  });
  before.forEach((amount, counter) => {
    if (amount !== 0 && !after.has(counter)) result.set(counter, -amount);
  });
  return result;
}

/** Thousandths, so that sums of decimals add exactly as integers. */
export const toMilli = (value: number): number => Math.round(value * 1000);
