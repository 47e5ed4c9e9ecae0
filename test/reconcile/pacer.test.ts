import { Pacer, type PacerClock } from '../../reconcile/pacer';

/** A clock that only moves when someone sleeps on it. */
function fakeClock(): PacerClock & { slept: number } {
  let now = 0;
  const clock = {
    slept: 0,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      clock.slept += ms;
    },
  };
  return clock;
}

describe('the pacer of a Scan or of the forwarded events', () => {
  it('holds several workers together to the budget, whatever each page really cost', async () => {
    // Prepare
    const clock = fakeClock();
    const pacer = new Pacer(100, clock);
    const costs = [128, 3, 60, 128, 0.5, 90, 128, 128, 40, 7];

    // Act: three workers, each reserving 1 unit and settling the real cost after its "request"
    await Promise.all(
      [0, 1, 2].map(async (worker) => {
        for (const cost of costs.slice(worker)) {
          await pacer.acquire(1);
          pacer.settle(cost - 1);
        }
      }),
    );

    // Assess: what was spent beyond the first second of budget took at least its time at 100 units/s
    const spent = [0, 1, 2].reduce((total, worker) => total + costs.slice(worker).reduce((a, b) => a + b, 0), 0);
    expect(clock.slept).toBeGreaterThanOrEqual(((spent - 100 - 3 * 128) / 100) * 1000);
    expect(clock.slept).toBeLessThanOrEqual((spent / 100) * 1000 + 3 * 1000);
  });

  it('does not wait while the budget has room', async () => {
    const clock = fakeClock();
    const pacer = new Pacer(500, clock);

    for (let i = 0; i < 5; i++) await pacer.acquire(100);

    expect(clock.slept).toBe(0);
  });

  it('refuses a pace of nothing', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});
