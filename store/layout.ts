import {
  type CounterKey,
  type DayName,
  departureCounter,
  departureOf,
  minuteCounter,
  parseCounter,
  performanceCounter,
  SERIES_BLOCK_MINUTES,
  type SeriesName,
  seriesCounter,
  windowCounter,
} from '../aggregators/counters';

/**
 * The metrics table's layout: the one place that names items and attributes (key `pk`, TTL
 * attribute `expiresAt`). Folds speak in domain counters (aggregators/counters.ts); this module
 * says where each one lives, and reads them back.
 *
 *   M#<minute>       facts of one UTC minute, window entries the store placed there, and the
 *                    freshness stamp of each lane whose batch committed in that minute; once the
 *                    tick seals it (`sealed`), no writer changes it again
 *   L#<minute>       what arrived for a minute after it was sealed: the same shape as M#
 *   Z#<minute>       the sealed minutes of a 30-minute pane (keyed by its first minute): each
 *                    minute's facts (`m<offset>`) and p95 (`p<offset>`), their window entries
 *                    merged (`w`), their newest stamps (`f`): a read fetches 3 panes, not 55 minutes
 *   T#<minute>       performance facts of one UTC minute (requests, samples, functions, our own
 *                    calls): a small item of its own, which the telemetry lanes write and a read
 *                    fetches only for the last 5 minutes
 *   H#<hour>         per-minute entries of the live and active totals of one UTC hour (60 + 60 at
 *                    most) and a version, so a writer sees the whole hour after its update
 *   D#<local date>   escalation facts and gauge changes of each hour of the day, and the highest
 *                    active total of each UTC hour of it
 *   G#escalations    open-escalation gauges; pending ones counted by 10-second creation slot
 *   Q#<slot>         the pending escalations created in that 10-second slot, one attribute each
 *   X#<slot>         the escalations created in that 10-second slot that have stopped pending, with
 *                    how long they were pending (read only to look back)
 *   R#<hour>         how many escalations of each creation minute stopped pending in each minute
 *                    of that hour (read only to look back: it says which X# and Q# items to fetch)
 *   S#status         what the tick last saw of each source's freshness (`<source>|<name>`), the
 *                    stuck-lane markers (`stuck:<source>:<lane>`), since when each alert fires
 *   C#, E#, U#, F#   one entity's state (JSON), with the lane and sequence that wrote it
 *   J#<lane>#<n>     a lane's write-back journal: the entity states its n-th journaled batch
 *                    changed (compressed JSON), until they are written to their own items
 *   K#<lane>         how far that journal is compacted (`through`)
 *
 * Every item written on the hot path is bounded: see docs/metrics-model.md, "Item sizes".
 */
export const KEY_ATTRIBUTE = 'pk';
export const TTL_ATTRIBUTE = 'expiresAt';

export const minuteItem = (minute: number): string => `M#${minute}`;
export const performanceItem = (minute: number): string => `T#${minute}`;
export const lateItem = (minute: number): string => `L#${minute}`;
export const sealedPaneItem = (paneStart: number): string => `Z#${paneStart}`;
export const hourItem = (hour: number): string => `H#${hour}`;
export const dayItem = (localDate: string): string => `D#${localDate}`;
export const GAUGES_ITEM = 'G#escalations';
export const pendingItem = (slot: number): string => `Q#${slot}`;
export const departedItem = (slot: number): string => `X#${slot}`;
export const departuresItem = (hour: number): string => `R#${hour}`;
/**
 * The tick's status, one small item: what it last saw of each source's freshness, the stuck-lane
 * markers, since when each alert fires. Every read fetches all of it, and a read pays at least half
 * a read unit per key, so it is one key, not one per source and one for the alerts.
 */
export const STATUS_ITEM = 'S#status';

/** Items that live as long as the open escalations they count: their watermarks carry a write time, so old ones can be pruned. */
export const isLongLived = (key: string): boolean => key === GAUGES_ITEM || key.startsWith('Q#');

