import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  PutItemCommand,
  type PutItemCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type CounterKey, GaugeName, PENDING_IN_SLOT_PREFIX, pendingGaugeSlot } from '../aggregators/counters';
import type { CounterUnit, EntityWrite, StoredEntity } from '../aggregators/fold-lane';
import { minuteOf } from '../aggregators/time';
import { ExpressionTooLargeError, LaneConflictError } from '../errors';
import { parseEntityState } from '../schemas/entity-states';
import type { EntityState } from '../aggregators/entity-state';
import { entityExpiresAt } from './entity-expiry';
import { decodeJournal, encodeJournal } from './journal-encoding';
import {
  ALERT_SINCE_PREFIX,
  COMPACTED_THROUGH_ATTRIBUTE,
  compactionItem,
  countersOf,
  counterItemExpiresAt,
  renewedExpiresAt,
  dayItem,
  freshnessAttribute,
  freshnessValue,
  GAUGES_ITEM,
  isWatermark,
  JOURNAL_BODY_ATTRIBUTE,
  journalItem,
  lateItem,
  lateMarkerAttribute,
  KEY_ATTRIBUTE,
  knownFreshnessAttribute,
  minuteItem,
  performanceItem,
  paneStartOf,
  SEALED_ATTRIBUTE,
  sealedPaneItem,
  peakAttributes,
  pendingItem,
  placementOf,
  STATUS_ITEM,
  shortLane,
  stuckAttribute,
  stuckValue,
  TTL_ATTRIBUTE,
  VERSION_ATTRIBUTE,
  watermarkAttribute,
  watermarkOf,
  watermarkSequence,
  watermarkValue,
  watermarkWrittenAt,
} from './layout';
import type { ActiveHour, FreshnessStamp, JournalEntry, JournalPosition, MetricsStore, Snapshot, StoreUsage, StuckLane } from './metrics-store';
import { addToPane, isSealed, PANE_VERSION, paneAttributes, paneOf, SEAL_DELAY_MINUTES } from './sealed-minutes';
import { ReaderMemory } from './reader-memory';
import { readSnapshotWith } from './snapshot-read';
import { UpdateBuilder } from './update-builder';

/** Attributes one compaction update removes: its expression stays far below DynamoDB's 4 KB. */
const REMOVALS_PER_UPDATE = 50;
const BATCH_GET_LIMIT = 100;
/** Journal entries read per request while recovering a lane (each item is at most 300 KB). */
const JOURNAL_READ_CHUNK = 16;
const MAX_LANE_ATTEMPTS = 5;
/** Counters per update: DynamoDB caps an update expression at 4 KB, about 12 characters a counter. */
const MAX_COUNTERS_PER_UPDATE = 250;
const WRITE_CONCURRENCY = 16;
/** Measurements that found no counter write to ride on within this long are written on their own. */
const MEASUREMENT_PATIENCE_MS = 60_000;
const THROTTLE_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

export interface DynamoDbMetricsStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Milliseconds since the epoch; injected so tests can freeze it. */
  now?: () => number;
}

/** One record's counters of one item, as attribute → amount. */
interface ItemUnit {
  seq: string;
  watermark: string;
  counters: Map<string, number>;
}

/** Sets and adds that ride along on an item's first successful counter update (or are written alone). */
interface RideAlong {
  sets: Map<string, string>;
  adds: Map<string, number>;
}

type StoredItem = Record<string, unknown>;

/** The only code that speaks DynamoDB for the metrics table. */
export class DynamoDbMetricsStore implements MetricsStore {
  readonly usage: StoreUsage = { readUnits: 0, writeUnits: 0, throttled: 0, succeeded: 0, requests: 0 };
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly now: () => number;
  /** What this process's reads keep between reads: the queues the last one needed, items that can no longer change. */
  private readonly readerMemory = new ReaderMemory();
  /** Own-function measurements waiting for a write to ride on, by minute. */
  private readonly measurements = new Map<number, { counters: Map<string, number>; since: number }>();

