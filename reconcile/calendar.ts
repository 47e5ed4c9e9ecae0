/** "Today" in the configured zone, for the recomputation (SPEC §1). */

const HOUR_MS = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (`YYYY-MM-DD`) holding the instant in `timeZone`. */
export function localDate(ms: number, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA writes YYYY-MM-DD.
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(ms);
}

/** The first instant whose local date is that of `ms`: a binary search over the 30 hours before it. */
export function localDayStartMs(ms: number, timeZone: string): number {
  const day = localDate(ms, timeZone);
  let before = ms - 30 * HOUR_MS;
  let within = ms;
  while (within - before > 1) {
    const middle = Math.floor((before + within) / 2);
    if (localDate(middle, timeZone) === day) within = middle;
    else before = middle;
  }
  return within;
}

/** `[start, end)` of the local day holding `ms`. Days last 23 to 25 hours, so 26 hours on is always the next one. */
export function localDayBounds(ms: number, timeZone: string): { startMs: number; endMs: number } {
  const startMs = localDayStartMs(ms, timeZone);
  return { startMs, endMs: localDayStartMs(startMs + 26 * HOUR_MS, timeZone) };
}