/**
 * How far before its minute a window entry may be kept. The read fetches the 60 minute items of
 * the last hour and sums a window count from the start of its 30-minute block, so an entry may
 * sit up to 30 minutes before its own minute and still always be read.
 */
export const WINDOW_REACH_MINUTES = 30;

export const BUCKET_RETENTION_SECONDS = 49 * 3600;

// ── sealed minutes (docs/metrics-model.md, "Sealing") ──

/** Minutes per pane of sealed minutes: a read of the last hour fetches at most 3. */
export const SEAL_PANE_MINUTES = 30;
export const paneStartOf = (minute: number): number => Math.floor(minute / SEAL_PANE_MINUTES) * SEAL_PANE_MINUTES;
/** On a minute item: since when it is sealed. Writers are conditioned on its absence. */
export const SEALED_ATTRIBUTE = 'sealed';
/** In a pane: a sealed minute's facts, and the p95 of its sketch. */
export const sealedSummaryAttribute = (minute: number): string => `m${minute - paneStartOf(minute)}`;
export const sealedP95Attribute = (minute: number): string => `p${minute - paneStartOf(minute)}`;
/**
 * On the hour item of a minute: something arrived for the minute after it was sealed, so a read
 * fetches `L#<minute>` (and `M#<minute>`, whose sketch the late bins add to). Set before `L#` is
 * written, so a read never misses what `L#` holds.
 */
export const lateMarkerAttribute = (minute: number): { key: string; attribute: string } => {
  const hour = Math.floor(minute / SERIES_BLOCK_MINUTES);
  return { key: hourItem(hour), attribute: `x${minute - hour * SERIES_BLOCK_MINUTES}` };
};

export interface Placement {
  key: string;
  attribute: string;
}

/**
 * Where a counter lives. A window entry (`w|…`) may live in any minute item from 30 minutes
 * before its own minute up to it; it goes into the minute of the event that caused it (the item
 * the batch writes anyway) whenever that is allowed, so a quiet batch writes one minute item.
 */
export function placementOf(counter: CounterKey, eventMinute: number): Placement {
  const { family, at, name } = parseCounter(counter);
  switch (family) {
    case 'm':
      return { key: minuteItem(Number(at)), attribute: name };
    case 'p':
      return { key: performanceItem(Number(at)), attribute: name };
    case 'w': {
      const minute = Number(at);
      const home = eventMinute <= minute ? Math.max(eventMinute, minute - WINDOW_REACH_MINUTES) : minute;
      return { key: minuteItem(home), attribute: `${name}@${minute - home}` };
    }
    case 's': {
      const minute = Number(at);
      const hour = Math.floor(minute / SERIES_BLOCK_MINUTES);
      return { key: hourItem(hour), attribute: `${SERIES_ATTRIBUTE[name as SeriesName]}${minute - hour * SERIES_BLOCK_MINUTES}` };
    }
    case 'd': {
      const colon = name.lastIndexOf(':');
      return { key: dayItem(at), attribute: `${DAY_ATTRIBUTE[name.slice(0, colon) as DayName]}${name.slice(colon + 1)}` };
    }
    case 'g':
      return { key: GAUGES_ITEM, attribute: name };
    case 'q':
      return { key: pendingItem(Number(at)), attribute: name };
    case 'x':
      return { key: departedItem(Number(at)), attribute: name };
    case 'r': {
      // Minutes relative to the hour's start: short names, in an item every departing batch pays for whole.
      const hourStart = Number(at) * 60;
      const { createdMinute, leftMinute } = departureOf(name);
      return { key: departuresItem(Number(at)), attribute: `${createdMinute - hourStart}:${leftMinute - hourStart}` };
    }
  }
}

