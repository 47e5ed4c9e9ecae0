/** Bucket arithmetic of SPEC §1. Pure; every window in Clara Pulse is built from these. */

import { parseIsoInstant } from './iso-instant';

export const MINUTE_MS = 60_000;
export const TEN_SECONDS_MS = 10_000;

export const minuteOf = (epochMs: number): number => Math.floor(epochMs / MINUTE_MS);
export const tenSecondsOf = (epochMs: number): number => Math.floor(epochMs / TEN_SECONDS_MS);
export const minuteStartMs = (minute: number): number => minute * MINUTE_MS;

/**
 * The fold reads one event's `occurredAt` several times in a row (apply, message deltas, its
 * unit's minute): remembering the last one parsed spares Date.parse, a visible cost per event.
 */
let lastIso: string | undefined;
let lastEpochMs = Number.NaN;
export function epochMsOf(iso: string): number {
  if (iso !== lastIso) {
    lastEpochMs = parseIsoInstant(iso);
    lastIso = iso;
  }
  return lastEpochMs;
}

/** The n minute buckets that end with the one holding `atMs`, oldest first (SPEC §1 `W_n`). */
export function windowMinutes(atMs: number, n: number): number[] {
  const last = minuteOf(atMs);
  return Array.from({ length: n }, (_, i) => last - n + 1 + i);
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    // en-CA formats as YYYY-MM-DD, which also sorts as a string.
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date (`YYYY-MM-DD`) holding `epochMs` in `timeZone`. */
export function localDateOf(epochMs: number, timeZone: string): string {
  return dateFormatter(timeZone).format(epochMs);
}

/** Answers by minute, one Map per zone and question: keyed by the number itself, no key string is built per call. */
interface ZoneMinuteCache {
  dates: Map<number, string>;
  nextDayStarts: Map<number, number>;
  hours: Map<number, LocalHour>;
}
const zoneMinuteCaches = new Map<string, ZoneMinuteCache>();
/** Minutes remembered per zone and question before that cache starts over. */
const CACHED_MINUTES = 100_000;

function zoneMinuteCache(timeZone: string): ZoneMinuteCache {
  let cache = zoneMinuteCaches.get(timeZone);
  if (cache === undefined) {
    cache = { dates: new Map(), nextDayStarts: new Map(), hours: new Map() };
    zoneMinuteCaches.set(timeZone, cache);
  }
  return cache;
}

function remember<T>(cache: Map<number, T>, minute: number, value: T): T {
  if (cache.size > CACHED_MINUTES) cache.clear();
  cache.set(minute, value);
  return value;
}

/**
 * Local date of a whole minute. Every zone offset in use is a whole number of minutes, so a
 * minute never straddles two dates; the cache keeps Intl out of the fold's hot loop.
 */
export function localDateOfMinute(minute: number, timeZone: string): string {
  const dates = zoneMinuteCache(timeZone).dates;
  return dates.get(minute) ?? remember(dates, minute, localDateOf(minuteStartMs(minute), timeZone));
}

/** Throws a RangeError naming the zone when it is not an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  dateFormatter(timeZone);
}

/**
 * The first minute of `low … high` whose local date passes `passes`. Local dates only grow with
 * time, so once a minute passes every later one does: a binary search finds the first.
 */
function firstMinuteWhere(low: number, high: number, passes: (date: string) => boolean, timeZone: string): number {
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (passes(localDateOfMinute(mid, timeZone))) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Day boundaries by zone, direction and date: each is searched for once (the fold asks per event). */
const dayBoundaries = new Map<string, number>();
function dayBoundary(cacheKey: string, search: () => number): number {
  const cached = dayBoundaries.get(cacheKey);
  if (cached !== undefined) return cached;
  const minute = search();
  if (dayBoundaries.size > 20_000) dayBoundaries.clear();
  dayBoundaries.set(cacheKey, minute);
  return minute;
}

/** A local day lasts at most 25 h: its boundaries lie within 26 hours of any of its minutes. */
const DAY_SEARCH_MINUTES = 26 * 60;

/** The first minute whose local date is after the local date of `epochMs`: where "today" next begins. */
export function nextLocalDayStartMinute(epochMs: number, timeZone: string): number {
  const minute = minuteOf(epochMs);
  const cached = zoneMinuteCache(timeZone).nextDayStarts;
  return cached.get(minute) ?? remember(cached, minute, searchNextLocalDayStart(minute, timeZone));
}

function searchNextLocalDayStart(minute: number, timeZone: string): number {
  const date = localDateOfMinute(minute, timeZone);
  return dayBoundary(`next|${timeZone}|${date}`, () => firstMinuteWhere(minute, minute + DAY_SEARCH_MINUTES, (d) => d > date, timeZone));
}

/** The first minute of the local date of `epochMs`: where its "today" began. */
export function localDayStartMinute(epochMs: number, timeZone: string): number {
  const minute = minuteOf(epochMs);
  const date = localDateOfMinute(minute, timeZone);
  return dayBoundary(`start|${timeZone}|${date}`, () => firstMinuteWhere(minute - DAY_SEARCH_MINUTES, minute, (d) => d >= date, timeZone));
}

/**
 * The hour of the local day holding `minute`, counted from local midnight (0–24: a day of 23 or
 * 25 hours too). Every zone offset is a whole number of minutes, so its hours are whole minutes.
 */
export function localHourOfMinute(minute: number, timeZone: string): LocalHour {
  const hours = zoneMinuteCache(timeZone).hours;
  return hours.get(minute) ?? remember(hours, minute, Object.freeze(searchLocalHour(minute, timeZone)));
}

/** One answer of localHourOfMinute; shared between callers (and frozen), as it is cached. */
export interface LocalHour {
  readonly date: string;
  readonly hour: number;
  readonly hourStartMinute: number;
}

function searchLocalHour(minute: number, timeZone: string): LocalHour {
  const dayStart = localDayStartMinute(minuteStartMs(minute), timeZone);
  const hour = Math.floor((minute - dayStart) / 60);
  return { date: localDateOfMinute(minute, timeZone), hour, hourStartMinute: dayStart + hour * 60 };
}

/**
 * Does a fact timed `occurredAtMs` count in the document at `atMs`? The document's unit of time is
 * the minute bucket (SPEC §1): a read at T counts T's bucket whole, and so does a look-back or a
 * replay at T — one rule, so `npm run replay -- --at T` and `?at=T` agree (docs/semantics.md).
 */
export const countsAt = (occurredAtMs: number, atMs: number): boolean => minuteOf(occurredAtMs) <= minuteOf(atMs);
