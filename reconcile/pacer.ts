/** Time as the pacer sees it, so tests can run it on a clock of their own. */
export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PacerClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Holds a consumer to `unitsPerSecond` on average, shared by every worker that calls it: a
 * token bucket that may go into debt. A worker reserves what it expects a request to cost,
 * waits while the bucket is in debt, and settles the difference once the real cost is known
 * (DynamoDB says what a Scan page consumed only after reading it). The bucket holds at most
 * one second of units, so an idle moment never turns into a burst above the budget.
 */
export class Pacer {
  private available: number;
  private refilledAt: number;

  constructor(
    readonly unitsPerSecond: number,
    private readonly clock: PacerClock = realClock,
  ) {
    if (!(unitsPerSecond > 0)) throw new RangeError(`a pace must be above 0 units per second, got ${unitsPerSecond}`);
    this.available = unitsPerSecond;
    this.refilledAt = clock.now();
  }

  /** Waits until the bucket is out of debt, then takes `units` from it. */
  async acquire(units: number): Promise<void> {
    for (;;) {
      this.refill();
      if (this.available >= 0) {
        this.available -= units;
        return;
      }
      await this.clock.sleep(Math.ceil((-this.available / this.unitsPerSecond) * 1000));
    }
  }

  /** Corrects a reservation by what the request really cost (positive: it cost more). */
  settle(extraUnits: number): void {
    this.available -= extraUnits;
  }

  private refill(): void {
    const now = this.clock.now();
    this.available = Math.min(this.unitsPerSecond, this.available + ((now - this.refilledAt) / 1000) * this.unitsPerSecond);
    this.refilledAt = now;
  }
}
