import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type CounterKey,
  DAY_NAMES,
  dayCounter,
  departedEntryCounter,
  departureCounter,
  GaugeName,
  gaugeCounter,
  MinuteName,
  minuteCounter,
  PerformanceName,
  performanceCounter,
  pendingEntryCounter,
  queueSlotOf,
  seriesCounter,
  WindowName,
  windowCounter,
} from '../../aggregators/counters';
import type { CounterUnit } from '../../aggregators/fold-lane';
import { DEFAULT_LABEL_LISTS, OVERFLOW_LABEL } from '../../config/label-lists';
import { binOf } from '../../aggregators/quantile-sketch';
import { createTable } from '../../local/engines';
import { buildDocument } from '../../read-model/build-document';
import { DEFAULT_ALERT_THRESHOLDS } from '../../schemas/alert-rules';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import { dayItem, departedItem, hourItem, minuteItem, pendingItem } from '../../store/layout';
import { testClients } from '../support/engines';

const { dynamo } = testClients();
const AT = Date.parse('2026-03-10T10:30:20Z');
const MINUTE = Math.floor(AT / 60_000);
const MESSAGES = minuteCounter(MINUTE, MinuteName.messages);

async function freshStore(): Promise<{ store: DynamoDbMetricsStore; tableName: string }> {
  const tableName = `store-test-${Math.random().toString(36).slice(2, 10)}`;
  await createTable(dynamo, tableName);
  return { store: new DynamoDbMetricsStore({ client: dynamo, tableName, now: () => AT }), tableName };
}

const unit = (seq: string, deltas: [CounterKey, number][], minute = MINUTE): CounterUnit => ({ seq, minute, deltas: new Map(deltas) });
const messages = (seq: string, amount: number) => unit(seq, [[MESSAGES, amount]]);
/** An escalation entering the queue at `createdAt`, as the fold counts it. */
const pendingEscalation = (seq: string, createdAt: number, priority: string, id: string): CounterUnit =>
  unit(seq, [
    [gaugeCounter(GaugeName.pending), 1],
    [gaugeCounter(GaugeName.pendingInSlot(queueSlotOf(createdAt))), 1],
    [pendingEntryCounter(createdAt, priority, id), 1],
  ]);
/** An escalation that was pending from `createdAt` until minute `leftMinute`, as the fold counts it once it left. */
const departedEscalation = (seq: string, createdAt: number, leftMinute: number, id: string): CounterUnit => {
  const createdMinute = Math.floor(createdAt / 60_000);
  return unit(seq, [
    [departedEntryCounter(createdAt, 'low', id), leftMinute - createdMinute],
    [departureCounter(createdMinute, leftMinute), 1],
  ]);
};
const counter = async (store: DynamoDbMetricsStore, key: CounterKey) => (await store.readSnapshot(AT, 'UTC')).counters.get(key) ?? 0;

async function itemBytes(tableName: string, key: string): Promise<number> {
  const item = (await dynamo.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }))).Item;
  return item ? JSON.stringify(unmarshall(item)).length : 0;
}

