/**
 * Fold: what one core does per event without any I/O — validate the canonical event (zod),
 * then fold it as one aggregator lane would: entity events starting from the states the
 * earlier batches left (as the store would hand them back), telemetry, and the user shares that
 * the conversations emit, on the users' lane. The fold itself is reached through
 * `fold-seam.ts`, the bench's one door into `aggregators/`.
 *
 * What an event costs depends on how much its entity already holds, so the mix matters: whole
 * conversations (a history of many hours) are the steady state; the first seconds at 10,000
 * events/s are mostly young conversations.
 */
import { canonicalEventSchema, type CanonicalEvent, type CanonicalEventInput } from '../schemas/canonical-events';
import { createLaneFold, type LaneFold } from './fold-seam';
import { profiled, type ProfileSummary } from './profile';
import { median, nowMs } from './stats';

export interface FoldStages {
  validateMs: number;
  entityFoldMs: number;
  telemetryFoldMs: number;
  shareFoldMs: number;
}

/** Folds every event once, in batches, as one aggregator lane would; returns the time per stage, and the lane. */
export function foldAll(events: readonly CanonicalEventInput[], batchSize: number, timeZone = 'UTC'): FoldStages & { lane: LaneFold } {
  const stages: FoldStages = { validateMs: 0, entityFoldMs: 0, telemetryFoldMs: 0, shareFoldMs: 0 };
  const lane = createLaneFold(timeZone);
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

    const entityEvents: CanonicalEvent[] = [];
    const telemetry: CanonicalEvent[] = [];
    for (const event of valid) (lane.isTelemetry(event) ? telemetry : entityEvents).push(event);
    const shares = lane.foldEntities(entityEvents);
    next = nowMs();
    stages.entityFoldMs += next - t;
    t = next;

    lane.foldTelemetry(telemetry);
    next = nowMs();
    stages.telemetryFoldMs += next - t;
    t = next;

    lane.foldShares(shares);
    stages.shareFoldMs += nowMs() - t;
  }
  return { ...stages, lane };
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
    const { lane: _lane, ...stages } = foldAll(events, batchSize);
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
    countersPerConversation: Math.round(last.lane.countersPerConversation()),
    profile,
  };
}
