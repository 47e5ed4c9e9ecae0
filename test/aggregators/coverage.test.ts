import fc from 'fast-check';
import { addCoverage, countAt } from '../../aggregators/coverage';

/** Brute force: is `minute` within `width` minutes after one of the activity minutes (from `from` on)? */
const covered = (activity: readonly number[], width: number, minute: number, from: number): boolean =>
  minute >= from && activity.some((a) => minute >= a && minute < a + width);

describe('addCoverage (difference arrays cut at block starts)', () => {
  it('gives every minute the count the brute-force window gives, summing from the start of its block only', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 30 }),
        fc.constantFrom(5, 30),
        fc.constantFrom(30, 60),
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        (minutes, width, block, from) => {
          const activity = [...minutes].sort((a, b) => a - b);
          const entries = new Map<number, number>();
          addCoverage(activity, width, block, (m, delta) => entries.set(m, (entries.get(m) ?? 0) + delta), from);
          const wrong = Array.from({ length: 460 }, (_, q) => q).filter(
            (q) => countAt(entries, q, block) !== (covered(activity, width, q, from ?? -Infinity) ? 1 : 0),
          );
          expect(wrong).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps a change of activity to a few entries, however long the entity has been active', () => {
    const before = new Map<number, number>();
    const after = new Map<number, number>();
    const longRun = Array.from({ length: 300 }, (_, i) => i * 3);
    addCoverage(longRun, 30, 30, (m, d) => before.set(m, (before.get(m) ?? 0) + d));
    addCoverage([...longRun, 900], 30, 30, (m, d) => after.set(m, (after.get(m) ?? 0) + d));
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((m) => before.get(m) !== after.get(m));
    expect(changed.length).toBeLessThanOrEqual(3);
  });
});