describe('DynamoDbMetricsStore.applyCounters', () => {
  it('adds each unit of a lane once, however the retries overlap', async () => {
    const { store } = await freshStore();

    // A batch, the same batch again, a bisected half of it, then a retry that overlaps and goes further.
    await store.applyCounters('pulse/shardId-1', [messages('10', 1), messages('11', 2)], []);
    await store.applyCounters('pulse/shardId-1', [messages('10', 1), messages('11', 2)], []);
    await store.applyCounters('pulse/shardId-1', [messages('10', 1)], []);
    await store.applyCounters('pulse/shardId-1', [messages('11', 2), messages('12', 4)], []);

    expect(await counter(store, MESSAGES)).toBe(7);
  });

  it('keeps lanes apart: another shard at a lower sequence number still counts', async () => {
    const { store } = await freshStore();
    await store.applyCounters('pulse/shardId-1', [messages('900', 1)], []);
    await store.applyCounters('pulse/shardId-2', [messages('5', 10)], []);
    await store.applyCounters('telemetry/shardId-1', [messages('5', 100)], []);
    expect(await counter(store, MESSAGES)).toBe(111);
  });

  it('compares sequence numbers longer than a double can hold', async () => {
    const { store } = await freshStore();
    const low = '49545115243490985018280067714973144582180062593244200961';
    const high = '49545115243490985018280067714973144582180062593244200962';
    await store.applyCounters('pulse/shardId-1', [messages(low, 1)], []);
    await store.applyCounters('pulse/shardId-1', [messages(low, 1), messages(high, 1)], []);
    expect(await counter(store, MESSAGES)).toBe(2);
  });

  it('keeps the window entries of a quiet batch in the minute it writes anyway', async () => {
    const { store, tableName } = await freshStore();
    // A conversation active again this minute moves the end of its live and active runs.
    const later = unit('1', [
      [windowCounter(MINUTE + 29, WindowName.liveByLanguage('en')), 1],
      [windowCounter(MINUTE + 30, WindowName.liveByLanguage('en')), -1],
      [windowCounter(MINUTE + 4, WindowName.activeByRegion('US-TX')), 1],
      [windowCounter(MINUTE + 5, WindowName.activeByRegion('US-TX')), -1],
      [MESSAGES, 1],
    ]);
    const before = store.usage.requests;
    await store.applyCounters('pulse/shardId-1', [later], []);
    expect(store.usage.requests - before).toBe(1);
    expect(await itemBytes(tableName, minuteItem(MINUTE))).toBeGreaterThan(0);
    expect(await itemBytes(tableName, minuteItem(MINUTE + 30))).toBe(0);
  });

  it('hands back the whole hour of the active total after writing it, with a version that grows', async () => {
    const { store } = await freshStore();
    const first = await store.applyCounters('pulse/shardId-1', [unit('1', [[seriesCounter(MINUTE, 'act'), 1]])], []);
    const second = await store.applyCounters('pulse/shardId-2', [unit('1', [[seriesCounter(MINUTE + 5, 'act'), -1]])], []);
    expect(first).toEqual([{ hour: Math.floor(MINUTE / 60), version: 1, entries: new Map([[MINUTE, 1]]), previous: new Map() }]);
    expect(second[0]!.version).toBe(2);
    expect(second[0]!.previous).toEqual(new Map([[MINUTE, 1]]));
    expect([...second[0]!.entries]).toEqual([
      [MINUTE, 1],
      [MINUTE + 5, -1],
    ]);
  });

  it('lets the freshness of a batch ride on the minute item it writes', async () => {
    const { store } = await freshStore();
    const before = store.usage.requests;
    await store.applyCounters(
      'pulse/shardId-1',
      [messages('1', 1)],
      [{ source: 'kinesis', lane: 'pulse/shardId-1', newestEventAt: AT - 5000, appliedAt: AT, lagMs: 1200 }],
    );
    expect(store.usage.requests - before).toBe(1);
    const snapshot = await store.readSnapshot(AT, 'UTC');
    expect(snapshot.freshness).toEqual([expect.objectContaining({ source: 'kinesis', newestEventAt: AT - 5000, appliedAt: AT, lagMs: 1200 })]);
  });
});

