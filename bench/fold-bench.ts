/**
 * 1. Fold: what one core does per event without any I/O — validate the canonical event (zod),
 * then fold it: entity events through `foldEntityBatch` (starting from the states the earlier
 * batches left, as the store would hand them back), telemetry through `foldTelemetry`, and the
 * user shares that the conversations emit through `foldEntityBatch` on the users' lane.
 *
 * What an event costs depends on how much its entity already holds (each event recomputes the
 * entity's contributions), so the mix matters: whole conversations (a history of many hours)
 * are the steady state; the first seconds at 10,000 events/s are mostly young conversations.
 */
import { contributionsOf, type FoldContext } from '../aggregators/entity-contributions';
import { DEFAULT_LABEL_POLICY } from '../aggregators/labels';
import { isTelemetryFact } from '../aggregators/entity-routing';
import { foldEntityBatch, foldTelemetry, type LaneRecord, type StoredEntity } from '../aggregators/fold-lane';
import { canonicalEventSchema, type CanonicalEvent, type CanonicalEventInput } from '../schemas/canonical-events';
import type { PulseEvent } from '../schemas/pulse-events';
import { profiled, type ProfileSummary } from './profile';
import { median, nowMs } from './stats';

export interface FoldStages {
  validateMs: number;
  entityFoldMs: number;
  telemetryFoldMs: number;
  shareFoldMs: number;
}

/**
 * Folds every event once, in batches, as one aggregator lane would; returns the time per stage,
 * and the entity states it ended with.
 */
export function foldAll(events: readonly CanonicalEventInput[], batchSize: number, timeZone = 'UTC'): FoldStages & { entities: Map<string, StoredEntity> } {
  const context: FoldContext = { timeZone, labels: DEFAULT_LABEL_POLICY };
  const stages: FoldStages = { validateMs: 0, entityFoldMs: 0, telemetryFoldMs: 0, shareFoldMs: 0 };
  const entities = new Map<string, StoredEntity>();
  const users = new Map<string, StoredEntity>();
  let seq = 10n ** 20n;
  const keep = (into: Map<string, StoredEntity>, writes: ReturnType<typeof foldEntityBatch>['entityWrites']) => {
    for (const write of writes) into.set(write.key, { state: write.state, appliedSeq: write.appliedSeq });
  };
  for (let i = 0; i < events.length; i += batchSize) {
    let t = nowMs();
    const valid: CanonicalEvent[] = [];
    for (const event of events.slice(i, i + batchSize)) {
      const parsed = canonicalEventSchema.safeParse(event);
      if (parsed.success) valid.push(parsed.data);
    }
    let next = nowMs();
    stages.validateMs += next - t;
    t = next;

    const entityRecords: LaneRecord[] = [];
    const telemetry: LaneRecord<CanonicalEvent>[] = [];
    for (const event of valid) (isTelemetryFact(event) ? telemetry : entityRecords).push({ seq: String(seq++), event });
    const fold = foldEntityBatch(entityRecords, entities, context, 'pulse-events/shardId-0');
    keep(entities, fold.entityWrites);
    next = nowMs();
    stages.entityFoldMs += next - t;
    t = next;

    foldTelemetry(telemetry, context);
    next = nowMs();
    stages.telemetryFoldMs += next - t;
    t = next;

    const shares: LaneRecord<PulseEvent>[] = fold.forwards.map(({ share }) => ({ seq: String(seq++), event: share }));
    keep(users, foldEntityBatch(shares, users, context, 'pulse-events/shardId-1').entityWrites);
    stages.shareFoldMs += nowMs() - t;
  }
  return { ...stages, entities };
}

/** How many counters a conversation's contributions hold: what each of its events recomputes, twice. */
function meanConversationCounters(entities: ReadonlyMap<string, StoredEntity>): number {
  const sizes: number[] = [];
  for (const { state } of entities.values()) {
    if (state.kind !== 'conversation') continue;
    sizes.push(contributionsOf(state, { timeZone: 'UTC', labels: DEFAULT_LABEL_POLICY }).size);
    if (sizes.length === 5000) break;
  }
  return sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
}

const total = (s: FoldStages) => s.validateMs + s.entityFoldMs + s.telemetryFoldMs + s.shareFoldMs;

export interface FoldResult {
  events: number;
  reps: number;
  eventsPerSec: number;
  validateOnlyPerSec: number;
  foldOnlyPerSec: number;
  /** Median share of the time per stage. */
  stageShares: Record<keyof FoldStages, number>;
  /** Counters in a conversation's contributions, averaged over the conversations folded. */
  countersPerConversation: number;
  profile: ProfileSummary;
}

export async function foldBench(events: readonly CanonicalEventInput[], reps: number, batchSize = 1000): Promise<FoldResult> {
  foldAll(events.slice(0, Math.min(events.length, 20_000)), batchSize); // warm up the JIT
  const runs = Array.from({ length: reps }, (): FoldStages => {
    const { entities: _entities, ...stages } = foldAll(events, batchSize);
    return stages;
  });
  const perSec = (ms: number) => Math.round((events.length / ms) * 1000);
  const pick = (stage: keyof FoldStages) => median(runs.map((run) => run[stage]));
  const medianTotal = median(runs.map(total));
  const { result: last, profile } = await profiled(async () => foldAll(events, batchSize));
  const share = (stage: keyof FoldStages) => Math.round((pick(stage) / medianTotal) * 1000) / 1000;
  return {
    events: events.length,
    reps,
    eventsPerSec: perSec(medianTotal),
    validateOnlyPerSec: perSec(pick('validateMs')),
    foldOnlyPerSec: perSec(medianTotal - pick('validateMs')),
    stageShares: {
      validateMs: share('validateMs'),
      entityFoldMs: share('entityFoldMs'),
      telemetryFoldMs: share('telemetryFoldMs'),
      shareFoldMs: share('shareFoldMs'),
    },
    countersPerConversation: Math.round(meanConversationCounters(last.entities)),
    profile,
  };
}
