import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type KeysAndAttributes,
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { expiresAtOf } from '../aggregators/expiry';
import type { EntityWrite, StoredEntity } from '../aggregators/fold-lane';
import {
  ALERT_STATE_KEY,
  CounterPrefix,
  counterGroupOf,
  counterItemExpiresAt,
  freshnessKey,
  KEY_ATTRIBUTE,
  laneWatermarkAttribute,
  TTL_ATTRIBUTE,
} from '../aggregators/metrics-items';
import { ExpressionTooLargeError, LaneConflictError } from '../errors';
import type { MetricsStore, SequencedCounters, SourceFreshnessUpdate, StoredItem, StoreUsage } from './metrics-store';
import { padSequence, sequenceOfWatermark, watermarkValue } from '../aggregators/sequence';
import { UpdateBuilder } from './update-builder';
import { parseEntityState } from '../schemas/entity-states';

const BATCH_GET_LIMIT = 100;
const MAX_LANE_ATTEMPTS = 5;
const THROTTLE_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

export interface DynamoDbMetricsStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Seconds since the epoch; injected so tests can freeze it. */
  nowSeconds?: () => number;
}

/** The only code that speaks DynamoDB for the metrics table. */
export class DynamoDbMetricsStore implements MetricsStore {
  readonly usage: StoreUsage = { readUnits: 0, writeUnits: 0, throttled: 0, succeeded: 0, requests: 0 };
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly nowSeconds: () => number;