describe('DynamoDbMetricsStore.readSnapshot', () => {
  it('reads the document in one request, and one more while escalations are pending and this reader has not read their queues yet', async () => {
    const { store } = await freshStore();
    await store.sealClosedMinutes(AT);
    let before = store.usage.requests;
    await store.readSnapshot(AT, 'UTC');
    expect(store.usage.requests - before).toBe(1);

    const created = AT - 3_600_000;
    await store.applyCounters('pulse/shardId-1', [pendingEscalation('1', created, 'high', 'esc-1')], []);
    before = store.usage.requests;
    const snapshot = await store.readSnapshot(AT, 'UTC');
    expect(store.usage.requests - before).toBe(2);
    expect(snapshot.counters.get(pendingEntryCounter(created, 'high', 'esc-1'))).toBe(1);

    // The same reader again: the queue it needed comes with the first request.
    before = store.usage.requests;
    const again = await store.readSnapshot(AT, 'UTC');
    expect(store.usage.requests - before).toBe(1);
    expect(again.counters.get(pendingEntryCounter(created, 'high', 'esc-1'))).toBe(1);
  });

  /** One pending escalation created at each of `created`; what a read at AT holds of each one's queue entry. */
  async function queueEntriesRead(created: readonly number[]): Promise<(number | undefined)[]> {
    const { store } = await freshStore();
    await store.sealClosedMinutes(AT);
    await store.applyCounters(
      'pulse/shardId-1',
      created.map((at, i) => pendingEscalation(String(i + 1), at, 'low', `esc-${i}`)),
      [],
    );
    const snapshot = await store.readSnapshot(AT, 'UTC');
    return created.map((at, i) => snapshot.counters.get(pendingEntryCounter(at, 'low', `esc-${i}`)));
  }

  it('reads the queues of the oldest creation minutes that hold the oldest pending, and no others', async () => {
    // Six minutes with one pending each: the five oldest are listed, so the newest minute's queue is not read.
    const created = Array.from({ length: 6 }, (_, i) => AT - (10 - i) * 60_000);
    expect(await queueEntriesRead(created)).toEqual([1, 1, 1, 1, 1, undefined]);
  });

  it('keeps the queue by 10-second slot: within one minute too, only the slots that hold the oldest five are read', async () => {
    const minuteStart = Math.floor(AT / 60_000) * 60_000 - 5 * 60_000;
    const created = Array.from({ length: 6 }, (_, i) => minuteStart + i * 10_000 + 1); // one in each slot of a minute
    expect(await queueEntriesRead(created)).toEqual([1, 1, 1, 1, 1, undefined]);
  });

  it('looking back, fetches the departed escalations of the creation minutes that held the oldest pending then, in the second request', async () => {
    const { store, tableName } = await freshStore();
    await store.sealClosedMinutes(AT);
    const lookBackAt = AT - 3_600_000;
    const waitedLong = AT - 2 * 3_600_000; // pending at T: it left half an hour ago
    const goneBefore = AT - 2 * 3_600_000 + 60_000; // not pending at T: it left 90 minutes ago
    await store.applyCounters(
      'pulse/shardId-1',
      [departedEscalation('1', waitedLong, MINUTE - 30, 'waited'), departedEscalation('2', goneBefore, MINUTE - 90, 'gone')],
      [],
    );

    const before = store.usage.requests;
    const snapshot = await store.readSnapshot(lookBackAt, 'UTC', AT);
    expect(store.usage.requests - before).toBe(2);
    expect(snapshot.counters.get(departedEntryCounter(waitedLong, 'low', 'waited'))).toBe(MINUTE - 30 - Math.floor(waitedLong / 60_000));
    expect(snapshot.counters.has(departedEntryCounter(goneBefore, 'low', 'gone'))).toBe(false); // its item was not fetched

    // It may leave days after its creation minute: the item lives 49 h after its last write, not after that minute.
    const item = await dynamo.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: departedItem(queueSlotOf(waitedLong)) } } }));
    expect(Number(item.Item?.expiresAt?.N)).toBe(Math.floor(AT / 1000) + 49 * 3600);
  });
});

describe('compacting the queue', () => {
  it('removes the escalations that left a minute still in use, many to an update: each update is billed for the whole item', async () => {
    const { store, tableName } = await freshStore();
    const created = AT - 10 * 60_000;
    const ids = Array.from({ length: 120 }, (_, i) => `esc-${i}`);
    await store.applyCounters(
      'pulse/shardId-1',
      ids.map((id, i) => pendingEscalation(String(i + 1), created, 'low', id)),
      [],
    );
    const left = (id: string, i: number) =>
      unit(String(200 + i), [
        [pendingEntryCounter(created, 'low', id), -1],
        [gaugeCounter(GaugeName.pendingInSlot(queueSlotOf(created))), -1],
        [gaugeCounter(GaugeName.pending), -1],
      ]);
    await store.applyCounters('pulse/shardId-1', ids.slice(0, -1).map(left), []); // all but the last left the queue

    const before = store.usage.requests;
    await store.compactGauges(0);

    expect(store.usage.requests - before).toBeLessThan(10); // not one per escalation that left
    const queue = unmarshall(
      (await dynamo.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pendingItem(queueSlotOf(created)) } }, ConsistentRead: true }))).Item ?? {},
    );
    expect(Object.keys(queue).filter((name) => name.includes('|'))).toEqual([`${created}|low|esc-119`]);
  });
});