  constructor(options: DynamoDbMetricsStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  // ── entities ──

  async getEntities(keys: readonly string[], lane: string): Promise<Map<string, StoredEntity>> {
    // Strongly consistent: an eventually consistent read may return the state before this lane's
    // last batch, and deltas folded from it would be counted for good (the counters commit first).
    const items = await this.getItems(keys, { consistent: true });
    const entities = new Map<string, StoredEntity>();
    for (const [key, item] of items) {
      if (typeof item.state !== 'string') continue;
      const state = parseEntityState(JSON.parse(item.state));
      const sameLane = item.lane === lane && typeof item.appliedSeq === 'string';
      entities.set(key, { state, ...(sameLane && { appliedSeq: item.appliedSeq as string }) });
    }
    return entities;
  }

  async putEntities(writes: readonly EntityWrite[], lane: string): Promise<{ write: EntityWrite; error: unknown }[]> {
    const refused: { write: EntityWrite; error: unknown }[] = [];
    await runAll(
      writes.map((write) => () => this.putEntity(write, lane).catch((error: unknown) => refused.push({ write, error }))),
      WRITE_CONCURRENCY,
    );
    return refused;
  }

  private async putEntity(write: EntityWrite, lane: string): Promise<void> {
    const guard: EntityGuard =
      write.expectedSeq === undefined
        ? {
            ConditionExpression: 'attribute_not_exists(#pk) OR #lane <> :lane',
            ExpressionAttributeNames: { '#pk': KEY_ATTRIBUTE, '#lane': 'lane' },
            ExpressionAttributeValues: marshall({ ':lane': lane }),
          }
        : {
            ConditionExpression: '#lane = :lane AND #seq = :seq',
            ExpressionAttributeNames: { '#lane': 'lane', '#seq': 'appliedSeq' },
            ExpressionAttributeValues: marshall({ ':lane': lane, ':seq': write.expectedSeq }),
          };
    await this.writeEntityItem(write, lane, guard);
  }

  private async writeEntityItem(entity: { key: string; state: EntityState; appliedSeq: string }, lane: string, guard: EntityGuard): Promise<void> {
    const expiresAt = entityExpiresAt(entity.state);
    const item = {
      [KEY_ATTRIBUTE]: entity.key,
      // One JSON attribute: the state is only ever read and written whole, by its one writer.
      state: JSON.stringify(entity.state),
      lane,
      appliedSeq: entity.appliedSeq,
      ...(expiresAt !== undefined && { [TTL_ATTRIBUTE]: expiresAt }),
    };
    await this.track('write', () =>
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: marshall(item), ...guard, ReturnConsumedCapacity: 'TOTAL' })),
    );
  }

  // ── the write-back journal (docs/metrics-model.md, "The write-back journal") ──

  async journalPosition(lane: string, next: number): Promise<{ nextExists: boolean; compactedThrough: number }> {
    const items = await this.getItems([journalItem(lane, next), compactionItem(lane)], { consistent: true });
    return { nextExists: items.has(journalItem(lane, next)), compactedThrough: compactedThroughOf(items.get(compactionItem(lane))) };
  }

  async readJournal(lane: string): Promise<{ position: JournalPosition; entries: { n: number; entry: JournalEntry }[] }> {
    const compactedThrough = compactedThroughOf(await this.getItem(compactionItem(lane)));
    const entries: { n: number; entry: JournalEntry }[] = [];
    let head = compactedThrough;
    // Entries are created one after another, so the journal ends at the first one missing.
    for (let complete = true; complete; ) {
      const numbers = Array.from({ length: JOURNAL_READ_CHUNK }, (_, i) => head + 1 + i);
      const items = await this.getItems(
        numbers.map((n) => journalItem(lane, n)),
        { consistent: true },
      );
      for (const n of numbers) {
        const item = items.get(journalItem(lane, n));
        if (!item) {
          complete = false;
          break;
        }
        for (const entry of decodeJournal(item[JOURNAL_BODY_ATTRIBUTE] as Uint8Array)) entries.push({ n, entry });
        head = n;
      }
    }
    return { position: { head, compactedThrough }, entries };
  }

  async appendJournal(lane: string, from: number, entries: readonly JournalEntry[]): Promise<number> {
    const bodies = encodeJournal(entries);
    // Kept as long as the longest-lived state in it, so no state is lost before it is compacted.
    const expiries = entries.map((entry) => entityExpiresAt(entry.state));
    const expiresAt = expiries.includes(undefined) ? undefined : Math.max(...(expiries as number[]));
    for (const [i, body] of bodies.entries()) {
      const item = {
        [KEY_ATTRIBUTE]: journalItem(lane, from + i),
        [JOURNAL_BODY_ATTRIBUTE]: body,
        ...(expiresAt !== undefined && { [TTL_ATTRIBUTE]: expiresAt }),
      };
      try {
        await this.track('write', () =>
          this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: marshall(item),
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': KEY_ATTRIBUTE },
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException)
          throw new LaneConflictError(`journal entry ${from + i} of ${lane} exists: another process went on with this lane`, { cause: error });
        throw error;
      }
    }
    return from + bodies.length - 1;
  }

  async compactEntities(entries: readonly JournalEntry[], lane: string): Promise<{ entry: JournalEntry; error: unknown }[]> {
    const refused: { entry: JournalEntry; error: unknown }[] = [];
    await runAll(
      entries.map(
        (entry) => () =>
          // Equal is allowed: a compaction that landed before its process died is written again, the same.
          this.writeEntityItem(entry, lane, {
            ConditionExpression: 'attribute_not_exists(#pk) OR #lane <> :lane OR #seq <= :seq',
            ExpressionAttributeNames: { '#pk': KEY_ATTRIBUTE, '#lane': 'lane', '#seq': 'appliedSeq' },
            ExpressionAttributeValues: marshall({ ':lane': lane, ':seq': entry.appliedSeq }),
          }).catch((error: unknown) => refused.push({ entry, error })),
      ),
      WRITE_CONCURRENCY,
    );
    return refused;
  }

  async markCompacted(lane: string, through: number): Promise<void> {
    const update = new UpdateBuilder().set(COMPACTED_THROUGH_ATTRIBUTE, through);
    const name = update.name(COMPACTED_THROUGH_ATTRIBUTE);
    update.condition(`attribute_not_exists(${name}) OR ${name} < ${update.value(through)}`);
    try {
      await this.updateItem(compactionItem(lane), update);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Already there or further: another process compacted as far; its next probe tells this one.
    }
  }

  // ── counters ──

  async applyCounters(lane: string, units: readonly CounterUnit[], stamps: readonly FreshnessStamp[]): Promise<ActiveHour[]> {
    const watermark = watermarkAttribute(lane);
    const byItem = new Map<string, ItemUnit[]>();
    for (const unit of [...units].sort((a, b) => compare(watermarkOf(a.seq), watermarkOf(b.seq)))) {
      const perItem = new Map<string, Map<string, number>>();
      for (const [counter, amount] of unit.deltas) {
        const { key, attribute } = placementOf(counter, unit.minute);
        const counters = perItem.get(key) ?? new Map<string, number>();
        counters.set(attribute, (counters.get(attribute) ?? 0) + amount);
        perItem.set(key, counters);
      }
      for (const [key, counters] of perItem) {
        const list = byItem.get(key) ?? [];
        list.push({ seq: unit.seq, watermark: watermarkOf(unit.seq), counters });
        byItem.set(key, list);
      }
    }

    const rideAlongs = new Map<string, RideAlong>();
    const rideOn = (key: string) => {
      const ride = rideAlongs.get(key) ?? { sets: new Map(), adds: new Map() };
      rideAlongs.set(key, ride);
      return ride;
    };
    for (const stamp of stamps) {
      // On the minute item the batch writes: the facts' (entity lanes) or the performance one (telemetry lanes).
      const minute = stampMinute(stamp);
      const key = byItem.has(minuteItem(minute)) || !byItem.has(performanceItem(minute)) ? minuteItem(minute) : performanceItem(minute);
      rideOn(key).sets.set(freshnessAttribute(stamp.source, stamp.lane), freshnessValue(stamp));
    }
    const measured = [...this.measurements].filter(([minute]) => byItem.has(performanceItem(minute)) || rideAlongs.has(performanceItem(minute)));
    for (const [minute, { counters }] of measured) for (const [name, amount] of counters) rideOn(performanceItem(minute)).adds.set(name, amount);
    for (const [minute] of measured) this.measurements.delete(minute);

    const hours: ActiveHour[] = [];
    const keys = new Set([...byItem.keys(), ...rideAlongs.keys()]);
    const errors = await runAll(
      [...keys].map((key) => async () => {
        const hour = await this.applyItem(key, watermark, byItem.get(key) ?? [], rideAlongs.get(key));
        if (hour) hours.push(hour);
      }),
      WRITE_CONCURRENCY,
    );
    if (errors.length > 0) {
      // Measurements that did not land wait for the next write.
      for (const [minute, entry] of measured) this.addPending(minute, entry.counters, entry.since);
      throw errors[0];
    }
    await this.flushMeasurements(this.now() - MEASUREMENT_PATIENCE_MS);
    return hours;
  }

  /**
   * The units of one item in chunks that fit an update, each conditioned on the lane's watermark
   * still being below its first unit, and moving it to its last. If the condition fails (a
   * redelivery, or a retry that overlaps what an earlier attempt wrote), we read the watermark,
   * keep the units above it, and try again conditioned on the exact value we read.
   */
  private async applyItem(key: string, watermark: string, units: ItemUnit[], rideAlong: RideAlong | undefined): Promise<ActiveHour | undefined> {
    let pendingRide = rideAlong;
    let latest: StoredItem | undefined;
    /** What this call added to the item, to tell the hour as it was before; unknown once a unit was found applied already. */
    const added = new Map<string, number>();
    let foundApplied = false;
    const chunks = chunksOf(units);
    for (const [index, chunk] of chunks.entries()) {
      let guard: Guard = { below: chunk[0]!.watermark };
      let remaining = chunk;
      for (let attempt = 0; ; attempt++) {
        if (attempt > MAX_LANE_ATTEMPTS) throw new LaneConflictError(`watermark ${watermark} of ${key} kept moving`);
        try {
          latest = await this.updateCounters(key, watermark, remaining, guard, pendingRide);
          pendingRide = undefined;
          for (const unit of remaining) for (const [name, amount] of unit.counters) added.set(name, (added.get(name) ?? 0) + amount);
          break;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        foundApplied = true;
        const item = await this.getItem(key);
        latest = item;
        const seen = typeof item?.[watermark] === 'string' ? (item[watermark] as string) : undefined;
        const appliedThrough = seen === undefined ? '' : watermarkSequence(seen);
        remaining = remaining.filter((unit) => unit.watermark > appliedThrough);
        if (remaining.length > 0 && isSealed(item)) {
          // Sealed: what the minute item holds of this lane is a prefix of its units; the rest, and
          // every later chunk, belong to the minute's late item.
          return this.applyLate(key, watermark, [...remaining, ...chunks.slice(index + 1).flat()], pendingRide);
        }
        if (remaining.length === 0) break;
        guard = seen === undefined ? { absent: true } : { equals: seen };
      }
    }
    if (pendingRide && (pendingRide.sets.size > 0 || pendingRide.adds.size > 0)) {
      try {
        latest = await this.updateCounters(key, watermark, [], { none: true }, pendingRide);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        return this.applyLate(key, watermark, [], pendingRide); // only a sealed minute refuses a ride-along
      }
    }
    if (!key.startsWith('H#') || !latest) return undefined;
    const hour = activeHourOf(key, latest);
    if (foundApplied) return hour;
    const before = { ...latest };
    for (const [name, amount] of added) before[name] = (typeof before[name] === 'number' ? (before[name] as number) : 0) - amount;
    return { ...hour, previous: activeHourOf(key, before).entries };
  }

  /**
   * Units for a sealed minute: first the hour item says the minute has a late item (so no read can
   * miss it, whatever happens next), then they go to that item as to any counter item.
   */
  private async applyLate(minuteKey: string, watermark: string, units: ItemUnit[], rideAlong: RideAlong | undefined): Promise<undefined> {
    const minute = Number(minuteKey.slice(2));
    const marker = lateMarkerAttribute(minute);
    await this.updateItem(marker.key, new UpdateBuilder().set(marker.attribute, 1));
    await this.applyItem(lateItem(minute), watermark, units, rideAlong);
    return undefined;
  }

  private async updateCounters(
    key: string,
    watermark: string,
    units: readonly ItemUnit[],
    guard: Guard,
    rideAlong: RideAlong | undefined,
  ): Promise<StoredItem> {
    const totals = new Map<string, number>(rideAlong?.adds);
    for (const unit of units) {
      for (const [counter, amount] of unit.counters) totals.set(counter, (totals.get(counter) ?? 0) + amount);
    }
    const update = new UpdateBuilder();
    const last = units[units.length - 1];
    if (last) update.set(watermark, watermarkValue(key, last.seq, Math.floor(this.now() / 1000)));
    for (const [name, value] of rideAlong?.sets ?? []) update.set(name, value);
    this.setExpiry(key, update);
    for (const [counter, amount] of totals) if (amount !== 0) update.add(counter, amount);
    const isHour = key.startsWith('H#');
    if (isHour && units.length > 0) update.add(VERSION_ATTRIBUTE, 1);
    const conditions: string[] = [];
    // A sealed minute item never changes again: its writers are refused and go to its late item.
    if (key.startsWith('M#')) conditions.push(`attribute_not_exists(${update.name(SEALED_ATTRIBUTE)})`);
    if (!('none' in guard)) {
      const wm = update.name(watermark);
      if ('below' in guard) conditions.push(`(attribute_not_exists(${wm}) OR ${wm} < ${update.value(guard.below)})`);
      else if ('equals' in guard) conditions.push(`${wm} = ${update.value(guard.equals)}`);
      else conditions.push(`attribute_not_exists(${wm})`);
    }
    if (conditions.length > 0) update.condition(conditions.join(' AND '));
    const built = update.build();
    if (built.UpdateExpression.length > 4000) throw new ExpressionTooLargeError(`${totals.size} counters of ${key} do not fit one update`);
    const output = await this.track('write', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(key),
          ...built,
          ReturnConsumedCapacity: 'TOTAL',
          // An hour of the active total comes back whole, for the day's peak; nothing else needs an answer.
          ...(isHour && { ReturnValues: 'ALL_NEW' }),
        }),
      ),
    );
    return output.Attributes ? unmarshall(output.Attributes) : {};
  }

  async recordPeak(localDate: string, hour: number, version: number, peak: number): Promise<void> {
    const { peak: peakName, version: versionName } = peakAttributes(hour);
    const update = new UpdateBuilder().set(peakName, peak).set(versionName, version);
    const v = update.name(versionName);
    update.condition(`attribute_not_exists(${v}) OR ${v} < ${update.value(version)}`);
    try {
      await this.updateItem(dayItem(localDate), update);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // a later version of the hour was recorded already
    }
  }

  // ── stuck lanes ──

  async markStuck(stuck: StuckLane): Promise<void> {
    await this.updateItem(STATUS_ITEM, new UpdateBuilder().set(stuckAttribute(stuck.source, shortLane(stuck.lane)), stuckValue(stuck)));
  }

  async clearStuck(stuck: StuckLane): Promise<void> {
    const name = stuckAttribute(stuck.source, stuck.lane); // a marker read back names its lane as items spell it
    const update = new UpdateBuilder().remove(name);
    update.condition(`${update.name(name)} = ${update.value(stuckValue(stuck))}`);
    try {
      await this.updateItem(STATUS_ITEM, update);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // it failed again meanwhile: the marker stays
    }
  }

  // ── own measurements ──

  async addMeasurements(minute: number, counters: ReadonlyMap<string, number>): Promise<void> {
    this.addPending(minute, counters, this.now());
    await this.flushMeasurements(this.now() - MEASUREMENT_PATIENCE_MS);
  }

  private addPending(minute: number, counters: ReadonlyMap<string, number>, since: number): void {
    const entry = this.measurements.get(minute) ?? { counters: new Map<string, number>(), since };
    for (const [name, amount] of counters) if (amount !== 0) entry.counters.set(name, (entry.counters.get(name) ?? 0) + amount);
    entry.since = Math.min(entry.since, since);
    this.measurements.set(minute, entry);
  }

  async flushMeasurements(waitingSince = Number.POSITIVE_INFINITY): Promise<void> {
    const due = [...this.measurements].filter(([, entry]) => entry.since <= waitingSince);
    for (const [minute, entry] of due) {
      this.measurements.delete(minute);
      if (entry.counters.size === 0) continue;
      const update = new UpdateBuilder();
      for (const [name, amount] of entry.counters) update.add(name, amount);
      try {
        await this.updateItem(performanceItem(minute), update);
      } catch (error) {
        this.addPending(minute, entry.counters, entry.since);
        throw error;
      }
    }
  }

  // ── the tick's bookkeeping ──

  async recordAlertState(firingIds: readonly string[], atMs: number): Promise<void> {
    const current = (await this.getItem(STATUS_ITEM)) ?? {};
    const update = new UpdateBuilder();
    for (const id of firingIds) update.setIfAbsent(`${ALERT_SINCE_PREFIX}${id}`, atMs);
    const stopped = Object.keys(current).filter((name) => name.startsWith(ALERT_SINCE_PREFIX) && !firingIds.includes(name.slice(ALERT_SINCE_PREFIX.length)));
    for (const name of stopped) update.remove(name);
    if (firingIds.length === 0 && stopped.length === 0) return;
    await this.updateItem(STATUS_ITEM, update);
  }

  async recordKnownFreshness(
    source: string,
    freshness: { newestEventAt: string | null; lastAppliedAt: string | null; lagSeconds: number | null },
  ): Promise<void> {
    const update = new UpdateBuilder();
    for (const [name, value] of Object.entries(freshness)) if (value !== null) update.set(knownFreshnessAttribute(source, name), value);
    if (update.isEmpty()) return;
    await this.updateItem(STATUS_ITEM, update);
  }

  async compactGauges(beforeSeconds: number): Promise<number> {
    const gauges = (await this.getItem(GAUGES_ITEM)) ?? {};
    const pendingSlots = Object.entries(gauges).flatMap(([name, value]) => {
      const slot = pendingGaugeSlot(name);
      return slot === undefined || typeof value !== 'number' ? [] : [{ slot, value }];
    });
    const emptySlots = pendingSlots.filter(({ value }) => value === 0).map(({ slot }) => slot);
    const removed = await this.removeStale(GAUGES_ITEM, gauges, beforeSeconds);
    let total = removed;
    for (const slot of emptySlots) {
      // The queue of a slot with nothing pending goes, unless an escalation of that slot came in meanwhile.
      if (!(await this.removeIfUnchanged(GAUGES_ITEM, [[GaugeName.pendingInSlot(slot), 0]]))) continue;
      await this.track('write', () => this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.key(pendingItem(slot)) })));
      total++;
    }
    const activeSlots = pendingSlots.filter(({ value }) => value > 0).map(({ slot }) => pendingItem(slot));
    for (const [key, item] of await this.getItems(activeSlots)) total += await this.removeStale(key, item, beforeSeconds);
    return total;
  }

  /**
   * Removes drained lanes' watermarks and counters back at zero, each only if unchanged since read.
   * Many at a time: an update is billed for the whole item, and a busy minute's queue holds
   * thousands of escalations that have left it.
   */
  private async removeStale(key: string, item: StoredItem, beforeSeconds: number): Promise<number> {
    const removable = Object.entries(item).filter(
      ([name, value]) =>
        (isWatermark(name) && typeof value === 'string' && watermarkWrittenAt(value) < beforeSeconds) ||
        (value === 0 && !name.startsWith(PENDING_IN_SLOT_PREFIX)),
    );
    for (let i = 0; i < removable.length; i += REMOVALS_PER_UPDATE) {
      const group = removable.slice(i, i + REMOVALS_PER_UPDATE);
      if (await this.removeIfUnchanged(key, group)) continue;
      // One of them was written again meanwhile (still in use): the others go one by one.
      for (const entry of group) await this.removeIfUnchanged(key, [entry]);
    }
    return removable.length;
  }

  private async removeIfUnchanged(key: string, attributes: readonly [string, unknown][]): Promise<boolean> {
    const update = new UpdateBuilder();
    const unchanged = attributes.map(([name, value]) => {
      update.remove(name);
      return `${update.name(name)} = ${update.value(value)}`;
    });
    update.condition(unchanged.join(' AND '));
    try {
      await this.updateItem(key, update);
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  // ── sealing ──

  async sealClosedMinutes(nowMs: number): Promise<number> {
    const now = minuteOf(nowMs);
    const minutes = Array.from({ length: 60 - SEAL_DELAY_MINUTES + 1 }, (_, i) => now - 60 + i);
    let sealed = 0;
    for (const paneStart of new Set(minutes.map(paneStartOf))) {
      sealed += await this.sealPane(
        paneStart,
        minutes.filter((minute) => paneStartOf(minute) === paneStart),
        nowMs,
      );
    }
    return sealed;
  }

  /**
   * Freezes each minute not yet in the pane (which hands back what the minute item holds for good:
   * from then on every writer is refused), then writes the pane once, conditioned on the version
   * it was read at. A tick that dies between the two leaves frozen minutes outside the pane: reads
   * take them whole, and the next tick freezes them again (which hands back the same values) and
   * adds them. A tick that lost a race with another reads the pane again.
   */
  private async sealPane(paneStart: number, minutes: readonly number[], nowMs: number): Promise<number> {
    const key = sealedPaneItem(paneStart);
    for (let attempt = 0; attempt <= MAX_LANE_ATTEMPTS; attempt++) {
      const pane = paneOf(paneStart, (await this.getItems([key], { consistent: true })).get(key));
      const open = minutes.filter((minute) => !pane.facts.has(minute));
      if (open.length === 0) return 0;
      for (const minute of open) addToPane(pane, minute, await this.freezeMinute(minute, nowMs));
      const update = new UpdateBuilder();
      for (const [name, value] of Object.entries(paneAttributes(pane, open))) update.set(name, value);
      update.set(PANE_VERSION, (pane.version ?? 0) + 1);
      const version = update.name(PANE_VERSION);
      update.condition(pane.version === undefined ? `attribute_not_exists(${version})` : `${version} = ${update.value(pane.version)}`);
      try {
        await this.updateItem(key, update);
        return open.length;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new LaneConflictError(`pane ${key} kept changing while it was sealed`);
  }

  /** Seals a minute item (creating it if it is empty, so a later writer is refused too) and hands back what it holds. */
  private async freezeMinute(minute: number, nowMs: number): Promise<StoredItem> {
    const seal = new UpdateBuilder().setIfAbsent(SEALED_ATTRIBUTE, Math.floor(nowMs / 1000));
    const frozen = await this.updateItem(minuteItem(minute), seal, { returnItem: true });
    return frozen.Attributes ? unmarshall(frozen.Attributes) : {};
  }

  // ── the read ──

  async readSnapshot(atMs: number, timeZone: string, nowMs = atMs): Promise<Snapshot> {
    return readSnapshotWith((keys) => this.getItems(keys), atMs, timeZone, nowMs, this.readerMemory);
  }

  // ── plumbing ──

  /** One UpdateItem of `key`, its cost tracked; the item's expiry (which follows from its key) is set unless it has one. */
  private updateItem(key: string, update: UpdateBuilder, { returnItem = false } = {}) {
    this.setExpiry(key, update);
    return this.track('write', () =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(key),
          ...update.build(),
          ReturnConsumedCapacity: 'TOTAL',
          ...(returnItem && { ReturnValues: 'ALL_NEW' }),
        }),
      ),
    );
  }

  /** The item's expiry: set once from its key, or pushed back by every write (store/layout.ts says which). */
  private setExpiry(key: string, update: UpdateBuilder): void {
    const fixed = counterItemExpiresAt(key);
    if (fixed !== undefined) update.setIfAbsent(TTL_ATTRIBUTE, fixed);
    const renewed = renewedExpiresAt(key, Math.floor(this.now() / 1000));
    if (renewed !== undefined) update.set(TTL_ATTRIBUTE, renewed);
  }

  private async getItems(keys: readonly string[], { consistent = false } = {}): Promise<Map<string, StoredItem>> {
    const items = new Map<string, StoredItem>();
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, KeysAndAttributes> | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + BATCH_GET_LIMIT).map((key) => this.key(key)), ...(consistent && { ConsistentRead: true }) },
      };
      for (let attempt = 0; pending && Object.keys(pending).length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        const request: Record<string, KeysAndAttributes> = pending;
        const response: BatchGetItemCommandOutput = await this.track('read', () =>
          this.client.send(new BatchGetItemCommand({ RequestItems: request, ReturnConsumedCapacity: 'TOTAL' })),
        );
        for (const raw of response.Responses?.[this.tableName] ?? []) {
          const item = unmarshall(raw);
          items.set(String(item[KEY_ATTRIBUTE]), item);
        }
        pending = response.UnprocessedKeys;
      }
    }
    return items;
  }

  private async getItem(key: string): Promise<StoredItem | undefined> {
    const response = await this.track('read', () =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: this.key(key), ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })),
    );
    return response.Item ? unmarshall(response.Item) : undefined;
  }

  private key(key: string) {
    return { [KEY_ATTRIBUTE]: { S: key } };
  }

  /** Every call goes through here, so the store can report what it costs (SPEC §4 dynamoDbMetrics). */
  private async track<Output extends { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }>(
    kind: 'read' | 'write',
    call: () => Promise<Output>,
  ): Promise<Output> {
    this.usage.requests++;
    try {
      const output = await call();
      this.usage.succeeded++;
      for (const capacity of [output.ConsumedCapacity ?? []].flat()) {
        const units = capacity.CapacityUnits ?? (capacity.ReadCapacityUnits ?? 0) + (capacity.WriteCapacityUnits ?? 0);
        if (kind === 'read') this.usage.readUnits += units;
        else this.usage.writeUnits += units;
      }
      return output;
    } catch (error) {
      if (error instanceof Error && THROTTLE_ERRORS.has(error.name)) this.usage.throttled++;
      throw error;
    }
  }
}