/** A day item holds up to 25 hours of each of these: one letter each keeps it small. */
const DAY_ATTRIBUTE: Record<DayName, string> = {
  created: 'c',
  resolved: 'r',
  servedN: 'n',
  waitMs: 'w',
  servedInSL: 's',
  failed: 'f',
  pendingChange: 'p',
  inProgressChange: 'i',
  criticalChange: 'k',
};
const DAY_NAME_OF_ATTRIBUTE = new Map(Object.entries(DAY_ATTRIBUTE).map(([name, letter]) => [letter, name]));

const SERIES_ATTRIBUTE: Record<SeriesName, string> = { live: 'l', act: 'a' };
const SERIES_OF_ATTRIBUTE: Record<string, SeriesName> = { l: 'live', a: 'act' };

/** Attributes that are bookkeeping, not counters. */
const WATERMARK_PREFIX = 'w:';
const FRESHNESS_PREFIX = 'f:';
export const PEAK_PREFIX = 'pk:';
const PEAK_VERSION_PREFIX = 'pv:';
export const VERSION_ATTRIBUTE = 'v';
const isBookkeeping = (attribute: string): boolean =>
  attribute === KEY_ATTRIBUTE ||
  attribute === SEALED_ATTRIBUTE ||
  attribute === TTL_ATTRIBUTE ||
  attribute === VERSION_ATTRIBUTE ||
  attribute.startsWith(WATERMARK_PREFIX) ||
  attribute.startsWith(FRESHNESS_PREFIX) ||
  attribute.startsWith(PEAK_PREFIX) ||
  attribute.startsWith(PEAK_VERSION_PREFIX);

/** Whether an item's attribute is one of its counters (not a key, TTL, watermark, stamp, peak or version). */
export const isCounterAttribute = (attribute: string, value: unknown): boolean => typeof value === 'number' && !isBookkeeping(attribute);

/**
 * The counters an item holds, as domain counters (window entries back at their own minute);
 * `only` keeps those of the attributes it accepts.
 */
export function countersOf(key: string, item: Record<string, unknown>, into: Map<CounterKey, number>, only?: (attribute: string) => boolean): void {
  const hash = key.indexOf('#');
  const kind = key.slice(0, hash);
  const at = key.slice(hash + 1);
  const minute = Number(at); // of the minute and hour items; NaN (unused) for the others
  // Keys from the interned builders: the read model looks the same counters up again by them.
  const add = (counter: CounterKey, value: number) => into.set(counter, (into.get(counter) ?? 0) + value);
  for (const attribute in item) {
    const value = item[attribute];
    if (typeof value !== 'number' || isBookkeeping(attribute) || (only && !only(attribute))) continue;
    switch (kind) {
      case 'M':
      case 'L': {
        if (isWindowEntryAttribute(attribute)) {
          const at_ = attribute.lastIndexOf('@');
          add(windowCounter(minute + Number(attribute.slice(at_ + 1)), attribute.slice(0, at_)), value);
        } else add(minuteCounter(minute, attribute), value);
        break;
      }
      case 'T':
        add(performanceCounter(minute, attribute), value);
        break;
      case 'H': {
        const series = SERIES_OF_ATTRIBUTE[attribute[0]!];
        if (series) add(seriesCounter(minute * SERIES_BLOCK_MINUTES + Number(attribute.slice(1)), series), value);
        break;
      }
      case 'D': {
        const name = DAY_NAME_OF_ATTRIBUTE.get(attribute[0]!);
        if (name) add(`d|${at}|${name}:${attribute.slice(1)}`, value);
        break;
      }
      case 'G':
        add(`g|${attribute}`, value);
        break;
      case 'Q':
        add(`q|${at}|${attribute}`, value);
        break;
      case 'X':
        add(`x|${at}|${attribute}`, value);
        break;
      case 'R': {
        const { createdMinute, leftMinute } = departureOf(attribute);
        add(departureCounter(minute * 60 + createdMinute, minute * 60 + leftMinute), value);
        break;
      }
    }
  }
}