describe("the tick's status item", () => {
  it('keeps stuck lanes, known freshness and alert times of every source in the one item the read fetches anyway', async () => {
    const { store } = await freshStore();
    const stuck = { source: 'kinesis', lane: 'pulse-events/shardId-000000000002', oldestEnteredAt: AT - 9000, failedAt: AT - 1000 };
    await store.markStuck(stuck);
    await store.markStuck({ ...stuck, source: 'eventbridge', oldestEnteredAt: AT - 4000 });
    await store.recordKnownFreshness('dynamodb-streams', { newestEventAt: '2026-03-10T10:29:00.000Z', lastAppliedAt: null, lagSeconds: 3 });
    await store.recordAlertState(['escalation-critical-open'], AT - 60_000);
    await store.sealClosedMinutes(AT); // so that the last hour comes from its panes, in the first request

    const before = store.usage.requests;
    const snapshot = await store.readSnapshot(AT, 'UTC');
    expect(store.usage.requests - before).toBe(1);
    expect(snapshot.stuck).toEqual(
      expect.arrayContaining([
        { source: 'kinesis', lane: expect.any(String), oldestEnteredAt: AT - 9000, failedAt: AT - 1000 },
        { source: 'eventbridge', lane: expect.any(String), oldestEnteredAt: AT - 4000, failedAt: AT - 1000 },
      ]),
    );
    expect(snapshot.stuck).toHaveLength(2);
    expect(snapshot.lastKnownFreshness.get('dynamodb-streams')).toEqual({ newestEventAt: '2026-03-10T10:29:00.000Z', lastAppliedAt: null, lagSeconds: 3 });
    expect(snapshot.lastKnownFreshness.get('kinesis')).toEqual({ newestEventAt: null, lastAppliedAt: null, lagSeconds: null });
    expect(snapshot.alertSince.get('escalation-critical-open')).toBe(AT - 60_000);

    // The tick clears a marker as the read handed it over; the other source's marker of the same lane stays.
    await store.clearStuck(snapshot.stuck.find((marker) => marker.source === 'kinesis')!);
    expect((await store.readSnapshot(AT, 'UTC')).stuck.map((marker) => marker.source)).toEqual(['eventbridge']);
  });
});

