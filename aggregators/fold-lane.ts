import type { CanonicalEvent } from '../schemas/canonical-events';
import type { PulseEvent, UserShare } from '../schemas/pulse-events';
import { applyEvent } from './apply-event';
import { type Deltas, differenceOf } from './deltas';
import { contributionChange, contributionsOf, type FoldContext } from './entity-contributions';
import { entityKeyOf, userKey } from './entity-routing';
import { activityOf, type ConversationState, earliest, type EntityState } from './entity-state';
import { addFactDeltas, addMessageDeltas } from './fact-deltas';
import { isoInstantOf } from './iso-instant';
import { padSequence } from './sequence';
import { epochMsOf, minuteOf } from './time';

/** One record of a shard: its sequence number and the event it carries. */
export interface LaneRecord<E = PulseEvent> {
  seq: string;
  event: E;
}

/** An entity as read before the batch: its state and how far this lane has applied it. */
export interface StoredEntity {
  state: EntityState;
  /** Padded sequence number of the last record of this lane in `state`, if any. */
  appliedSeq?: string;
}

export interface EntityWrite {
  key: string;
  state: EntityState;
  /** The padded sequence of the last record folded in. */
  appliedSeq: string;
  /** The first record of this batch that changed the entity: where a retry must start if the write fails. */
  firstSeq: string;
  /** The watermark read before the batch; the write is conditional on it (one writer per entity). */
  expectedSeq?: string;
}

/** The counter deltas of one record: the store applies each at most once per item it touches. */
export interface CounterUnit {
  seq: string;
  /** The minute of the record's event: where the store may keep window entries it caused. */
  minute: number;
  deltas: Deltas;
}

export interface LaneFold {
  units: CounterUnit[];
  /** User shares to pass on (through the internal stream, to the user's own writer), with the record that caused each. */
  forwards: { share: UserShare; seq: string }[];
  entityWrites: EntityWrite[];
}

/**
 * An entity while its batch is folded. Every field is set when it is created, absent ones as
 * `undefined`, so all of them share one object shape: adding fields later made the hot loop's
 * property stores megamorphic (a profile showed them as a third of the loop's own time).
 */
interface EntityInBatch {
  before: EntityState | undefined;
  state: EntityState | undefined;
  /** `contributionsOf(state)`, once asked for: conversations and users difference their states without it. */
  counters: Deltas | undefined;
  appliedSeq: string | undefined;
  firstSeq: string | undefined;
  lastSeq: string | undefined;
}

/**
 * Folds one shard's batch of the internal stream. All events of an entity come through one
 * shard, so this fold is the entity's only writer: it starts from the stored state, skips
 * records the state already holds (a retry), and gives each remaining record the counter
 * deltas of the state change it causes. Pure.
 */
export function foldEntityBatch(records: readonly LaneRecord[], stored: ReadonlyMap<string, StoredEntity>, context: FoldContext, lane: string): LaneFold {
  const current = new Map<string, EntityInBatch>();
  const units: LaneFold['units'] = [];

  for (const record of records) {
    const key = entityKeyOf(record.event);
    const seq = padSequence(record.seq);
    let entity = current.get(key);
    if (!entity) {
      const found = stored.get(key);
      entity = {
        before: found?.state,
        state: found?.state,
        counters: undefined,
        appliedSeq: found?.appliedSeq,
        firstSeq: undefined,
        lastSeq: undefined,
      };
      current.set(key, entity);
    }
    if (entity.appliedSeq !== undefined && seq <= entity.appliedSeq) continue; // already in the stored state

    const next = applyEvent(entity.state, record.event);
    entity.appliedSeq = seq;
    entity.lastSeq = record.seq;
    entity.firstSeq ??= record.seq;
    if (next === entity.state) continue; // a duplicate: nothing changes
    // A message in a minute the conversation was already active in changes no contribution.
    const sameContributions =
      next.kind === 'conversation' &&
      entity.state?.kind === 'conversation' &&
      next.activity === entity.state.activity &&
      next.starts === entity.state.starts &&
      next.ends === entity.state.ends &&
      next.describedBy === entity.state.describedBy;
    let deltas: Deltas | undefined = sameContributions ? new Map() : contributionChange(entity.state, next, context);
    if (deltas === undefined) {
      const before = entity.counters ?? contributionsOf(entity.state, context);
      entity.counters = contributionsOf(next, context);
      deltas = differenceOf(before, entity.counters);
    } else if (!sameContributions) entity.counters = undefined;
    if (isNewMessage(record.event, entity.state, next)) addMessageDeltas(deltas, record.event);
    entity.state = next;
    if (deltas.size > 0) units.push({ seq: record.seq, minute: minuteOf(epochMsOf(record.event.occurredAt)), deltas });
  }

  const forwards: LaneFold['forwards'] = [];
  const entityWrites: EntityWrite[] = [];
  for (const [key, entity] of current) {
    if (!entity.state || entity.appliedSeq === undefined || entity.firstSeq === undefined) continue;
    // Records that left the state as it was gave no deltas, and would give none on a retry either.
    if (entity.state === entity.before) continue;
    const expectedSeq = stored.get(key)?.appliedSeq;
    entityWrites.push({
      key,
      state: entity.state,
      appliedSeq: entity.appliedSeq,
      firstSeq: entity.firstSeq,
      ...(expectedSeq !== undefined && { expectedSeq }),
    });
    for (const share of userSharesOf(entity.state, entity.before, lane, entity.appliedSeq)) {
      forwards.push({ share, seq: entity.lastSeq ?? entity.firstSeq });
    }
  }
  return { units, forwards, entityWrites };
}