/** A window entry as a minute item holds it: `<name>@<minutes after the item's minute>`. */
export const isWindowEntryAttribute = (attribute: string): boolean => attribute.lastIndexOf('@') > 0 && isWindowName(attribute);

const isWindowName = (attribute: string): boolean =>
  attribute.startsWith('lv:') || attribute.startsWith('ar:') || attribute.startsWith('uniq@') || attribute.startsWith('ret@');

/**
 * Expiry of a counter item, from its key alone so that every writer agrees; none for gauges and
 * the pending queue, and none here for the departed escalations (`renewedExpiresAt`).
 */
export function counterItemExpiresAt(key: string): number | undefined {
  if (key.startsWith('M#') || key.startsWith('T#') || key.startsWith('L#')) return (Number(key.slice(2)) + 1) * 60 + BUCKET_RETENTION_SECONDS;
  if (key.startsWith('Z#')) return (Number(key.slice(2)) + SEAL_PANE_MINUTES) * 60 + BUCKET_RETENTION_SECONDS;
  if (key.startsWith('H#') || key.startsWith('R#')) return (Number(key.slice(2)) + 1) * 3600 + BUCKET_RETENTION_SECONDS;
  // A local date starts at most 14 h before, and ends at most 12 h after, that date's UTC day.
  if (key.startsWith('D#')) return Date.parse(`${key.slice(2)}T00:00:00Z`) / 1000 + 86400 + 12 * 3600 + BUCKET_RETENTION_SECONDS;
  return undefined;
}

/**
 * Expiry of an item that every write pushes back: the departed escalations of a creation minute.
 * An escalation may leave the queue days after that minute, and a look-back needs it for 48 h
 * after it left. It leaves at most 5 minutes after the write that records it (events from the
 * future are refused), so 49 h after the item's last write covers every entry it holds.
 */
export const renewedExpiresAt = (key: string, writtenAtSeconds: number): number | undefined =>
  key.startsWith('X#') ? writtenAtSeconds + BUCKET_RETENTION_SECONDS : undefined;

// ── lanes and watermarks ──

/**
 * A lane is `<stream name>/<shard id>`. On items it is written short — a 4-character hash of the
 * stream and the shard's number — because every counter item carries one watermark per lane.
 */
export function shortLane(lane: string): string {
  const slash = lane.lastIndexOf('/');
  const stream = lane.slice(0, slash);
  const shard = lane.slice(slash + 1).replace(/^\D+/, '');
  let hash = 2166136261;
  for (let i = 0; i < stream.length; i++) hash = Math.imul(hash ^ stream.charCodeAt(i), 16777619) >>> 0;
  return `${hash.toString(36).padStart(7, '0').slice(-4)}${Number(shard || 0).toString(36)}`;
}

export const watermarkAttribute = (lane: string): string => `${WATERMARK_PREFIX}${shortLane(lane)}`;

export const journalItem = (lane: string, n: number): string => `J#${shortLane(lane)}#${n}`;
export const compactionItem = (lane: string): string => `K#${shortLane(lane)}`;
/** On `J#`: the entries, deflated JSON. On `K#`: the last journal entry whose states are all in entity items. */
export const JOURNAL_BODY_ATTRIBUTE = 'z';
export const COMPACTED_THROUGH_ATTRIBUTE = 'through';

/**
 * Kinesis sequence numbers are decimal strings of up to 56 digits, beyond DynamoDB's 38-digit
 * numbers. Written in base 36 at a fixed width of 36 characters, they compare correctly as
 * strings inside condition expressions.
 */
const WATERMARK_WIDTH = 36;
export function watermarkOf(seq: string): string {
  if (!/^\d{1,56}$/.test(seq)) throw new RangeError(`not a sequence number: ${seq}`);
  return BigInt(seq).toString(36).padStart(WATERMARK_WIDTH, '0');
}

