/**
 * The one place the bench reaches into `aggregators/`: the fold on its own, without I/O, for
 * `foldEventsPerSec` (validate + fold, one core). Everything else in bench/ drives the functions,
 * the `MetricsStore` port and `readDocument`. When the fold's signatures change, this file is
 * the one to follow them; fold-bench.ts only times the four steps below.
 */
import { contributionsOf, DEFAULT_SERVICE_LEVEL_SECONDS, type FoldContext } from '../aggregators/entity-contributions';
import { DEFAULT_LABEL_POLICY } from '../aggregators/labels';
import { isTelemetryFact } from '../aggregators/entity-routing';
import { type EntityWrite, foldEntityBatch, foldTelemetry, type LaneRecord, type StoredEntity } from '../aggregators/fold-lane';
import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseEvent } from '../schemas/pulse-events';

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
