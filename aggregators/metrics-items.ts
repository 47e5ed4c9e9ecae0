/**
 * The items of the metrics table and the counters they hold — the one place that names them.
 * Aggregators write deltas to these names; the read model reads them back.
 *
 *   M#<minute>      one per UTC minute: event counts, sums and sketch bins of that minute, and
 *                   the window counters (live, active, unique, returning) of windows ending there
 *   D#<local date>  one per day in METRICS_TIME_ZONE: escalations created/resolved/served, and
 *                   `active` per minute of the day (for the day's peak)
 *   G#escalations   the open-escalation gauges
 *   C#, E#, U#      per-entity state: conversations, escalations, users
 *   F#<eventId>     a telemetry fact that came without a sequence number (EventBridge)
 *   S#<source>      freshness of a transport; A#alerts: since when each alert fires
 */
export const KEY_ATTRIBUTE = 'pk';
export const TTL_ATTRIBUTE = 'expiresAt';

export const minuteKey = (minute: number): string => `M#${minute}`;
export const dayKey = (localDate: string): string => `D#${localDate}`;
export const ESCALATION_GAUGES_KEY = 'G#escalations';
export const conversationKey = (id: string): string => `C#${id}`;
export const escalationKey = (id: string): string => `E#${id}`;
export const userKey = (id: string): string => `U#${id}`;
export const factKey = (eventId: string): string => `F#${eventId}`;
export const freshnessKey = (source: string): string => `S#${source}`;
export const ALERT_STATE_KEY = 'A#alerts';

export type EntityKind = 'conversation' | 'escalation' | 'user' | 'fact';

/** Counter names. Sums of non-integers are kept in thousandths so that adding them is exact. */
export const Counter = {
  // minute items: facts of the minute
  messages: 'msg',
  botMessagesTimed: 'botN',
  botProcessingMilli: 'botSum',
  responseBin: (bin: string) => `h:${bin}`,
  requests: 'req',
  serverErrors: 'req5xx',
  samples: 'smp',
  cpuMilli: 'cpu',
  memoryMilli: 'mem',
  diskMilli: 'disk',
  latencySamples: 'netN',
  latencyMilli: 'net',
  functionInvocations: (name: string) => `fn:${name}:n`,
  functionErrors: (name: string) => `fn:${name}:e`,
  functionThrottles: (name: string) => `fn:${name}:t`,
  functionDurationMilli: (name: string) => `fn:${name}:d`,
  startsInTenSeconds: (slot: number) => `s10:${slot}`,
  endedConversations: 'endN',
  endedDurationMs: 'durMs',
  // minute items: Clara Pulse's own DynamoDB calls (units in thousandths)
  storeReadMilliUnits: 'ddb:r',
  storeWriteMilliUnits: 'ddb:w',
  storeThrottled: 'ddb:thr',
  storeSucceeded: 'ddb:ok',
  // minute items: window counters of the windows that end in this minute
  live: 'live',
  liveByLanguage: (language: string) => `lv:${language}`,
  active: 'act',
  activeByRegion: (region: string) => `ar:${region}`,
  uniqueUsers: 'uniq',
  returningUsers: 'ret',
  // day items
  escalationsCreated: 'created',
  escalationsResolved: 'resolved',
  escalationsServed: 'servedN',
  waitMs: 'waitMs',
  activeInMinute: (minute: number) => `a:${minute}`,
  // escalation gauges
  pending: 'pend',
  inProgress: 'prog',
  criticalOpen: 'crit',
  pendingCreatedAt: (epochMs: number) => `p:${epochMs}`,
} as const;

/** Prefixes the read model scans for inside one item. */
export const CounterPrefix = {
  responseBin: 'h:',
  function: 'fn:',
  liveByLanguage: 'lv:',
  activeByRegion: 'ar:',
  activeInMinute: 'a:',
  pendingCreatedAt: 'p:',
  startsInTenSeconds: 's10:',
  laneWatermark: 'w:',
} as const;

/** How long buckets stay readable: SPEC §1 asks for at least 48 h. */
export const BUCKET_RETENTION_SECONDS = 49 * 3600;
export const CONVERSATION_RETENTION_SECONDS = 14 * 86400;
export const USER_RETENTION_SECONDS = 400 * 86400;
export const FACT_RETENTION_SECONDS = 3 * 86400;

/**
 * Counters of one item are written in groups, each guarded by its own lane watermark, so that
 * no update expression outgrows DynamoDB's 4 KB limit however wide a batch reaches (a backfill
 * of a day in one batch touches every minute of it). The families that grow with the data are
 * split into fixed ranges: sketch bins by 200 bins (a factor of ~25 in value), the day item's
 * per-minute `a:` counters by hour, the pending-escalation `p:` counters by hour of creation.
 * Everything else — a few dozen counters, plus four per function name — stays together.
 */
export function counterGroupOf(counter: string): string {
  const [family, rest = ''] = counter.split(':', 2);
  switch (`${family}:`) {
    case CounterPrefix.responseBin:
      return rest === 'z' ? ':h0' : `:h${Math.floor(Number(rest) / 200)}`;
    case CounterPrefix.activeInMinute:
      return `:a${Math.floor(Number(rest) / 60)}`;
    case CounterPrefix.pendingCreatedAt:
      return `:p${Math.floor(Number(rest) / 3_600_000)}`;
    default:
      return '';
  }
}

export const laneWatermarkAttribute = (lane: string, group: string): string => `${CounterPrefix.laneWatermark}${lane}${group}`;

/** Expiry of a counter item, from its key alone so that every writer agrees; none for gauges. */
export function counterItemExpiresAt(key: string): number | undefined {
  if (key.startsWith('M#')) return (Number(key.slice(2)) + 1) * 60 + BUCKET_RETENTION_SECONDS;
  // A local date starts at most 14 h before, and ends at most 12 h after, that date's UTC day.
  if (key.startsWith('D#')) return Date.parse(`${key.slice(2)}T00:00:00Z`) / 1000 + 86400 + 12 * 3600 + BUCKET_RETENTION_SECONDS;
  return undefined;
}
