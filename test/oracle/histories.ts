/**
 * fast-check arbitraries of realistic random event histories around a frozen read time `T`,
 * for comparing the production numbers with the oracle.
 *
 * A history is the in-order stream (sorted by `occurredAt`, then `eventId`) of every fact,
 * each once. `redeliveredArb` turns it into what Lambda may deliver: duplicates, any order.
 *
 * What gets drawn:
 * - `T`: any instant of 2024–2026, or just after a local midnight (so histories cross a day
 *   boundary), or any time on a DST-change day; the zone from `TIME_ZONES`.
 * - Event times: up to ~30 h before `T`, weighted towards the windows (5 min, 60 min), with
 *   exact minute / ten-second / midnight boundaries, and some in `T`'s own minute, possibly
 *   after `T` (nothing in a later minute). Some instants are written with a non-`Z` offset.
 * - Conversations: `en`/`es`/other languages, users from a small shared pool (so users return
 *   across days), anonymous ones without `userId`, some without region; messages (user and bot,
 *   bot mostly with `processingTimeMs`), activity events (some before the start), ends; some
 *   with no start at all (end/messages only), some started twice with another time (a
 *   producer's retry, same attributes).
 * - Escalations: created (some twice), assigned (0–2 times, some exactly 120 s ± 1 ms after the
 *   creation), resolved or failed (some failed, then resolved), skipping states (created→resolved, created→failed),
 *   transitions without a creation; priorities including the legacy `urgent` (normalised to
 *   `critical` by the canonical schema); every third id holds a `|`.
 * - Telemetry: `request.completed` (2xx/4xx/5xx), `system.sample` with and without
 *   `networkLatencyMs`, `function.invocation` with errors and throttles.
 *
 * Every drawn number that is averaged (processing times, durations, percents, latencies) is a
 * multiple of 1/4: such sums are exact in floating point whatever their order, so a mean
 * computed by a different summation order gives the very same double.
 *
 * Every event is built as a producer would send it (`CanonicalEventInput`) and then parsed
 * through `canonicalEventSchema`, so the history holds exactly what the intake would accept.
 */
import fc from 'fast-check';
import { canonicalEventSchema, type CanonicalEvent, type CanonicalEventInput } from '../../schemas/canonical-events';
import { localDayStartMs, MINUTE_MS, minuteOf, TEN_SECONDS_MS, tenSecondsOf } from './oracle';

export const TIME_ZONES = ['UTC', 'America/Chicago', 'Europe/Madrid'] as const;

export interface History {
  events: CanonicalEvent[];
  at: Date;
  timeZone: string;
}

export interface HistoryOptions {
  /** default 4 */
  maxConversations?: number;
  /** default 3 */
  maxMessagesPerConversation?: number;
  /** default 1 */
  maxActivitiesPerConversation?: number;
  /** default 4 */
  maxEscalations?: number;
  /** request / sample / invocation events; default 12 */
  maxTelemetry?: number;
  /** distinct `userId`s shared by the conversations; default 3 */
  userPoolSize?: number;
  /** default `TIME_ZONES` */
  timeZones?: readonly string[];
  /** producers' retries with another time (second start, second creation); default true */
  retries?: boolean;
  /** write some `occurredAt` with a non-`Z` offset; default true */
  offsetTimestamps?: boolean;
  /** leave about half the escalations waiting (no assignment, no closing): a queue longer than the desk lists; default false */
  busyDesk?: boolean;
}

/**
 * The defaults give at most 60 events: 4 conversations × 7 (two starts, three messages, one
 * activity, one end) + 4 escalations × 5 (two creations, two assignments, one closing) + 12.
 */
export const SMALL_HISTORY: Required<Omit<HistoryOptions, 'timeZones'>> = {
  maxConversations: 4,
  maxMessagesPerConversation: 3,
  maxActivitiesPerConversation: 1,
  maxEscalations: 4,
  maxTelemetry: 12,
  userPoolSize: 3,
  retries: true,
  offsetTimestamps: true,
  busyDesk: false,
};

/** A bigger preset: up to a few thousand events. */
export const LARGE_HISTORY: HistoryOptions = {
  maxConversations: 150,
  maxMessagesPerConversation: 8,
  maxActivitiesPerConversation: 3,
  maxEscalations: 40,
  maxTelemetry: 400,
  userPoolSize: 40,
};

