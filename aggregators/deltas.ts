/** Counter deltas: item key → counter name → amount. The unit every fold produces. */
export type ItemDeltas = Map<string, Map<string, number>>;

export function addDelta(deltas: ItemDeltas, key: string, counter: string, amount: number): void {
  if (amount === 0) return;
  let counters = deltas.get(key);
  if (!counters) {
    counters = new Map();
    deltas.set(key, counters);
  }
  const next = (counters.get(counter) ?? 0) + amount;
  if (next === 0) counters.delete(counter);
  else counters.set(counter, next);
  if (counters.size === 0) deltas.delete(key);
}

/** Adds `sign × source` into `target`. */
export function mergeDeltas(target: ItemDeltas, source: ItemDeltas, sign: 1 | -1 = 1): void {
  for (const [key, counters] of source) {
    for (const [counter, amount] of counters) addDelta(target, key, counter, sign * amount);
  }
}

/** `after − before`: what a change of state means for the counters. */
export function differenceOf(before: ItemDeltas, after: ItemDeltas): ItemDeltas {
  const result: ItemDeltas = new Map();
  mergeDeltas(result, after, 1);
  mergeDeltas(result, before, -1);
  return result;
}

/** Thousandths, so that sums of decimals add exactly as integers. */
export const toMilli = (value: number): number => Math.round(value * 1000);
