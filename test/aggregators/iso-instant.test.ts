import fc from 'fast-check';
import { isoInstantOf, parseIsoInstant } from '../../aggregators/iso-instant';

/** The digit-by-digit fast paths against the built-ins they stand in for, on the form they read and on near misses. */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300) * 10;
const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
/** `YYYY-MM-DDTHH:MM:SS.sssZ` with every field anywhere in its digits (so out of range too), and now and then a character swapped. */
const nearlyIso = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1968, max: 2401 })).map((n) => String(n).padStart(4, '0')),
    fc.oneof(twoDigits, fc.constantFrom('01', '02', '12', '13', '00')),
    fc.oneof(twoDigits, fc.constantFrom('28', '29', '30', '31', '00')),
    fc.oneof(twoDigits, fc.constantFrom('23', '24', '00')),
    twoDigits,
    twoDigits,
    fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0')),
  )
  .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
const swapped = fc
  .tuple(nearlyIso, fc.nat(23), fc.constantFrom('a', ' ', '+', '-', ':', '.', 'z', 't', '/', '٣'))
  .map(([iso, at, c]) => iso.slice(0, at) + c + iso.slice(at + 1));

describe('parseIsoInstant', () => {
  it('gives what Date.parse gives, to the sign of zero', () => {
    fc.assert(
      fc.property(
        fc.oneof(nearlyIso, swapped, fc.string({ maxLength: 26 }), fc.constantFrom('2026-03-10T00:55:00Z', '2026-03-10T00:55:00.000+01:00')),
        (iso) => {
          expect(Object.is(parseIsoInstant(iso), Date.parse(iso))).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('isoInstantOf', () => {
  it('gives what toISOString gives, and throws where it throws', () => {
    const instant = fc.oneof(
      fc.integer({ min: -1e13, max: 3e14 }),
      fc.integer({ min: 1_773_100_000_000, max: 1_773_200_000_000 }),
      fc.constantFrom(0, -0, -1, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, 8.64e15 + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY),
    );
    const outcome = (format: () => string) => {
      try {
        return format();
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    fc.assert(
      fc.property(instant, (ms) => {
        expect(outcome(() => isoInstantOf(ms))).toBe(outcome(() => new Date(ms).toISOString()));
      }),
      { numRuns: RUNS },
    );
  });
});
