import { addCoverage } from './coverage';
import {
  type DayName,
  dayCounter,
  departedEntryCounter,
  departureCounter,
  type GaugeChangeName,
  GaugeName,
  gaugeCounter,
  MinuteName,
  minuteCounter,
  pendingEntryCounter,
  queueSlotOf,
  SERIES_BLOCK_MINUTES,
  type SeriesName,
  seriesCounters,
  WINDOW_BLOCK_MINUTES,
  WindowName,
  windowCounters,
} from './counters';
import { addDelta, type Deltas } from './deltas';
import { ContributionList } from './contribution-list';
import type { ConversationState, EntityState, EscalationState, UserState } from './entity-state';
import { activityFromStart, earliest } from './entity-state';
import { addFactDeltas } from './fact-deltas';
import { type LabelPolicy, languageLabel, regionLabel } from './labels';
import { localDateOf, localHourOfMinute, minuteOf, nextLocalDayStartMinute, tenSecondsOf } from './time';

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
  switch (state?.kind) {
    case 'conversation':
    case 'user':
      return listContributions(scratch, state, context).toDeltas();
    case 'escalation': {
      const deltas: Deltas = new Map();
      addEscalation(deltas, state, context);
      return deltas;
    }
    case 'fact': {
      const deltas: Deltas = new Map();
      addFactDeltas(deltas, state.event, context.labels);
      return deltas;
    }
    case undefined:
      return new Map();
  }
}

/** The lists the fold reuses for every record: the states before and after it, and contributionsOf's. */
const scratch = new ContributionList();
const beforeList = new ContributionList();
const afterList = new ContributionList();
/** The activity minutes of the state being listed; addCoverage reads them before the next state is listed. */
const minutesInUse: number[] = [];

/**
 * `differenceOf(contributionsOf(before), contributionsOf(after))`, the same counters in the same
 * order, for a conversation or a user (`before` of the same kind, or none) — without building
 * either Map. Undefined for any other entity, or a state whose lists come out of order.
 */
export function contributionChange(before: EntityState | undefined, after: EntityState, context: FoldContext): Deltas | undefined {
  if (after.kind !== 'conversation' && after.kind !== 'user') return undefined;
  if (before !== undefined && before.kind !== after.kind) return undefined;
  listContributions(beforeList, before, context);
  listContributions(afterList, after, context);
  return ContributionList.difference(beforeList, afterList);
}

function listContributions(list: ContributionList, state: EntityState | undefined, context: FoldContext): ContributionList {
  list.clear();
  if (state?.kind === 'conversation') addConversation(list, state, context);
  else if (state?.kind === 'user') addUser(list, state, context);
  return list;
}

/**
 * The parts of a conversation's and a user's contributions, in the order they are added. No two
 * parts share a counter name, so a counter is in one part only (as ContributionList.difference needs).
 */
const Part = {
  startsInTenSeconds: 0,
  started: 1,
  liveSeries: 2,
  liveByLanguage: 3,
  endedConversations: 4,
  endedDuration: 5,
  activeSeries: 6,
  activeByRegion: 7,
  uniqueUsers: 0,
  returningUsers: 1,
} as const;

function addConversation(list: ContributionList, c: ConversationState, { labels }: FoldContext): void {
  const start = earliest(c.starts);
  if (start === undefined) return; // a conversation counts once its start is known

  const startMinute = minuteOf(start);
  const slot = MinuteName.startsInTenSeconds(tenSecondsOf(start) - startMinute * 6);
  list.add(Part.startsInTenSeconds, startMinute, minuteCounter(startMinute, slot), 1);
  list.add(Part.started, startMinute, minuteCounter(startMinute, MinuteName.started), 1);

  // Each minute counts what was known by its end: nothing before the start, nothing live from the end on.
  const activity = activityFromStart(c, startMinute, minutesInUse);
  const end = earliest(c.ends);
  const liveUntil = end === undefined ? Number.POSITIVE_INFINITY : minuteOf(end);
  const language = WindowName.liveByLanguage(languageLabel(labels, c.language));
  addWindow(list, activity, LIVE_WINDOW_MINUTES, Part.liveSeries, 'live', Part.liveByLanguage, language, liveUntil);
  if (end !== undefined) {
    const endMinute = minuteOf(end);
    list.add(Part.endedConversations, endMinute, minuteCounter(endMinute, MinuteName.endedConversations), 1);
    list.add(Part.endedDuration, endMinute, minuteCounter(endMinute, MinuteName.endedDurationMs), end - start);
  }
  const region = WindowName.activeByRegion(regionLabel(labels, c.region));
  addWindow(list, activity, ACTIVE_WINDOW_MINUTES, Part.activeSeries, 'act', Part.activeByRegion, region);
}

/** One conversation in a window: in the per-minute total (hour blocks) and under its label (30-minute blocks). */
function addWindow(
  list: ContributionList,
  activity: readonly number[],
  width: number,
  totalPart: number,
  total: SeriesName,
  labelPart: number,
  label: string,
  until?: number,
): void {
  addCoverage(activity, width, SERIES_BLOCK_MINUTES, list.coverer(totalPart, seriesCounters(total)), undefined, until);
  addCoverage(activity, width, WINDOW_BLOCK_MINUTES, list.coverer(labelPart, windowCounters(label)), undefined, until);
}