describe('sealing closed minutes', () => {
  const OLD = MINUTE - 10;
  const settings = { timeZone: 'UTC', readCapacityBudget: 100, writeCapacityBudget: 100, thresholds: DEFAULT_ALERT_THRESHOLDS };
  const documentOf = async (store: DynamoDbMetricsStore) => buildDocument(await store.readSnapshot(AT, 'UTC'), AT, settings);
  /** A minute's worth of what a batch writes: messages, a started conversation, bot response times, window entries, a stamp. */
  const minuteFacts = (seq: string, minute: number, processingMs: number): CounterUnit =>
    unit(
      seq,
      [
        [minuteCounter(minute, MinuteName.messages), 2],
        [minuteCounter(minute, MinuteName.started), 1],
        [minuteCounter(minute, MinuteName.startsInTenSeconds(3)), 1],
        [minuteCounter(minute, MinuteName.responseBin(binOf(processingMs))), 1],
        [minuteCounter(minute, MinuteName.botMessagesTimed), 1],
        [minuteCounter(minute, MinuteName.botProcessingMilli), processingMs * 1000],
        [windowCounter(MINUTE, WindowName.liveByLanguage('es')), 1],
        [windowCounter(MINUTE + 1, WindowName.liveByLanguage('es')), -1],
      ],
      minute,
    );
  const stamp = (appliedAt: number) => [{ source: 'kinesis' as const, lane: 'pulse/shardId-1', newestEventAt: appliedAt - 1000, appliedAt, lagMs: 1000 }];
  const raw = async (tableName: string, key: string) =>
    unmarshall((await dynamo.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key } }, ConsistentRead: true }))).Item ?? {});

  it('reads a sealed minute from its pane as it read the minute item, and the last hour in one request', async () => {
    const { store } = await freshStore();
    await store.applyCounters('pulse/shardId-1', [minuteFacts('1', OLD, 420), minuteFacts('2', MINUTE - 1, 900)], stamp(AT - 9 * 60_000));
    const unsealed = await documentOf(store);

    expect(await store.sealClosedMinutes(AT)).toBe(59); // every minute of the last hour up to 2 minutes ago, empty or not
    expect(await store.sealClosedMinutes(AT)).toBe(0);
    const before = { requests: store.usage.requests, units: store.usage.readUnits };
    const sealed = await documentOf(store);
    expect(store.usage.requests - before.requests).toBe(1);
    expect(sealed).toEqual(unsealed);
    expect(sealed.series.responseTimeP95[49]).not.toBeNull();
    expect(sealed.liveConversations.byLanguage.es).toBe(2);
  });

  it('sends what arrives for a sealed minute to its late item, and the read counts it there', async () => {
    const { store, tableName } = await freshStore();
    await store.applyCounters('pulse/shardId-1', [minuteFacts('1', OLD, 420)], []);
    await store.sealClosedMinutes(AT);
    const frozen = await raw(tableName, minuteItem(OLD));

    // Later batches of the same lane, one of them delivered twice, and a lane that never wrote the minute.
    await store.applyCounters('pulse/shardId-1', [minuteFacts('1', OLD, 420), minuteFacts('2', OLD, 3000)], stamp(AT));
    await store.applyCounters('pulse/shardId-1', [minuteFacts('2', OLD, 3000)], []);
    await store.applyCounters('pulse/shardId-2', [minuteFacts('1', OLD, 3000)], []);

    expect(await raw(tableName, minuteItem(OLD))).toEqual(frozen);
    const document = await documentOf(store);
    expect(document.series.messages[49]).toBe(6);
    expect(document.series.conversationsStarted[49]).toBe(3);
    expect(document.series.responseTimeP95[49]).toBeCloseTo(3000, -2); // two of three at 3 s: the late bins count
    expect(document.liveConversations.byLanguage.es).toBe(3);
    expect(document.freshness.kinesis.lastAppliedAt).toBe(new Date(AT).toISOString());
  });

  it('lets a warm reader fetch sealed minutes and full panes once, and still counts what arrives for them later', async () => {
    const { store, tableName } = await freshStore();
    const inFullPane = MINUTE - 50; // 09:40, in the pane 09:30–09:59, which sealing fills
    await store.applyCounters('pulse/shardId-1', [minuteFacts('1', inFullPane, 420), minuteFacts('2', OLD, 900)], stamp(AT - 9 * 60_000));
    await store.sealClosedMinutes(AT);
    const coldDocument = () => documentOf(new DynamoDbMetricsStore({ client: dynamo, tableName, now: () => AT }));
    const unitsOf = async () => {
      const before = store.usage.readUnits;
      return { document: await documentOf(store), units: store.usage.readUnits - before };
    };

    const first = await unitsOf();
    const second = await unitsOf();
    expect(second.document).toEqual(first.document);
    expect(second.document).toEqual(await coldDocument());
    expect(second.units).toBeLessThan(first.units);

    // Late: the sealed minutes refuse these, their late items take them, and the warm reader reads those.
    await store.applyCounters('pulse/shardId-1', [minuteFacts('3', inFullPane, 3000), minuteFacts('4', OLD, 3000)], []);
    const later = await unitsOf();
    expect(later.document.series.messages[9]).toBe(4);
    expect(later.document.series.messages[49]).toBe(4);
    expect(later.document).toEqual(await coldDocument());
    // Late items stay open: more arrives for the same minutes.
    await store.applyCounters('pulse/shardId-1', [minuteFacts('5', inFullPane, 3000), minuteFacts('6', OLD, 3000)], []);
    const latest = await unitsOf();
    expect(latest.document.series.messages[9]).toBe(6);
    expect(latest.document.series.messages[49]).toBe(6);
    expect(latest.document).toEqual(await coldDocument());
  });

  it('gives a warm reader the minutes the tick added to a pane since its last read', async () => {
    const { store, tableName } = await freshStore();
    const earlier = OLD - 5; // 10:15; OLD is 10:20, both in the pane 10:00–10:29, still open at 10:30
    await store.applyCounters('pulse/shardId-1', [minuteFacts('1', earlier, 420), minuteFacts('2', OLD, 900)], stamp(AT - 9 * 60_000));
    await store.sealClosedMinutes(AT - 13 * 60_000); // at 10:17:20: up to 10:15
    const coldDocument = () => documentOf(new DynamoDbMetricsStore({ client: dynamo, tableName, now: () => AT }));
    const before = await documentOf(store);
    expect(before.series.messages.slice(44, 50)).toEqual([2, 0, 0, 0, 0, 2]);
    expect(await documentOf(store)).toEqual(before);

    await store.sealClosedMinutes(AT); // up to 10:28: 10:20 joins the pane
    const after = await documentOf(store);
    expect(after).toEqual(await coldDocument());
    expect(after.series.messages.slice(44, 50)).toEqual([2, 0, 0, 0, 0, 2]);
  });

  it('stays exact when the tick dies between freezing a minute and writing its pane', async () => {
    const { store, tableName } = await freshStore();
    await store.applyCounters('pulse/shardId-1', [minuteFacts('1', OLD, 420)], []);
    const expected = await documentOf(store);
    // The first step of sealing alone, as a tick that died after it leaves the minute.
    await dynamo.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: minuteItem(OLD) } },
        UpdateExpression: 'SET sealed = :now',
        ExpressionAttributeValues: { ':now': { N: '1' } },
      }),
    );
    expect(await documentOf(store)).toEqual(expected);

    await store.applyCounters('pulse/shardId-1', [minuteFacts('2', OLD, 420)], []);
    expect((await documentOf(store)).series.messages[49]).toBe(4);
    await store.sealClosedMinutes(AT);
    expect((await documentOf(store)).series.messages[49]).toBe(4);
  });
});