const HOUR_MS = 3_600_000;

/** `fc.oneof` entry with a weight. */
const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>): fc.WeightedArbitrary<T> => ({ weight, arbitrary });

/** A multiple of 1/4 in `[min, max]`. */
const quarters = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: Math.round(min * 4), max: Math.round(max * 4) }).map((q) => q / 4);

const sometimes = <T>(arb: fc.Arbitrary<T>, weightOfValue: number, weightOfNone: number): fc.Arbitrary<T | undefined> =>
  fc.oneof(w(weightOfNone, fc.constant(undefined)), w(weightOfValue, arb));

const bool = (weightTrue: number, weightFalse: number): fc.Arbitrary<boolean> => fc.oneof(w(weightFalse, fc.constant(false)), w(weightTrue, fc.constant(true)));

// ───────────────────────────── T ─────────────────────────────

/** Days on which the clocks change in America/Chicago or Europe/Madrid (23- or 25-hour days). */
const DST_DAYS = [
  '2024-03-10T12:00:00Z',
  '2024-03-31T12:00:00Z',
  '2024-10-27T12:00:00Z',
  '2024-11-03T12:00:00Z',
  '2025-03-09T12:00:00Z',
  '2025-03-30T12:00:00Z',
  '2025-10-26T12:00:00Z',
  '2025-11-02T12:00:00Z',
].map((iso) => Date.parse(iso));

export const readTimeArb = (timeZones: readonly string[] = TIME_ZONES): fc.Arbitrary<{ at: Date; timeZone: string }> =>
  fc.constantFrom(...timeZones).chain((timeZone) => {
    const anyInstant = fc
      .date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-12-31T23:59:59.999Z'), noInvalidDate: true })
      .map((d) => d.getTime());
    const justAfterMidnight = fc.tuple(anyInstant, fc.integer({ min: 0, max: 20 * MINUTE_MS })).map(([t, after]) => localDayStartMs(t, timeZone) + after);
    const onDstDay = fc
      .tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: 0, max: 23 * HOUR_MS }))
      .map(([noon, after]) => localDayStartMs(noon, timeZone) + after);
    return fc.oneof(w(4, anyInstant), w(4, justAfterMidnight), w(1, onDstDay)).map((ms) => ({ at: new Date(ms), timeZone }));
  });

// ───────────────────────────── instants ─────────────────────────────

interface Frame {
  T: number;
  /** the last instant of T's minute: no event is later */
  lastMs: number;
  /** the earliest instant drawn */
  firstMs: number;
  dayStart: number;
}

const frameOf = (T: number, timeZone: string): Frame => ({
  T,
  lastMs: (minuteOf(T) + 1) * MINUTE_MS - 1,
  firstMs: T - 30 * HOUR_MS,
  dayStart: localDayStartMs(T, timeZone),
});

const clamp = (f: Frame, ms: number): number => Math.min(Math.max(ms, f.firstMs), f.lastMs);

/** An event time around T: mostly in the windows, some far back, some exactly on a boundary. */
const instantArb = (f: Frame): fc.Arbitrary<number> => {
  const mT = minuteOf(f.T);
  const tsT = tenSecondsOf(f.T);
  const back = (maxMs: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: maxMs }).map((d) => f.T - d);
  const boundaries = [
    // first and last instant of the minutes at the edges of W_5, W_30, W_60 and of T's minute
    ...[0, 4, 5, 29, 30, 59, 60].flatMap((k) => [(mT - k) * MINUTE_MS, (mT - k + 1) * MINUTE_MS - 1]),
    // edges of "the last minute" (six ten-second buckets)
    (tsT - 5) * TEN_SECONDS_MS,
    (tsT - 5) * TEN_SECONDS_MS - 1,
    // local midnight
    f.dayStart,
    f.dayStart - 1,
  ].map((ms) => clamp(f, ms));
  return fc.oneof(
    w(4, back(6 * MINUTE_MS)),
    w(3, back(70 * MINUTE_MS)),
    w(3, back(30 * HOUR_MS)),
    w(1, fc.integer({ min: mT * MINUTE_MS, max: f.lastMs })), // T's own minute, maybe after T
    w(2, fc.constantFrom(...boundaries)),
  );
};