/**
 * Where a freshness stamp rides: the minute of the batch's newest event (the item the batch
 * writes anyway), kept within the hour before the commit, which every read of now fetches.
 */
const stampMinute = (stamp: FreshnessStamp): number => {
  const applied = minuteOf(stamp.appliedAt);
  return Math.min(applied, Math.max(applied - 59, minuteOf(stamp.newestEventAt)));
};

type EntityGuard = Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;

const compactedThroughOf = (item: StoredItem | undefined): number => {
  const through = item?.[COMPACTED_THROUGH_ATTRIBUTE];
  return typeof through === 'number' ? through : 0;
};

type Guard = { below: string } | { equals: string } | { absent: true } | { none: true };

/** Consecutive units whose distinct counters fit one update (a unit alone always does). */
function chunksOf(units: readonly ItemUnit[]): ItemUnit[][] {
  const chunks: ItemUnit[][] = [];
  let current: ItemUnit[] = [];
  let names = new Set<string>();
  for (const unit of units) {
    const added = [...unit.counters.keys()].filter((name) => !names.has(name));
    if (current.length > 0 && names.size + added.length > MAX_COUNTERS_PER_UPDATE) {
      chunks.push(current);
      current = [];
      names = new Set();
    }
    current.push(unit);
    for (const name of unit.counters.keys()) names.add(name);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function activeHourOf(key: string, item: StoredItem): ActiveHour {
  const hour = Number(key.slice(2));
  const counters = new Map<CounterKey, number>();
  countersOf(key, item, counters);
  const entries = new Map<number, number>();
  for (const [counter, n] of counters) if (counter.endsWith('|act') && n !== 0) entries.set(Number(counter.split('|')[1]), n);
  return { hour, version: typeof item[VERSION_ATTRIBUTE] === 'number' ? item[VERSION_ATTRIBUTE] : 0, entries };
}

/** Runs tasks with bounded parallelism; returns the errors, never throws. */
async function runAll(tasks: readonly (() => Promise<unknown>)[], concurrency: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return errors;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
