import fc from 'fast-check';
import { addCoverage } from '../../aggregators/coverage';
import { WINDOW_BLOCK_MINUTES, WindowName, windowCounter } from '../../aggregators/counters';
import { addDelta, type Deltas, differenceOf } from '../../aggregators/deltas';
import { contributionChange, contributionsOf, DEFAULT_SERVICE_LEVEL_SECONDS, type FoldContext } from '../../aggregators/entity-contributions';
import { activityFromStart, activityOf, type ConversationState, type EntityState, type UserState } from '../../aggregators/entity-state';
import { DEFAULT_LABEL_POLICY } from '../../aggregators/labels';
import { nextLocalDayStartMinute } from '../../aggregators/time';

/** contributionChange against what it replaces: the difference of the two states' whole contributions, counters and order alike. */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const T0 = Date.parse('2026-03-08T05:00:00Z'); // America/Chicago springs forward three hours later
const T0_MINUTE = T0 / 60_000;

const context = fc
  .constantFrom('UTC', 'America/Chicago')
  .map((timeZone): FoldContext => ({ timeZone, labels: DEFAULT_LABEL_POLICY, serviceLevelSeconds: DEFAULT_SERVICE_LEVEL_SECONDS }));
const sortedSet = (values: fc.Arbitrary<number>, maxLength: number) => fc.uniqueArray(values, { maxLength }).map((a) => a.sort((x, y) => x - y));
/** Times (ms) and minutes over ten hours, so runs cross block and day boundaries. */
const times = sortedSet(fc.integer({ min: T0, max: T0 + 10 * 3_600_000 }), 3);
const minutes = sortedSet(fc.integer({ min: T0_MINUTE - 40, max: T0_MINUTE + 600 }), 14);
/** Sets as a stored state might hold them, unsorted or repeated. */
const oddMinutes = fc.array(fc.constantFrom(T0_MINUTE, T0_MINUTE + 3, T0_MINUTE + 1, T0_MINUTE - 0.5), { maxLength: 5 });

const conversation = fc
  .record({
    starts: times,
    activity: fc.oneof({ weight: 9, arbitrary: minutes }, { weight: 1, arbitrary: oddMinutes }),
    ends: times,
    language: fc.constantFrom(undefined, 'en', 'es', 'klingon'),
    region: fc.constantFrom(undefined, 'US-TX', 'PR', 'Mars'),
  })
  .map(
    ({ language, region, ...sets }): ConversationState => ({
      kind: 'conversation',
      id: 'c',
      ...sets,
      messages: [],
      ...(language !== undefined && { describedBy: { at: T0, eventId: language }, language }),
      ...(region !== undefined && { region }),
    }),
  );

const share = fc.record({
  revision: fc.constant('lane|1'),
  start: fc.option(fc.integer({ min: T0, max: T0 + 10 * 3_600_000 }), { nil: null }),
  activity: minutes,
});
const user = fc
  .dictionary(fc.constantFrom('a', 'b', 'c', 'd'), share, { maxKeys: 4 })
  .map((conversations): UserState => ({ kind: 'user', id: 'u', conversations }));

/** One state and another: unrelated, or the first one with one more activity minute (the fold's commonest change). */
const pairOf = <S extends EntityState>(state: fc.Arbitrary<S>, grown: (s: S, minute: number) => S) =>
  fc.oneof(
    fc.tuple(fc.option(state, { nil: undefined }), state),
    fc.tuple(state, fc.integer({ min: T0_MINUTE - 40, max: T0_MINUTE + 600 })).map(([s, minute]) => [s, grown(s, minute)] as const),
  );
const grownConversation = (c: ConversationState, minute: number): ConversationState => ({
  ...c,
  activity: [...new Set([...c.activity, minute])].sort((x, y) => x - y),
});
const grownUser = (u: UserState, minute: number): UserState => {
  const [id, first] = Object.entries(u.conversations)[0] ?? ['a', { revision: 'lane|1', start: T0, activity: [] }];
  return { ...u, conversations: { ...u.conversations, [id]: { ...first, activity: [...new Set([...first.activity, minute])].sort((x, y) => x - y) } } };
};

