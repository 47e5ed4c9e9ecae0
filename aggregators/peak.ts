import { localDateOfMinute } from './time';

/**
 * The highest active total of each local date within one UTC hour, from that hour's
 * difference-array entries (series blocks are hours, so the hour holds all it needs). Pure.
 */
export function peaksOfHour(hour: number, entries: ReadonlyMap<number, number>, timeZone: string): Map<string, number> {
  const peaks = new Map<string, number>();
  let total = 0;
  for (let minute = hour * 60; minute < hour * 60 + 60; minute++) {
    total += entries.get(minute) ?? 0;
    const date = localDateOfMinute(minute, timeZone);
    peaks.set(date, Math.max(peaks.get(date) ?? 0, total));
  }
  return peaks;
}
