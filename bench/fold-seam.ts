/**
 * The one place the bench reaches into `aggregators/`: the fold on its own, without I/O, for
 * `foldEventsPerSec` (validate + fold, one core). Everything else in bench/ drives the functions,
 * the `MetricsStore` port and `readDocument`. When the fold's signatures change, this file is
 * the one to follow them; fold-bench.ts only times the four steps below. `entityWriteCauses`
 * explains the write step's entity items: why each one had to be written.
 */
import { contributionsOf, DEFAULT_SERVICE_LEVEL_SECONDS, type FoldContext } from '../aggregators/entity-contributions';
import { DEFAULT_LABEL_POLICY } from '../aggregators/labels';
import { entityKeyOf, isTelemetryFact } from '../aggregators/entity-routing';
import type { EntityState } from '../aggregators/entity-state';
import { type EntityWrite, foldEntityBatch, foldTelemetry, type LaneRecord, type StoredEntity } from '../aggregators/fold-lane';
import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseEvent } from '../schemas/pulse-events';
import { shardIndexOf } from './harness';

/** One aggregator lane's fold, holding the entity states the store would hand back between batches. */
export interface LaneFold {
  /** Telemetry facts are folded where they arrive; the rest go to their entity's writer. */
  isTelemetry(event: CanonicalEvent): boolean;
  /** Folds a batch of entity events; returns what they forward (user shares). */
  foldEntities(events: readonly CanonicalEvent[]): PulseEvent[];
  foldTelemetry(events: readonly CanonicalEvent[]): void;
  /** Folds forwarded shares on the users' lane. */
  foldShares(shares: readonly PulseEvent[]): void;
  /** A design-specific figure for the report: counters a conversation's contributions hold (what each of its events recomputes). */
  countersPerConversation(): number;
}

export function createLaneFold(timeZone = 'UTC'): LaneFold {
  const context: FoldContext = { timeZone, labels: DEFAULT_LABEL_POLICY, serviceLevelSeconds: DEFAULT_SERVICE_LEVEL_SECONDS };
  const entities = new Map<string, StoredEntity>();
  const users = new Map<string, StoredEntity>();
  let seq = 10n ** 20n;
  const records = <E>(events: readonly E[]): LaneRecord<E>[] => events.map((event) => ({ seq: String(seq++), event }));
  const keep = (into: Map<string, StoredEntity>, writes: readonly EntityWrite[]) => {
    for (const write of writes) into.set(write.key, { state: write.state, appliedSeq: write.appliedSeq });
  };
  return {
    isTelemetry: isTelemetryFact,
    foldEntities(events) {
      const fold = foldEntityBatch(records(events), entities, context, 'pulse-events/shardId-0');
      keep(entities, fold.entityWrites);
      return fold.forwards.map(({ share }) => share);
    },
    foldTelemetry(events) {
      foldTelemetry(records(events), context);
    },
    foldShares(shares) {
      keep(users, foldEntityBatch(records(shares), users, context, 'pulse-events/shardId-1').entityWrites);
    },
    countersPerConversation() {
      const sizes: number[] = [];
      for (const { state } of entities.values()) {
        if (state.kind !== 'conversation') continue;
        sizes.push(contributionsOf(state, context).size);
        if (sizes.length === 5000) break;
      }
      return sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
    },
  };
}

/** Entity writes per event, by what made each one necessary. */
export interface EntityWriteCauses {
  /** An entity (conversation or escalation) this table has no item for yet; at 10,000 events/s, those under way before the measured window. */
  firstSight: number;
  /** A conversation whose start, end or activity minutes changed: its counters move. */
  conversationChange: number;
  /** A conversation that only gained a message: its de-duplication key. */
  messageOnly: number;
  /** An escalation the table already holds, changed. */
  escalation: number;
}

/**
 * Why entity items are written: the lanes' fold over `events` at `batchSize` records per lane
 * batch, each entity on the lane the bench's internal stream puts it on (the MD5 of its key,
 * harness.ts). User items (written for the users' shares) are not counted here.
 */
export function entityWriteCauses(events: readonly CanonicalEvent[], options: { lanes: number; batchSize: number; timeZone?: string }): EntityWriteCauses {
  const context: FoldContext = { timeZone: options.timeZone ?? 'UTC', labels: DEFAULT_LABEL_POLICY, serviceLevelSeconds: DEFAULT_SERVICE_LEVEL_SECONDS };
  const lanes: CanonicalEvent[][] = Array.from({ length: options.lanes }, () => []);
  for (const event of events) if (!isTelemetryFact(event)) lanes[shardIndexOf(entityKeyOf(event), options.lanes)]!.push(event);
  const stored = new Map<string, StoredEntity>();
  const causes: EntityWriteCauses = { firstSight: 0, conversationChange: 0, messageOnly: 0, escalation: 0 };
  let seq = 10n ** 20n;
  lanes.forEach((laneEvents, lane) => {
    for (let i = 0; i < laneEvents.length; i += options.batchSize) {
      const records = laneEvents.slice(i, i + options.batchSize).map((event) => ({ seq: String(seq++), event }));
      for (const write of foldEntityBatch(records, stored, context, `lane-${lane}`).entityWrites) {
        causes[causeOf(stored.get(write.key)?.state, write.state)]++;
        stored.set(write.key, { state: write.state, appliedSeq: write.appliedSeq });
      }
    }
  });
  const perEvent = (count: number) => count / Math.max(1, events.length);
  return {
    firstSight: perEvent(causes.firstSight),
    conversationChange: perEvent(causes.conversationChange),
    messageOnly: perEvent(causes.messageOnly),
    escalation: perEvent(causes.escalation),
  };
}

function causeOf(before: EntityState | undefined, after: EntityState): keyof EntityWriteCauses {
  if (before === undefined) return 'firstSight';
  if (after.kind !== 'conversation' || before.kind !== 'conversation') return 'escalation';
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  const countersMove = !same(after.activity, before.activity) || !same(after.starts, before.starts) || !same(after.ends, before.ends);
  return countersMove || after.describedBy?.eventId !== before.describedBy?.eventId ? 'conversationChange' : 'messageOnly';
}