/** A later time: a gap after `from`, mostly short. */
const gapArb = fc.oneof(
  w(5, fc.integer({ min: 0, max: 5 * MINUTE_MS })),
  w(3, fc.integer({ min: 0, max: 45 * MINUTE_MS })),
  w(1, fc.integer({ min: 0, max: 3 * HOUR_MS })),
);

/** A non-`Z` offset in minutes, or 0 for `Z`. */
const offsetArb = (enabled: boolean): fc.Arbitrary<number> =>
  enabled ? fc.oneof(w(6, fc.constant(0)), w(1, fc.constantFrom(-360, -300, 60, 120, 330))) : fc.constant(0);

/** ISO-8601 of the instant, written with the given UTC offset (minutes). */
export const isoWithOffset = (ms: number, offsetMinutes: number): string => {
  if (offsetMinutes === 0) return new Date(ms).toISOString();
  const local = new Date(ms + offsetMinutes * MINUTE_MS).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
};

// ───────────────────────────── specs ─────────────────────────────

/** An event before it has an id and a written time. */
type Draft = { ms: number; offset: number; input: DistributiveOmit<CanonicalEventInput, 'eventId' | 'occurredAt'> };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

// A few labels outside the default allow-lists (config/label-lists.ts): they must count as `other`.
const LANGUAGES = fc.oneof(w(5, fc.constant('en')), w(4, fc.constant('es')), w(1, fc.constantFrom('fr', 'pt', 'zh', 'xx', 'tlh')));
const REGIONS = fc.constantFrom('US-TX', 'US-CA', 'US-FL', 'US-NY', 'PR', 'Mars-1', 'EU-DE');

const processingTimeArb = fc.oneof(w(6, quarters(40, 2500)), w(1, quarters(2500, 9000)));

const conversationArb = (f: Frame, o: Required<Omit<HistoryOptions, 'timeZones'>>, index: number) =>
  fc
    .record({
      start: instantArb(f),
      startKnown: bool(9, 1),
      retryStartShift: o.retries ? sometimes(fc.integer({ min: -20 * MINUTE_MS, max: 20 * MINUTE_MS }), 1, 8) : fc.constant(undefined),
      userId: fc.oneof(
        w(
          3,
          fc.integer({ min: 0, max: Math.max(o.userPoolSize - 1, 0) }).map((i) => `user-${i}`),
        ),
        w(1, fc.constant(undefined)),
      ),
      language: LANGUAGES,
      region: sometimes(REGIONS, 3, 1),
      messages: fc.array(
        fc.record({
          gap: gapArb,
          sender: fc.constantFrom('user', 'bot') as fc.Arbitrary<'user' | 'bot'>,
          processingTimeMs: sometimes(processingTimeArb, 5, 1),
          offset: offsetArb(o.offsetTimestamps),
        }),
        { maxLength: o.maxMessagesPerConversation },
      ),
      activities: fc.array(
        fc.record({
          // some activity is timed before the start
          shift: fc.oneof(w(4, gapArb), w(1, fc.integer({ min: -10 * MINUTE_MS, max: 0 }))),
          offset: offsetArb(o.offsetTimestamps),
        }),
        { maxLength: o.maxActivitiesPerConversation },
      ),
      end: fc.oneof(w(5, fc.constant(undefined)), w(4, fc.integer({ min: 0, max: 20 * MINUTE_MS }))),
      offset: offsetArb(o.offsetTimestamps),
    })
    .map(({ start, startKnown, retryStartShift, userId, language, region, messages, activities, end, offset }) => {
      const conversationId = `conv-${index}`;
      const drafts: Draft[] = [];
      const started = {
        type: 'conversation.started' as const,
        conversationId,
        language,
        ...(userId === undefined ? {} : { userId }),
        ...(region === undefined ? {} : { region }),
      };
      if (startKnown) {
        drafts.push({ ms: start, offset, input: started });
        if (retryStartShift !== undefined) drafts.push({ ms: clamp(f, start + retryStartShift), offset, input: started });
      }
      let last = start;
      messages.forEach((m, i) => {
        const ms = clamp(f, start + m.gap);
        last = Math.max(last, ms);
        // user messages rarely carry a processing time; it must never count as a response time
        const processingTimeMs = m.sender === 'bot' || i % 3 === 2 ? m.processingTimeMs : undefined;
        drafts.push({
          ms,
          offset: m.offset,
          input: {
            type: 'message.sent',
            conversationId,
            messageId: `${conversationId}-msg-${i}`,
            sender: m.sender,
            ...(processingTimeMs === undefined ? {} : { processingTimeMs }),
          },
        });
      });
      for (const a of activities) {
        const ms = clamp(f, start + a.shift);
        last = Math.max(last, ms);
        drafts.push({ ms, offset: a.offset, input: { type: 'conversation.activity', conversationId } });
      }
      if (end !== undefined) {
        drafts.push({ ms: clamp(f, last + end), offset, input: { type: 'conversation.ended', conversationId } });
      }
      return drafts;
    });

