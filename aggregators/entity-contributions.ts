import { addCoverage } from './coverage';
import {
  type CounterKey,
  type DayName,
  dayCounter,
  GaugeName,
  gaugeCounter,
  MinuteName,
  minuteCounter,
  pendingEntryCounter,
  SERIES_BLOCK_MINUTES,
  type SeriesName,
  seriesCounter,
  WINDOW_BLOCK_MINUTES,
  WindowName,
  windowCounter,
} from './counters';
import { addDelta, type Deltas } from './deltas';
import type { ConversationState, EntityState, EscalationState, UserState } from './entity-state';
import { activityOf, earliest } from './entity-state';
import { addFactDeltas } from './fact-deltas';
import { type LabelPolicy, languageLabel, regionLabel } from './labels';
import { localDateOf, minuteOf, nextLocalDayStartMinute, tenSecondsOf } from './time';

/** What a fold needs to know besides the events. */
export interface FoldContext {
  timeZone: string;
  labels: LabelPolicy;
  /** An escalation served within this many seconds of its creation counts as within the service level. */
  serviceLevelSeconds: number;
}

/** SERVICE_LEVEL_SECONDS when it is not set (SPEC §4.1). */
export const DEFAULT_SERVICE_LEVEL_SECONDS = 120;

export const LIVE_WINDOW_MINUTES = 30;
export const ACTIVE_WINDOW_MINUTES = 5;

/**
 * What one entity adds to the counters, as a pure function of its state. Every counter is the
 * sum of these over all entities, so a change of state is applied as
 * `contributionsOf(after) − contributionsOf(before)`: exact whatever order the events came in.
 * Windowed counts are difference-array entries (aggregators/coverage.ts), a handful per run of
 * activity, so a contribution stays small however long the entity lives.
 *
 * Messages are not here: a message counts once, when it is first applied (fold-lane.ts).
 */
export function contributionsOf(state: EntityState | undefined, context: FoldContext): Deltas {
  const deltas: Deltas = new Map();
  switch (state?.kind) {
    case 'conversation':
      addConversation(deltas, state, context);
      break;
    case 'user':
      addUser(deltas, state, context);
      break;
    case 'escalation':
      addEscalation(deltas, state, context);
      break;
    case 'fact':
      addFactDeltas(deltas, state.event, context.labels);
      break;
    case undefined:
      break;
  }
  return deltas;
}

const adder =
  (deltas: Deltas, counter: (minute: number) => CounterKey) =>
  (minute: number, delta: number): void =>
    addDelta(deltas, counter(minute), delta);

function addConversation(deltas: Deltas, c: ConversationState, { labels }: FoldContext): void {
  const start = earliest(c.starts);
  if (start === undefined) return; // a conversation counts once its start is known

  const startMinute = minuteOf(start);
  addDelta(deltas, minuteCounter(startMinute, MinuteName.startsInTenSeconds(tenSecondsOf(start) - startMinute * 6)), 1);

  const activity = activityOf(c);
  const end = earliest(c.ends);
  if (end === undefined) {
    addWindow(deltas, activity, LIVE_WINDOW_MINUTES, 'live', WindowName.liveByLanguage(languageLabel(labels, c.language)));
  } else {
    addDelta(deltas, minuteCounter(minuteOf(end), MinuteName.endedConversations), 1);
    addDelta(deltas, minuteCounter(minuteOf(end), MinuteName.endedDurationMs), end - start);
  }
  addWindow(deltas, activity, ACTIVE_WINDOW_MINUTES, 'act', WindowName.activeByRegion(regionLabel(labels, c.region)));
}

/** One conversation in a window: in the per-minute total (hour blocks) and under its label (30-minute blocks). */
function addWindow(deltas: Deltas, activity: readonly number[], width: number, total: SeriesName, label: string): void {
  addCoverage(
    activity,
    width,
    SERIES_BLOCK_MINUTES,
    adder(deltas, (m) => seriesCounter(m, total)),
  );
  addCoverage(
    activity,
    width,
    WINDOW_BLOCK_MINUTES,
    adder(deltas, (m) => windowCounter(m, label)),
  );
}

function addUser(deltas: Deltas, u: UserState, { timeZone }: FoldContext): void {
  let firstSeen = Number.POSITIVE_INFINITY;
  const minutes = new Set<number>();
  for (const share of Object.values(u.conversations)) {
    if (share.start === null) continue;
    firstSeen = Math.min(firstSeen, share.start);
    for (const minute of share.activity) minutes.add(minute);
  }
  if (firstSeen === Number.POSITIVE_INFINITY) return;
  const activity = [...minutes].sort((a, b) => a - b);
  addCoverage(
    activity,
    ACTIVE_WINDOW_MINUTES,
    WINDOW_BLOCK_MINUTES,
    adder(deltas, (m) => windowCounter(m, WindowName.uniqueUsers)),
  );
  // Returning: the same minutes, from the first one of the day after the user was first seen.
  const returningFrom = nextLocalDayStartMinute(firstSeen, timeZone);
  addCoverage(
    activity,
    ACTIVE_WINDOW_MINUTES,
    WINDOW_BLOCK_MINUTES,
    adder(deltas, (m) => windowCounter(m, WindowName.returningUsers)),
    returningFrom,
  );
}

export type EscalationStatus = 'pending' | 'in_progress' | 'resolved' | 'failed';

export function statusOf(e: EscalationState): EscalationStatus {
  if (e.resolved.length > 0) return 'resolved';
  if (e.failed.length > 0) return 'failed';
  if (e.assigned.length > 0) return 'in_progress';
  return 'pending';
}

function addEscalation(deltas: Deltas, e: EscalationState, { timeZone, serviceLevelSeconds }: FoldContext): void {
  const created = earliest(e.created);
  if (created === undefined) return; // counts once its creation (and priority) is known
  const priority = e.priority ?? 'low';

  addDelta(deltas, dayCounter(localDateOf(created, timeZone), 'created'), 1);
  const status = statusOf(e);
  if (status === 'pending') {
    addDelta(deltas, gaugeCounter(GaugeName.pending), 1);
    addDelta(deltas, gaugeCounter(GaugeName.pendingInHour(Math.floor(created / 3_600_000))), 1);
    addDelta(deltas, pendingEntryCounter(created, priority, e.id), 1);
  }
  if (status === 'in_progress') addDelta(deltas, gaugeCounter(GaugeName.inProgress), 1);
  if ((status === 'pending' || status === 'in_progress') && priority === 'critical') addDelta(deltas, gaugeCounter(GaugeName.criticalOpen), 1);

  const resolved = earliest(e.resolved);
  if (resolved !== undefined) addDelta(deltas, dayCounter(localDateOf(resolved, timeZone), 'resolved'), 1);
  const failed = earliest(e.failed);
  if (failed !== undefined && status === 'failed') addDelta(deltas, dayCounter(localDateOf(failed, timeZone), 'failed'), 1);

  const served = Math.min(earliest(e.assigned) ?? Number.POSITIVE_INFINITY, resolved ?? Number.POSITIVE_INFINITY);
  if (served !== Number.POSITIVE_INFINITY) {
    const day = localDateOf(served, timeZone);
    addDelta(deltas, dayCounter(day, 'servedN'), 1);
    addDelta(deltas, dayCounter(day, 'waitMs' satisfies DayName), served - created);
    if (served - created <= serviceLevelSeconds * 1000) addDelta(deltas, dayCounter(day, 'servedInSL'), 1);
  }
}