function addUser(list: ContributionList, u: UserState, { timeZone }: FoldContext): void {
  let firstSeen = Number.POSITIVE_INFINITY;
  const minutes = minutesInUse;
  minutes.length = 0;
  let ascending = true;
  for (const share of Object.values(u.conversations)) {
    if (share.start === null) continue;
    firstSeen = Math.min(firstSeen, share.start);
    // As for a conversation: its activity counts from the minute its start is known.
    const startMinute = minuteOf(share.start);
    // `+ 0` turns −0 into 0, as a Set of minutes would; NaN never passes the comparison.
    for (const minute of share.activity) {
      if (!(minute >= startMinute)) continue;
      if (minutes.length > 0 && minute < minutes[minutes.length - 1]!) ascending = false;
      minutes.push(minute + 0);
    }
  }
  if (firstSeen === Number.POSITIVE_INFINITY) return;
  const activity = sortedDistinct(minutes, ascending);
  addCoverage(activity, ACTIVE_WINDOW_MINUTES, WINDOW_BLOCK_MINUTES, list.coverer(Part.uniqueUsers, windowCounters(WindowName.uniqueUsers)));
  // Returning: the same minutes, from the first one of the day after the user was first seen.
  const returningFrom = nextLocalDayStartMinute(firstSeen, timeZone);
  addCoverage(
    activity,
    ACTIVE_WINDOW_MINUTES,
    WINDOW_BLOCK_MINUTES,
    list.coverer(Part.returningUsers, windowCounters(WindowName.returningUsers)),
    returningFrom,
  );
}

/**
 * The distinct minutes in order: sorting then skipping repeats makes less garbage than a Set,
 * spread and sorted. Minutes already in order (a user's conversations mostly follow each other)
 * are not sorted again: the sort would leave them as they are, and it allocated per user.
 */
function sortedDistinct(minutes: number[], ascending: boolean): number[] {
  if (!ascending) minutes.sort((a, b) => a - b);
  let kept = 0;
  for (let i = 0; i < minutes.length; i++) if (i === 0 || minutes[i] !== minutes[kept - 1]) minutes[kept++] = minutes[i]!;
  minutes.length = kept;
  return minutes;
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
  addDayFact(deltas, minuteOf(created), 'created', 1, timeZone);
  const status = statusOf(e);
  if (status === 'pending') {
    addDelta(deltas, gaugeCounter(GaugeName.pending), 1);
    addDelta(deltas, gaugeCounter(GaugeName.pendingInSlot(queueSlotOf(created))), 1);
    addDelta(deltas, pendingEntryCounter(created, priority, e.id), 1);
  }
  if (status === 'in_progress') addDelta(deltas, gaugeCounter(GaugeName.inProgress), 1);
  if ((status === 'pending' || status === 'in_progress') && priority === 'critical') addDelta(deltas, gaugeCounter(GaugeName.criticalOpen), 1);

  const resolved = earliest(e.resolved);
  if (resolved !== undefined) addDayFact(deltas, minuteOf(resolved), 'resolved', 1, timeZone);
  // Failed at a minute of the failure's day from the failure until a resolution (status rank:
  // resolved wins); a resolution on a later day is after every minute of that day.
  const failed = earliest(e.failed);
  if (failed !== undefined && (resolved === undefined || resolved > failed)) {
    addDayFact(deltas, minuteOf(failed), 'failed', 1, timeZone);
    if (resolved !== undefined && localDateOf(resolved, timeZone) === localDateOf(failed, timeZone))
      addDayFact(deltas, minuteOf(resolved), 'failed', -1, timeZone);
  }

  const assigned = earliest(e.assigned);
  const served = Math.min(assigned ?? Number.POSITIVE_INFINITY, resolved ?? Number.POSITIVE_INFINITY);
  if (served !== Number.POSITIVE_INFINITY) {
    addDayFact(deltas, minuteOf(served), 'servedN', 1, timeZone);
    addDayFact(deltas, minuteOf(served), 'waitMs', served - created, timeZone);
    if (served - created <= serviceLevelSeconds * 1000) addDayFact(deltas, minuteOf(served), 'servedInSL', 1, timeZone);
  }

  // The gauges as a time line, minute by minute: what the document at each minute's end says.
  const createdMinute = minuteOf(created);
  const closed = Math.min(resolved ?? Number.POSITIVE_INFINITY, earliest(e.failed) ?? Number.POSITIVE_INFINITY);
  const closedMinute = closed === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : minuteOf(closed);
  const leftPending = Math.min(closedMinute, assigned === undefined ? Number.POSITIVE_INFINITY : minuteOf(assigned));
  addInterval(deltas, createdMinute, leftPending, 'pendingChange', timeZone);
  if (assigned !== undefined) addInterval(deltas, Math.max(createdMinute, minuteOf(assigned)), closedMinute, 'inProgressChange', timeZone);
  if (priority === 'critical') addInterval(deltas, createdMinute, closedMinute, 'criticalChange', timeZone);
  if (leftPending !== Number.POSITIVE_INFINITY && leftPending > createdMinute) {
    addDelta(deltas, departedEntryCounter(created, priority, e.id), leftPending - createdMinute);
    addDelta(deltas, departureCounter(createdMinute, leftPending), 1);
  }
}

/** An escalation fact in its minute and in its hour of the local day. */
function addDayFact(deltas: Deltas, minute: number, name: DayName, delta: number, timeZone: string): void {
  const { date, hour } = localHourOfMinute(minute, timeZone);
  addDelta(deltas, dayCounter(date, hour, name), delta);
  addDelta(deltas, minuteCounter(minute, MinuteName.dayFact(name)), delta);
}

/** +1 from minute `from`, −1 from minute `until` (none when it never ends); nothing when empty. */
function addInterval(deltas: Deltas, from: number, until: number, name: GaugeChangeName, timeZone: string): void {
  if (until <= from) return;
  addDayFact(deltas, from, name, 1, timeZone);
  if (until !== Number.POSITIVE_INFINITY) addDayFact(deltas, until, name, -1, timeZone);
}