const escalationArb = (f: Frame, o: Required<Omit<HistoryOptions, 'timeZones'>>, index: number) =>
  fc
    .record({
      created: instantArb(f),
      createdKnown: bool(9, 1),
      retryCreateShift: o.retries ? sometimes(fc.integer({ min: -5 * MINUTE_MS, max: 5 * MINUTE_MS }), 1, 8) : fc.constant(undefined),
      priority: fc.oneof(
        w(3, fc.constantFrom('low', 'medium', 'high') as fc.Arbitrary<'low' | 'medium' | 'high'>),
        w(1, fc.constant('critical' as const)),
        w(1, fc.constant('urgent' as const)),
      ),
      conversation: sometimes(fc.nat({ max: 9 }), 3, 1),
      // some waits right at the default service level (120 s): within, and one millisecond either side
      assignGaps: fc.array(fc.oneof(w(6, fc.integer({ min: 0, max: 15 * MINUTE_MS })), w(1, fc.constantFrom(119_999, 120_000, 120_001))), { maxLength: 2 }),
      closing: fc.oneof(
        w(3, fc.constant(undefined)),
        w(3, fc.record({ kind: fc.constant('resolved' as const), gap: gapArb })),
        w(1, fc.record({ kind: fc.constant('failed' as const), gap: gapArb })),
        // failed, then resolved after all (resolved wins): in place of a second assignment
        w(1, fc.record({ kind: fc.constant('failedThenResolved' as const), gap: gapArb, resolvedGap: gapArb })),
      ),
      offset: offsetArb(o.offsetTimestamps),
      waiting: o.busyDesk ? fc.boolean() : fc.constant(false),
    })
    .map(({ created, createdKnown, retryCreateShift, priority, conversation, assignGaps: gaps, closing: close, offset, waiting }) => {
      const assignGaps = waiting ? [] : close?.kind === 'failedThenResolved' ? gaps.slice(0, 1) : gaps;
      const closing = waiting ? undefined : close;
      // an id may hold the `|` that the store's queue entries are written with
      const escalationId = index % 3 === 2 ? `esc|${index}` : `esc-${index}`;
      const drafts: Draft[] = [];
      const createdInput = {
        type: 'escalation.created' as const,
        escalationId,
        priority,
        ...(conversation === undefined ? {} : { conversationId: `conv-${conversation}` }),
      };
      if (createdKnown) {
        drafts.push({ ms: created, offset, input: createdInput });
        if (retryCreateShift !== undefined) {
          drafts.push({ ms: clamp(f, created + retryCreateShift), offset, input: createdInput });
        }
      }
      let last = created;
      for (const gap of assignGaps) {
        const ms = clamp(f, created + gap);
        last = Math.max(last, ms);
        drafts.push({ ms, offset, input: { type: 'escalation.assigned', escalationId } });
      }
      if (closing !== undefined) {
        const type = closing.kind === 'resolved' ? ('escalation.resolved' as const) : ('escalation.failed' as const);
        const closedAt = clamp(f, last + closing.gap);
        drafts.push({ ms: closedAt, offset, input: { type, escalationId } });
        if (closing.kind === 'failedThenResolved') {
          drafts.push({ ms: clamp(f, closedAt + closing.resolvedGap), offset, input: { type: 'escalation.resolved', escalationId } });
        }
      }
      return drafts;
    });