describe('item sizes on the hot path', () => {
  it('keeps a minute item far below 400 KB when every bounded label and sketch bin is in use', async () => {
    const { store, tableName } = await freshStore();
    const labels = (list: readonly string[]) => [...list, OVERFLOW_LABEL, 'unknown'];
    const deltas: [CounterKey, number][] = [];
    for (let offset = 0; offset <= 30; offset++) {
      for (const language of labels(DEFAULT_LABEL_LISTS.languages)) deltas.push([windowCounter(MINUTE + offset, WindowName.liveByLanguage(language)), 1]);
      for (const region of labels(DEFAULT_LABEL_LISTS.regions)) deltas.push([windowCounter(MINUTE + offset, WindowName.activeByRegion(region)), 1]);
      deltas.push([windowCounter(MINUTE + offset, WindowName.uniqueUsers), 1], [windowCounter(MINUTE + offset, WindowName.returningUsers), 1]);
    }
    for (const name of labels(DEFAULT_LABEL_LISTS.functionNames)) {
      for (const make of [
        PerformanceName.functionInvocations,
        PerformanceName.functionErrors,
        PerformanceName.functionThrottles,
        PerformanceName.functionDurationMilli,
      ]) {
        deltas.push([performanceCounter(MINUTE, make(name)), 1]);
      }
    }
    // Every bin the sketch has: from 0.1 ms to an hour.
    for (const bin of new Set(Array.from({ length: 2400 }, (_, i) => binOf(0.05 * 1.0075 ** i))))
      deltas.push([minuteCounter(MINUTE, MinuteName.responseBin(bin)), 1]);
    const units = deltas.map((delta, i) => unit(String(i + 1), [delta]));
    await store.applyCounters('pulse/shardId-1', units, []);

    const bytes = await itemBytes(tableName, minuteItem(MINUTE));
    expect(bytes).toBeGreaterThan(20_000);
    expect(bytes).toBeLessThan(200_000);
    expect(await itemBytes(tableName, hourItem(Math.floor(MINUTE / 60)))).toBe(0);
  });

  it('keeps an hour of the series to two counters a minute', async () => {
    const { store, tableName } = await freshStore();
    const hourStart = Math.floor(MINUTE / 60) * 60;
    const units = Array.from({ length: 60 }, (_, i) =>
      unit(String(i + 1), [
        [seriesCounter(hourStart + i, 'live'), 1],
        [seriesCounter(hourStart + i, 'act'), 1],
      ]),
    );
    await store.applyCounters('pulse/shardId-1', units, []);
    expect(await itemBytes(tableName, hourItem(Math.floor(MINUTE / 60)))).toBeLessThan(1500);
  });

  it('keeps a day item small with every escalation fact in every hour of a 25-hour day, and the peak of every hour', async () => {
    const { store, tableName } = await freshStore();
    const date = '2026-03-10';
    const units: CounterUnit[] = [];
    for (let hour = 0; hour < 25; hour++) {
      for (const name of DAY_NAMES) units.push(unit(String(units.length + 1), [[dayCounter(date, hour, name), 123_456]]));
    }
    await store.applyCounters('pulse/shardId-1', units, []);
    for (let hour = 0; hour < 25; hour++) await store.recordPeak(date, Math.floor(MINUTE / 60) + hour, 1, 1_000);
    // docs/metrics-model.md, "Item sizes": about 3.7 KB at worst, so an update of it costs at most 4 WCU
    expect(await itemBytes(tableName, dayItem(date))).toBeLessThan(4_000);
  });
});
