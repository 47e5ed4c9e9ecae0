/**
 * What ADA Clara's traffic looks like: who talks, in which language, from where, how long the
 * bot thinks, how often a conversation needs a human. Randomness is fine here — this is a
 * producer; the metrics computed from it are exact.
 */
export class TrafficModel {
  private readonly users: string[] = [];
  private nextUser = 1;

  constructor(readonly random: () => number) {}

  between(min: number, max: number): number {
    return min + (max - min) * this.random();
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(weighted: readonly (readonly [T, number])[]): T {
    let roll = this.random() * weighted.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [value, weight] of weighted) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return weighted[weighted.length - 1]![0];
  }

  /** Exponential gap of a Poisson process with `perSecond` arrivals. */
  gapMs(perSecond: number): number {
    return (-Math.log(1 - this.random()) / perSecond) * 1000;
  }

  language = () =>
    this.pick([
      ['en', 62],
      ['es', 38],
    ] as const);
  region = () =>
    this.pick([
      ['US-TX', 24],
      ['US-CA', 20],
      ['US-FL', 16],
      ['US-NY', 12],
      ['US-AZ', 8],
      ['PR', 10],
      [undefined, 10],
    ] as const);

  /** A signed-in user, often one seen before; anonymous visitors have no userId. */
  user(): string | undefined {
    if (this.chance(0.1)) return undefined;
    if (this.users.length > 0 && this.chance(0.35)) return this.users[Math.floor(this.random() * this.users.length)];
    const id = `user-${String(this.nextUser++).padStart(5, '0')}`;
    this.users.push(id);
    return id;
  }

  /** A new user now, for the history written at first start. */
  newUser(): string {
    const id = `user-${String(this.nextUser++).padStart(5, '0')}`;
    this.users.push(id);
    return id;
  }

  /** Bot processing time: usually around a second, now and then a slow model call. */
  processingTimeMs(): number {
    if (this.chance(0.03)) return Math.round(this.between(3000, 7000));
    const normal = Math.sqrt(-2 * Math.log(1 - this.random())) * Math.cos(2 * Math.PI * this.random());
    return Math.round(Math.min(2800, Math.max(150, 900 * Math.exp(0.45 * normal))));
  }

  priority = () =>
    this.pick([
      ['low', 30],
      ['medium', 40],
      ['high', 20],
      ['critical', 7],
      ['urgent', 3],
    ] as const);

  /** 5xx now and then, as a busy API has them. */
  statusCode = () =>
    this.pick([
      [200, 975],
      [400, 10],
      [500, 8],
      [503, 7],
    ] as const);
}
