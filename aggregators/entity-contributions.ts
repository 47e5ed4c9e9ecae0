import { addDelta, type ItemDeltas } from './deltas';
import type { ConversationState, EntityState, EscalationState, UserState } from './entity-state';
import { activityOf, earliest } from './entity-state';
import { addFactDeltas, addMessageDeltas } from './fact-deltas';
import { Counter, dayKey, ESCALATION_GAUGES_KEY, minuteKey } from './metrics-items';
import { localDateOf, localDateOfMinute, minuteOf, tenSecondsOf } from './time';

/**
 * What one entity adds to the counters, as a pure function of its state. Every counter is the
 * sum of these over all entities, so a change of state is applied as
 * `contributionsOf(after) − contributionsOf(before)`: exact whatever order the events came in.
 */
export function contributionsOf(state: EntityState | undefined, timeZone: string): ItemDeltas {
  const deltas: ItemDeltas = new Map();
  switch (state?.kind) {
    case 'conversation':
      addConversation(deltas, state, timeZone);
      break;
    case 'user':
      addUser(deltas, state, timeZone);
      break;
    case 'escalation':
      addEscalation(deltas, state, timeZone);
      break;
    case 'fact':
      addFactDeltas(deltas, state.event);
      break;
    case undefined:
      break;
  }
  return deltas;
}

/** Minutes whose window of `width` minutes (ending there) holds one of the activity minutes. */
function windowsCovering(activity: readonly number[], width: number): Set<number> {
  const minutes = new Set<number>();
  for (const minute of activity) {
    for (let offset = 0; offset < width; offset++) minutes.add(minute + offset);
  }
  return minutes;
}

function addConversation(deltas: ItemDeltas, c: ConversationState, timeZone: string): void {
  // Messages count whether or not the conversation's start is known yet.
  for (const message of Object.values(c.messages)) addMessageDeltas(deltas, message);

  const start = earliest(c.starts);
  if (start === undefined) return; // a conversation counts once its start is known

  const startMinute = minuteOf(start);
  addDelta(deltas, minuteKey(startMinute), Counter.startsInTenSeconds(tenSecondsOf(start) - startMinute * 6), 1);

  const activity = activityOf(c);
  const end = earliest(c.ends);
  if (end === undefined) {
    const language = Counter.liveByLanguage(c.language ?? 'unknown');
    for (const minute of windowsCovering(activity, 30)) {
      addDelta(deltas, minuteKey(minute), Counter.live, 1);
      addDelta(deltas, minuteKey(minute), language, 1);
    }
  } else {
    addDelta(deltas, minuteKey(minuteOf(end)), Counter.endedConversations, 1);
    addDelta(deltas, minuteKey(minuteOf(end)), Counter.endedDurationMs, end - start);
  }

  const region = Counter.activeByRegion(c.region ?? 'unknown');
  for (const minute of windowsCovering(activity, 5)) {
    addDelta(deltas, minuteKey(minute), Counter.active, 1);
    addDelta(deltas, minuteKey(minute), region, 1);
    addDelta(deltas, dayKey(localDateOfMinute(minute, timeZone)), Counter.activeInMinute(minute), 1);
  }
}

function addUser(deltas: ItemDeltas, u: UserState, timeZone: string): void {
  const shares = Object.values(u.conversations).filter((share) => share.start !== null);
  if (shares.length === 0) return;
  const firstSeen = Math.min(...shares.map((share) => share.start!));
  const firstSeenDate = localDateOf(firstSeen, timeZone);
  for (const minute of windowsCovering(
    shares.flatMap((share) => share.activity),
    5,
  )) {
    addDelta(deltas, minuteKey(minute), Counter.uniqueUsers, 1);
    if (firstSeenDate < localDateOfMinute(minute, timeZone)) addDelta(deltas, minuteKey(minute), Counter.returningUsers, 1);
  }
}

export type EscalationStatus = 'pending' | 'in_progress' | 'resolved' | 'failed';

export function statusOf(e: EscalationState): EscalationStatus {
  if (e.resolved.length > 0) return 'resolved';
  if (e.failed.length > 0) return 'failed';
  if (e.assigned.length > 0) return 'in_progress';
  return 'pending';
}

function addEscalation(deltas: ItemDeltas, e: EscalationState, timeZone: string): void {
  const created = earliest(e.created);
  if (created === undefined) return; // counts once its creation (and priority) is known

  addDelta(deltas, dayKey(localDateOf(created, timeZone)), Counter.escalationsCreated, 1);
  const status = statusOf(e);
  if (status === 'pending') {
    addDelta(deltas, ESCALATION_GAUGES_KEY, Counter.pending, 1);
    addDelta(deltas, ESCALATION_GAUGES_KEY, Counter.pendingCreatedAt(created), 1);
  }
  if (status === 'in_progress') addDelta(deltas, ESCALATION_GAUGES_KEY, Counter.inProgress, 1);
  if ((status === 'pending' || status === 'in_progress') && e.priority === 'critical') {
    addDelta(deltas, ESCALATION_GAUGES_KEY, Counter.criticalOpen, 1);
  }

  const resolved = earliest(e.resolved);
  if (resolved !== undefined) addDelta(deltas, dayKey(localDateOf(resolved, timeZone)), Counter.escalationsResolved, 1);

  const served = Math.min(earliest(e.assigned) ?? Infinity, resolved ?? Infinity);
  if (served !== Infinity) {
    const day = dayKey(localDateOf(served, timeZone));
    addDelta(deltas, day, Counter.escalationsServed, 1);
    addDelta(deltas, day, Counter.waitMs, served - created);
  }
}
