import type { ChaosRates } from '../chaos';

/** How often each fault struck, for the health report and the tests. */
export interface ChaosTally {
  crashesMidWrite: number;
  crashesAfterWork: number;
  throttles: number;
  duplicates: number;
}

/**
 * The dice of `--chaos`. `crash` is a rate per invocation, split evenly between dying part-way
 * through the store writes (at a random write) and dying after the work, before returning.
 */
export class ChaosDice {
  readonly tally: ChaosTally = { crashesMidWrite: 0, crashesAfterWork: 0, throttles: 0, duplicates: 0 };

  constructor(
    readonly rates: ChaosRates,
    private readonly random: () => number,
  ) {}

  get active(): boolean {
    return this.rates.crash > 0 || this.rates.throttle > 0 || this.rates.duplicate > 0;
  }

  /** For one invocation (local/chaos.ts runWithCrashes): asked before each of its DynamoDB writes until it says yes. */
  midWriteCrash(): () => boolean {
    const doomed = this.roll(this.rates.crash / 2);
    return () => {
      const now = doomed && this.roll(0.5);
      if (now) this.tally.crashesMidWrite++;
      return now;
    };
  }

  readonly afterWorkCrash = (): boolean => this.count(this.roll(this.rates.crash / 2), 'crashesAfterWork');
  readonly throttle = (): boolean => this.count(this.roll(this.rates.throttle), 'throttles');
  readonly duplicate = (): boolean => this.count(this.roll(this.rates.duplicate), 'duplicates');

  private roll(rate: number): boolean {
    return rate > 0 && this.random() < rate;
  }

  private count(hit: boolean, what: keyof ChaosTally): boolean {
    if (hit) this.tally[what]++;
    return hit;
  }
}