const expectSameAsWholeDifference = (before: EntityState | undefined, after: EntityState, ctx: FoldContext) => {
  const change = contributionChange(before, after, ctx);
  const sorted = (s: EntityState | undefined) =>
    s === undefined ||
    (s.kind === 'conversation' && s.activity.every((m, i) => Number.isInteger(m) && (i === 0 || s.activity[i - 1]! < m))) ||
    s.kind === 'user';
  // Only states out of order may fall back (to the whole difference, in the fold).
  if (sorted(before) && sorted(after)) expect(change).toBeDefined();
  if (change !== undefined) expect([...change]).toEqual([...differenceOf(contributionsOf(before, ctx), contributionsOf(after, ctx))]);
};

describe('contributionChange', () => {
  it('gives a conversation the counters, amounts and order of the difference of its whole contributions', () => {
    fc.assert(
      fc.property(pairOf(conversation, grownConversation), context, ([before, after], ctx) => expectSameAsWholeDifference(before, after, ctx)),
      { numRuns: RUNS },
    );
  });

  it('does the same for a user', () => {
    fc.assert(
      fc.property(pairOf(user, grownUser), context, ([before, after], ctx) => expectSameAsWholeDifference(before, after, ctx)),
      { numRuns: RUNS },
    );
  });

  it('leaves escalations, facts and a change of kind to the whole difference', () => {
    const ctx: FoldContext = { timeZone: 'UTC', labels: DEFAULT_LABEL_POLICY, serviceLevelSeconds: DEFAULT_SERVICE_LEVEL_SECONDS };
    const escalation: EntityState = { kind: 'escalation', id: 'e', created: [T0], assigned: [], resolved: [], failed: [] };
    const conversationState: EntityState = { kind: 'conversation', id: 'c', starts: [T0], activity: [], ends: [], messages: [] };
    expect(contributionChange(undefined, escalation, ctx)).toBeUndefined();
    expect(contributionChange(escalation, conversationState, ctx)).toBeUndefined();
  });
});

/** A user's contributions by their definition: the distinct minutes of its shares (each from its start), covered twice. */
function userContributionsByDefinition(u: UserState, { timeZone }: FoldContext): Deltas {
  const deltas: Deltas = new Map();
  const shares = Object.values(u.conversations).filter((share) => share.start !== null);
  if (shares.length === 0) return deltas;
  const firstSeen = Math.min(...shares.map((share) => share.start!));
  const minutes = new Set(shares.flatMap((share) => share.activity.filter((minute) => minute >= Math.floor(share.start! / 60_000))));
  const activity = [...minutes].sort((a, b) => a - b);
  const cover = (name: string, from?: number) =>
    addCoverage(activity, 5, WINDOW_BLOCK_MINUTES, (minute, delta) => addDelta(deltas, windowCounter(minute, name), delta), from);
  cover(WindowName.uniqueUsers);
  cover(WindowName.returningUsers, nextLocalDayStartMinute(firstSeen, timeZone));
  return deltas;
}

describe('the lists contributionChange builds', () => {
  it("hold a user's contributions by their definition, whatever order its conversations came in", () => {
    fc.assert(
      fc.property(user, context, (u, ctx) => {
        expect([...contributionsOf(u, ctx)]).toEqual([...userContributionsByDefinition(u, ctx)]);
      }),
      { numRuns: RUNS },
    );
  });

  it("read a conversation's minutes from its start as activityOf and a filter do", () => {
    const odd = fc.array(fc.constantFrom(0, -0, 1, 2, 3, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY), { maxLength: 6 });
    const start = fc.constantFrom(0, -0, 60_000, 120_000, -60_000, 90_000, Number.NaN);
    fc.assert(
      fc.property(fc.oneof(sortedSet(fc.integer({ min: -3, max: 5 }), 6), odd), start, (activity, at) => {
        const c: ConversationState = { kind: 'conversation', id: 'c', starts: [at], activity, ends: [], messages: [] };
        const startMinute = Math.floor(at / 60_000);
        const expected = activityOf(c).filter((minute) => minute >= startMinute);
        const actual = activityFromStart(c, startMinute, []);
        expect(actual.length === expected.length && actual.every((minute, i) => Object.is(minute, expected[i]))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
