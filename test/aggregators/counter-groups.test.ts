import { Counter, counterGroupOf } from '../../aggregators/metrics-items';
import { binOf } from '../../aggregators/quantile-sketch';

describe('counter groups', () => {
  it('splits the families that grow with the data into fixed ranges, so one update never outgrows 4 KB', () => {
    const dayOfMinutes = Array.from({ length: 1440 }, (_, i) => counterGroupOf(Counter.activeInMinute(29_000_000 + i)));
    const largestGroup = Math.max(...[...new Set(dayOfMinutes)].map((group) => dayOfMinutes.filter((g) => g === group).length));
    expect(largestGroup).toBeLessThanOrEqual(60);

    const bins = [0, 0.5, 1, 10, 100, 1_000, 10_000, 100_000].map((v) => counterGroupOf(Counter.responseBin(binOf(v))));
    expect(new Set(bins).size).toBeGreaterThan(1);
    expect(counterGroupOf(Counter.pendingCreatedAt(3_600_000 * 5 + 1))).toBe(':p5');
  });

  it('keeps the everyday counters of a minute in one group (one write per item per batch)', () => {
    const everyday = [
      Counter.messages,
      Counter.live,
      Counter.active,
      Counter.liveByLanguage('es'),
      Counter.activeByRegion('US-TX'),
      Counter.functionInvocations('chat'),
    ];
    expect(new Set(everyday.map(counterGroupOf))).toEqual(new Set(['']));
  });
});