const telemetryArb = (f: Frame, o: Required<Omit<HistoryOptions, 'timeZones'>>): fc.Arbitrary<Draft> => {
  const request = fc.record({
    type: fc.constant('request.completed' as const),
    service: fc.constantFrom('chat', 'escalation', 'admin-api'),
    latencyMs: quarters(2, 4000),
    statusCode: fc.oneof(w(8, fc.constantFrom(200, 201, 204)), w(2, fc.constantFrom(400, 404, 429)), w(2, fc.constantFrom(500, 502, 503, 504))),
  });
  const sample = fc
    .record({
      source: fc.constantFrom('chat-host-1', 'chat-host-2'),
      cpuPercent: fc.oneof(w(4, quarters(0, 85)), w(1, quarters(85, 100))),
      memoryPercent: quarters(0, 100),
      diskPercent: quarters(0, 100),
      networkLatencyMs: sometimes(quarters(0, 400), 2, 1),
    })
    .map(({ networkLatencyMs, ...rest }) => ({
      type: 'system.sample' as const,
      ...rest,
      ...(networkLatencyMs === undefined ? {} : { networkLatencyMs }),
    }));
  const invocation = fc.record({
    type: fc.constant('function.invocation' as const),
    functionName: fc.constantFrom('ada-clara-chat', 'ada-clara-escalation', 'ada-clara-ingest', 'someone-elses-function'),
    durationMs: quarters(1, 6000),
    error: bool(1, 6),
    throttled: bool(1, 8),
  });
  return fc
    .record({
      ms: instantArb(f),
      offset: offsetArb(o.offsetTimestamps),
      input: fc.oneof(w(3, request), w(2, sample), w(2, invocation)) as fc.Arbitrary<Draft['input']>,
    })
    .map((d): Draft => d);
};

/** Gives the drafts their ids and written times, parses them, and sorts them in time order. */
const finish = (drafts: readonly Draft[]): CanonicalEvent[] => {
  const events = drafts.map((d, i) =>
    canonicalEventSchema.parse({
      ...d.input,
      eventId: `evt-${String(i).padStart(5, '0')}`,
      occurredAt: isoWithOffset(d.ms, d.offset),
    }),
  );
  return events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || (a.eventId < b.eventId ? -1 : 1));
};

/** A random history around a random read time (see the file comment). */
export function historyArb(options: HistoryOptions = {}): fc.Arbitrary<History> {
  const { timeZones = TIME_ZONES, ...rest } = options;
  const o = { ...SMALL_HISTORY, ...rest };
  return readTimeArb(timeZones).chain(({ at, timeZone }) => {
    const f = frameOf(at.getTime(), timeZone);
    const conversations = fc
      .integer({ min: 0, max: o.maxConversations })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => conversationArb(f, o, i))));
    const escalations = fc.integer({ min: 0, max: o.maxEscalations }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => escalationArb(f, o, i))));
    const telemetry = fc.array(telemetryArb(f, o), { maxLength: o.maxTelemetry });
    return fc.tuple(conversations, escalations, telemetry).map(([cs, es, ts]) => ({
      events: finish([...cs.flat(), ...es.flat(), ...ts]),
      at,
      timeZone,
    }));
  });
}

/**
 * What Lambda may deliver for these events: every event at least once, some of them again
 * (exact copies, up to three deliveries in all), in any order.
 */
export function redeliveredArb(events: readonly CanonicalEvent[]): fc.Arbitrary<CanonicalEvent[]> {
  if (events.length === 0) return fc.constant([]);
  const copies = fc.array(fc.constantFrom(...events), { maxLength: Math.max(1, Math.ceil(events.length / 2)) });
  return fc.tuple(copies, copies).chain(([a, b]) => {
    const delivered = [...events, ...a, ...b].map((e) => structuredClone(e));
    return fc.shuffledSubarray(delivered, { minLength: delivered.length, maxLength: delivered.length });
  });
}

/** A history together with one way it may be delivered (`delivered`: duplicates, any order). */
export function historyWithRedeliveryArb(options: HistoryOptions = {}): fc.Arbitrary<History & { delivered: CanonicalEvent[] }> {
  return historyArb(options).chain((h) => redeliveredArb(h.events).map((delivered) => ({ ...h, delivered })));
}