/** On long-lived items a watermark also says when it was written, so the tick can prune it once its shard is drained. */
export const watermarkValue = (key: string, seq: string, writtenAtSeconds: number): string =>
  isLongLived(key) ? `${watermarkOf(seq)}@${writtenAtSeconds}` : watermarkOf(seq);
export const watermarkSequence = (value: string): string => value.split('@')[0] ?? '';
export const watermarkWrittenAt = (value: string): number => Number(value.split('@')[1] ?? Number.NaN);
export const isWatermark = (attribute: string): boolean => attribute.startsWith(WATERMARK_PREFIX);

// ── freshness and peaks ──

export const freshnessAttribute = (source: string, lane: string): string => `${FRESHNESS_PREFIX}${source}:${shortLane(lane)}`;
export const freshnessValue = (stamp: { newestEventAt: number; appliedAt: number; lagMs: number }): string =>
  `${stamp.newestEventAt}|${stamp.appliedAt}|${stamp.lagMs}`;

/** Whether an item's attribute is a lane's freshness stamp. */
export const isFreshnessStamp = (attribute: string, value: unknown): value is string => attribute.startsWith(FRESHNESS_PREFIX) && typeof value === 'string';

/** A stamp's value read back (the inverse of `freshnessValue`). */
export function stampOf(value: string): { newestEventAt: number; appliedAt: number; lagMs: number } {
  const [newestEventAt, appliedAt, lagMs] = value.split('|').map(Number);
  return { newestEventAt: newestEventAt ?? 0, appliedAt: appliedAt ?? 0, lagMs: lagMs ?? 0 };
}

/** Freshness stamps of an item: per source and short lane. */
export function freshnessOf(item: Record<string, unknown>): { source: string; lane: string; newestEventAt: number; appliedAt: number; lagMs: number }[] {
  const stamps = [];
  // Every item of a read passes through here, stamps or not: no entries array per item.
  for (const attribute in item) {
    const value = item[attribute];
    if (!isFreshnessStamp(attribute, value)) continue;
    const [source = '', lane = ''] = attribute.slice(FRESHNESS_PREFIX.length).split(':');
    stamps.push({ source, lane, ...stampOf(value) });
  }
  return stamps;
}

export const peakAttributes = (hour: number): { peak: string; version: string } => ({
  peak: `${PEAK_PREFIX}${hour}`,
  version: `${PEAK_VERSION_PREFIX}${hour}`,
});

export const STUCK_PREFIX = 'stuck:';
/** A stuck-lane marker on the status item; `laneId` is the lane as items spell it (`shortLane`). */
export const stuckAttribute = (source: string, laneId: string): string => `${STUCK_PREFIX}${source}:${laneId}`;
export const stuckValue = (stuck: { oldestEnteredAt: number; failedAt: number }): string => `${stuck.oldestEnteredAt}|${stuck.failedAt}`;

/** The stuck-lane markers of the status item, read back (the inverse of `stuckAttribute` and `stuckValue`); lanes as items spell them. */
export function stuckMarkersOf(status: Record<string, unknown>): { source: string; lane: string; oldestEnteredAt: number; failedAt: number }[] {
  const markers = [];
  for (const [attribute, value] of Object.entries(status)) {
    if (!attribute.startsWith(STUCK_PREFIX) || typeof value !== 'string') continue;
    const [source = '', lane = ''] = attribute.slice(STUCK_PREFIX.length).split(':');
    const [oldestEnteredAt, failedAt] = value.split('|').map(Number);
    markers.push({ source, lane, oldestEnteredAt: oldestEnteredAt ?? 0, failedAt: failedAt ?? 0 });
  }
  return markers;
}
export const ALERT_SINCE_PREFIX = 'since:';
/** What the tick last saw of a source's freshness, on the status item. */
export const knownFreshnessAttribute = (source: string, name: string): string => `${source}|${name}`;
