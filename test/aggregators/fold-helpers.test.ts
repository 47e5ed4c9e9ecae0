import fc from 'fast-check';
import { minuteCounter, seriesCounter, windowCounter } from '../../aggregators/counters';
import { addDelta, type Deltas, differenceOf } from '../../aggregators/deltas';
import { union } from '../../aggregators/entity-state';

/** The helpers' fast paths against the plain definitions they replace: same values, same order, for odd inputs too. */

const unionByDefinition = (a: readonly number[], values: readonly number[]): number[] => {
  const missing = values.filter((value) => !a.includes(value));
  if (missing.length === 0) return a as number[];
  return [...new Set([...a, ...missing])].sort((x, y) => x - y);
};

const differenceByDefinition = (before: Deltas, after: Deltas): Deltas => {
  const result: Deltas = new Map(after);
  for (const [counter, amount] of before) addDelta(result, counter, -amount);
  return result;
};

const oddNumber = fc.constantFrom(0, -0, 1, 2, 3, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 29_540_000);
const sameNumbers = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

describe('union', () => {
  it('gives what a Set and a sort give, and the same array when nothing is new, for sorted sets and anything else', () => {
    const sortedSet = fc.uniqueArray(fc.integer({ min: -5, max: 40 }), { maxLength: 12 }).map((a) => a.sort((x, y) => x - y));
    fc.assert(
      fc.property(fc.oneof(sortedSet, fc.array(oddNumber, { maxLength: 6 })), fc.oneof(fc.integer({ min: -5, max: 40 }), oddNumber), (a, value) => {
        const expected = unionByDefinition(a, [value]);
        const actual = union(a, [value]);
        expect(actual === a).toBe(expected === a);
        expect(sameNumbers(actual, expected)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('differenceOf', () => {
  it('gives the counters and their order that subtracting before from a copy of after gives', () => {
    const deltas = fc
      .array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.oneof(fc.integer({ min: -2, max: 2 }), oddNumber)), { maxLength: 6 })
      .map((entries) => new Map(entries));
    fc.assert(
      fc.property(deltas, deltas, (before, after) => {
        const expected = [...differenceByDefinition(before, after)];
        const actual = [...differenceOf(before, after)];
        expect(actual.map(([counter]) => counter)).toEqual(expected.map(([counter]) => counter));
        expect(
          sameNumbers(
            actual.map(([, amount]) => amount),
            expected.map(([, amount]) => amount),
          ),
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('interned counter keys', () => {
  it('spell `<family>|<minute>|<name>` for any minute, however often and in whatever order they are asked for', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 29_000_000, max: 29_001_000 }), oddNumber), fc.constantFrom('msg', 'uniq', 'lv:en')), { maxLength: 50 }),
        (asks) => {
          for (const [minute, name] of asks) {
            expect(minuteCounter(minute, name)).toBe(`m|${minute}|${name}`);
            expect(windowCounter(minute, name)).toBe(`w|${minute}|${name}`);
            expect(seriesCounter(minute, 'live')).toBe(`s|${minute}|live`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