/** Folds telemetry facts that came straight from a sequenced transport: each record counts once. Pure. */
export function foldTelemetry(records: readonly LaneRecord<CanonicalEvent>[], context: FoldContext): LaneFold {
  const units: LaneFold['units'] = [];
  for (const record of records) {
    const deltas: Deltas = new Map();
    addFactDeltas(deltas, record.event, context.labels);
    if (deltas.size > 0) units.push({ seq: record.seq, minute: minuteOf(epochMsOf(record.event.occurredAt)), deltas });
  }
  return { units, forwards: [], entityWrites: [] };
}

/**
 * What a conversation tells its user(s) after a batch: its current share, once its start (and so
 * its user) is known, and a withdrawal for the user it no longer belongs to, if that changed.
 */
function userSharesOf(after: EntityState, before: EntityState | undefined, lane: string, appliedSeq: string): UserShare[] {
  if (after.kind !== 'conversation') return [];
  const previous = before?.kind === 'conversation' ? shareOf(before) : undefined;
  const current = shareOf(after);
  const revision = `${lane}|${appliedSeq}`;
  const shares: UserShare[] = [];
  if (previous && previous.userId !== current?.userId) {
    shares.push(userShare(after.id, previous.userId, revision, null, [], latestOf(previous)));
  }
  if (current && !(previous && previous.userId === current.userId && previous.start === current.start && sameMinutes(previous.activity, current.activity))) {
    shares.push(userShare(after.id, current.userId, revision, current.start, current.activity, latestOf(current)));
  }
  return shares;
}

function shareOf(c: ConversationState): { userId: string; start: number; activity: number[] } | undefined {
  const start = earliest(c.starts);
  return start === undefined ? undefined : { userId: c.userId ?? c.id, start, activity: activityOf(c) };
}

/**
 * A share is timed by the conversation's latest activity: where its change to the user's windows
 * lies, so the user's writer keeps the entries in the minute item it writes anyway.
 */
const latestOf = (share: { start: number; activity: number[] }): number => Math.max(share.start, (share.activity[share.activity.length - 1] ?? 0) * 60_000);

function userShare(conversationId: string, userId: string, revision: string, start: number | null, activity: number[], at: number): UserShare {
  return {
    eventId: `share:${userKey(userId)}:${conversationId}:${revision}`,
    type: 'user.share',
    occurredAt: isoInstantOf(at),
    userId,
    conversationId,
    revision,
    start,
    activity,
  };
}

/** A message whose key the conversation did not hold yet: it counts now, and never again. */
function isNewMessage(event: PulseEvent, before: EntityState | undefined, after: EntityState): event is Extract<PulseEvent, { type: 'message.sent' }> {
  if (event.type !== 'message.sent' || after.kind !== 'conversation') return false;
  return before?.kind !== 'conversation' || before.messages !== after.messages;
}

const sameMinutes = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((minute, i) => minute === b[i]);
