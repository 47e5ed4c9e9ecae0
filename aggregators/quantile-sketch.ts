/**
 * A log-bucket quantile sketch (the DDSketch idea) whose bins are plain counters, so that a
 * minute bucket can hold it as DynamoDB attributes updated with `ADD` and any number of
 * minutes merge by adding bins. We keep our own ~30 lines instead of @datadog/sketches-js
 * because that library's bins are private and not addressable as counters.
 *
 * A positive value v falls in bin i = ceil(log_γ v), i.e. (γ^(i-1), γ^i]; the bin is
 * reported as 2γ^i/(γ+1), which is within α = (γ−1)/(γ+1) of every value in it. 0 has a bin
 * of its own and is reported exactly.
 */
import { memoizedName } from './interned-keys';

export const RELATIVE_ACCURACY = 0.008; // SPEC §4 asks for 1 %; the rest is headroom for float error
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
export const ZERO_BIN = 'z';

/**
 * The sketch covers 0.1 ms to one hour, about 1,100 bins: a minute item holds at most that many
 * whatever producers send. A value outside is counted at the nearest end (documented in
 * docs/semantics.md); a bot reply that took over an hour is reported as one hour.
 */
const LOWEST_MS = 0.1;
const HIGHEST_MS = 3_600_000;

export function binOf(value: number): string {
  if (value <= 0) return ZERO_BIN;
  return binName(Math.ceil(Math.log(Math.min(HIGHEST_MS, Math.max(LOWEST_MS, value))) / LOG_GAMMA));
}

/** One string per bin (about 1,100 of them): its counter's name is then found by a hash it already carries. */
const binName = memoizedName((bin: number) => String(bin));

function representative(bin: string): number {
  return bin === ZERO_BIN ? 0 : (2 * GAMMA ** Number(bin)) / (GAMMA + 1);
}

const order = (bin: string): number => (bin === ZERO_BIN ? -Infinity : Number(bin));

/** Nearest-rank quantile (`v[ceil(q·n) − 1]`) of the values counted in `bins`, or null if none. */
export function quantile(bins: ReadonlyMap<string, number>, q: number): number | null {
  const sorted = [...bins.entries()].filter(([, n]) => n > 0).sort((a, b) => order(a[0]) - order(b[0]));
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bin, n] of sorted) {
    seen += n;
    if (seen >= rank) return representative(bin);
  }
  return representative(sorted[sorted.length - 1]![0]);
}