  constructor(options: DynamoDbMetricsStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  async getEntities(keys: readonly string[], lane: string): Promise<Map<string, StoredEntity>> {
    const items = await this.getItems(keys);
    const entities = new Map<string, StoredEntity>();
    for (const [key, item] of items) {
      if (typeof item.state !== 'string') continue;
      const state = parseEntityState(JSON.parse(item.state));
      const sameLane = item.lane === lane && typeof item.appliedSeq === 'string';
      entities.set(key, { state, ...(sameLane && { appliedSeq: item.appliedSeq as string }) });
    }
    return entities;
  }

  async putEntity(write: EntityWrite, lane: string): Promise<void> {
    const expiresAt = expiresAtOf(write.state);
    const item = {
      [KEY_ATTRIBUTE]: write.key,
      kind: write.state.kind,
      // One JSON attribute: the state is only ever read and written whole, by its one writer.
      state: JSON.stringify(write.state),
      lane,
      appliedSeq: write.appliedSeq,
      ...(expiresAt !== undefined && { [TTL_ATTRIBUTE]: expiresAt }),
    };
    const guard: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> =
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
    await this.track('write', () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item),
          ...guard,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
  }

  async applyCounters(lane: string, key: string, units: readonly SequencedCounters[]): Promise<void> {
    const byGroup = new Map<string, { seq: string; counters: Map<string, number> }[]>();
    for (const unit of [...units].sort((a, b) => compare(padSequence(a.seq), padSequence(b.seq)))) {
      const grouped = new Map<string, Map<string, number>>();
      for (const [counter, amount] of unit.counters) {
        const group = counterGroupOf(counter);
        const counters = grouped.get(group) ?? new Map<string, number>();
        counters.set(counter, amount);
        grouped.set(group, counters);
      }
      for (const [group, counters] of grouped) {
        const list = byGroup.get(group) ?? [];
        list.push({ seq: padSequence(unit.seq), counters });
        byGroup.set(group, list);
      }
    }
    await Promise.all([...byGroup].map(([group, groupUnits]) => this.applyGroup(key, laneWatermarkAttribute(lane, group), groupUnits)));
  }

  /**
   * One conditional update per group: it adds the units and moves the watermark past them, but
   * only if the watermark is still below the first of them. If it is not (a redelivery, or a
   * retry that overlaps what an earlier attempt wrote), we read the watermark, keep the units
   * above it, and try again conditioned on the exact watermark we read.
   */
  private async applyGroup(key: string, watermark: string, units: { seq: string; counters: Map<string, number> }[]): Promise<void> {
    const first = units[0];
    if (!first) return;
    try {
      await this.updateCounters(key, watermark, units, { below: first.seq });
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    for (let attempt = 0; attempt < MAX_LANE_ATTEMPTS; attempt++) {
      const item = await this.getItem(key);
      const seen = typeof item?.[watermark] === 'string' ? (item[watermark] as string) : undefined;
      const applied = seen === undefined ? '' : sequenceOfWatermark(seen);
      const remaining = units.filter((unit) => unit.seq > applied);
      if (remaining.length === 0) return;
      try {
        await this.updateCounters(key, watermark, remaining, seen === undefined ? { absent: true } : { equals: seen });
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new LaneConflictError(`watermark ${watermark} of ${key} kept moving`);
  }

  private async updateCounters(
    key: string,
    watermark: string,
    units: { seq: string; counters: Map<string, number> }[],
    guard: { below: string } | { equals: string } | { absent: true },
  ): Promise<void> {
    const totals = new Map<string, number>();
    for (const unit of units) {
      for (const [counter, amount] of unit.counters) totals.set(counter, (totals.get(counter) ?? 0) + amount);
    }
    const last = units[units.length - 1]!.seq;
    const update = new UpdateBuilder();
    update.set(watermark, watermarkValue(last, this.nowSeconds()));
    const expiresAt = counterItemExpiresAt(key);
    if (expiresAt !== undefined) update.setIfAbsent(TTL_ATTRIBUTE, expiresAt);
    for (const [counter, amount] of totals) if (amount !== 0) update.add(counter, amount);
    const wm = update.name(watermark);
    if ('below' in guard) update.condition(`attribute_not_exists(${wm}) OR ${wm} < ${update.value(guard.below)}`);
    else if ('equals' in guard) update.condition(`${wm} = ${update.value(guard.equals)}`);
    else update.condition(`attribute_not_exists(${wm})`);
    const built = update.build();
    if (built.UpdateExpression.length > 4000) {
      throw new ExpressionTooLargeError(`${totals.size} counters of ${key} do not fit one update`);
    }
    await this.track('write', () =>
      this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: this.key(key), ...built, ReturnConsumedCapacity: 'TOTAL' })),
    );
  }

  async recordFreshness(source: string, update: SourceFreshnessUpdate): Promise<void> {
    const key = this.key(freshnessKey(source));
    const applied = new UpdateBuilder().set('lastAppliedAt', update.appliedAt).set('lagSeconds', update.lagSeconds).build();
    await this.track('write', () => this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: key, ...applied })));
    const newest = new UpdateBuilder().set('newestEventAt', update.newestEventAt);
    newest.condition(`attribute_not_exists(${newest.name('newestEventAt')}) OR ${newest.name('newestEventAt')} < ${newest.value(update.newestEventAt)}`);
    try {
      await this.track('write', () => this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: key, ...newest.build() })));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // an older batch: the newest stays
    }
  }

  async addMeasurements(key: string, counters: ReadonlyMap<string, number>): Promise<void> {
    if (counters.size === 0) return;
    const update = new UpdateBuilder();
    const expiresAt = counterItemExpiresAt(key);
    if (expiresAt !== undefined) update.setIfAbsent(TTL_ATTRIBUTE, expiresAt);
    for (const [counter, amount] of counters) update.add(counter, amount);
    await this.track('write', () => this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: this.key(key), ...update.build() })));
  }

  async recordAlertState(firingIds: readonly string[], atMs: number): Promise<void> {
    const key = this.key(ALERT_STATE_KEY);
    const current = (await this.getItem(ALERT_STATE_KEY)) ?? {};
    const update = new UpdateBuilder();
    for (const id of firingIds) update.setIfAbsent(`since:${id}`, atMs);
    const stopped = Object.keys(current).filter((name) => name.startsWith('since:') && !firingIds.includes(name.slice('since:'.length)));
    for (const name of stopped) update.remove(name);
    if (firingIds.length === 0 && stopped.length === 0) return;
    await this.track('write', () => this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: key, ...update.build() })));
  }

  async compactGauges(key: string, beforeSeconds: number): Promise<number> {
    const item = await this.getItem(key);
    // Lane watermarks no shard can need any more, and pending counters of creation instants
    // that have no pending escalation left: both would otherwise pile up on a long-lived item.
    const removable = Object.entries(item ?? {}).filter(
      ([name, value]) =>
        (name.startsWith(CounterPrefix.laneWatermark) && typeof value === 'string' && Number(value.split('@')[1]) < beforeSeconds) ||
        (name.startsWith(CounterPrefix.pendingCreatedAt) && value === 0),
    );
    for (const [name, value] of removable) {
      const update = new UpdateBuilder().remove(name);
      update.condition(`${update.name(name)} = ${update.value(value)}`);
      try {
        await this.track('write', () => this.client.send(new UpdateItemCommand({ TableName: this.tableName, Key: this.key(key), ...update.build() })));
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // written again meanwhile: still in use
      }
    }
    return removable.length;
  }

  async getItems(keys: readonly string[]): Promise<Map<string, StoredItem>> {
    const items = new Map<string, StoredItem>();
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, KeysAndAttributes> | undefined = {
        [this.tableName]: { Keys: keys.slice(i, i + BATCH_GET_LIMIT).map((key) => this.key(key)) },
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

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
