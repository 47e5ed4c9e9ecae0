/**
 * `Date.parse` and `toISOString` for the one form the fold reads and writes most,
 * `YYYY-MM-DDTHH:MM:SS.sssZ`, done with digit arithmetic: each was a visible cost per event
 * (Date.parse about three times, toISOString about nine times what these take). Anything else
 * — another form, a field out of range, a year before 100 or after 9999 — goes to the built-in,
 * so the answer is the built-in's for every input.
 */

const DAY_MS = 86_400_000;
/** The instants the fast path formats: years 1970 to 9999, as toISOString writes them with four digits. */
const FORMATTED_UNTIL_MS = 253_402_300_800_000;

const DASH = 45;
const COLON = 58;
const DOT = 46;
const T = 84;
const Z = 90;
const ZERO = 48;

export function parseIsoInstant(iso: string): number {
  if (
    iso.length !== 24 ||
    iso.charCodeAt(4) !== DASH ||
    iso.charCodeAt(7) !== DASH ||
    iso.charCodeAt(10) !== T ||
    iso.charCodeAt(13) !== COLON ||
    iso.charCodeAt(16) !== COLON ||
    iso.charCodeAt(19) !== DOT ||
    iso.charCodeAt(23) !== Z
  )
    return Date.parse(iso);
  const year = digitsAt(iso, 0, 4);
  const month = digitsAt(iso, 5, 2);
  const day = digitsAt(iso, 8, 2);
  const hour = digitsAt(iso, 11, 2);
  const minute = digitsAt(iso, 14, 2);
  const second = digitsAt(iso, 17, 2);
  const ms = digitsAt(iso, 20, 3);
  // Date.UTC reads years 0–99 as 1900–1999; a non-digit gives −1, out of every range here.
  const valid =
    year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59;
  if (!valid || second < 0 || second > 59 || ms < 0) return Date.parse(iso);
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The decimal number of `count` digits from `start`, or −1 if one of them is not a digit. */
function digitsAt(s: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = s.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The last day formatted and its `YYYY-MM-DDT`: the instants the fold formats mostly fall on one day. */
let lastDay = Number.NaN;
let lastDayPrefix = '';

export function isoInstantOf(epochMs: number): string {
  if (!(Number.isInteger(epochMs) && epochMs >= 0 && epochMs < FORMATTED_UNTIL_MS)) return new Date(epochMs).toISOString();
  const day = Math.floor(epochMs / DAY_MS);
  if (day !== lastDay) {
    lastDayPrefix = `${datePart(day)}T`;
    lastDay = day;
  }
  const inDay = epochMs - day * DAY_MS;
  const hour = Math.floor(inDay / 3_600_000);
  const minute = Math.floor(inDay / 60_000) % 60;
  const second = Math.floor(inDay / 1000) % 60;
  const ms = inDay % 1000;
  return `${lastDayPrefix}${two(hour)}:${two(minute)}:${two(second)}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DD` of a day since 1970-01-01 (H. Hinnant's civil_from_days), for days from 1970 to 9999. */
function datePart(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${two(month)}-${two(day)}`;
}
