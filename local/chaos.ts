import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EntityWrite, StoredEntity } from '../aggregators/fold-lane';
import type { MetricsStore, SequencedCounters, SourceFreshnessUpdate, StoredItem } from '../store/metrics-store';
import { ClaraPulseError } from '../errors';

/** Rates (0–1) of each fault, as `--chaos crash=0.1,throttle=0.05,duplicate=0.1` gives them. */
export interface ChaosRates {
  /** An invocation dies part-way through its writes, or after them and before it returns. */
  crash: number;
  /** A DynamoDB call is refused with ProvisionedThroughputExceededException. */
  throttle: number;
  /** A batch is delivered once more after its invocation. */
  duplicate: number;
}

export const NO_CHAOS: ChaosRates = { crash: 0, throttle: 0, duplicate: 0 };

/** Parses `crash=0.1,throttle=0.05,duplicate=0.1`; unknown names or rates outside 0–1 are an error. */
export function parseChaos(text: string): ChaosRates {
  const rates: ChaosRates = { ...NO_CHAOS };
  for (const part of text.split(',').filter(Boolean)) {
    const [name, value] = part.split('=');
    const rate = Number(value);
    if (!(name && name in rates) || !(rate >= 0 && rate <= 1))
      throw new RangeError(`--chaos: cannot read "${part}" (use crash=0.1,throttle=0.05,duplicate=0.1)`);
    rates[name as keyof ChaosRates] = rate;
  }
  return rates;
}

/** The Lambda process died: nothing it did after this point happened. */
export class InjectedCrash extends ClaraPulseError {}

/** A small seeded generator, so a chaos run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/**
 * A store whose process may die in the middle of a commit: once it "crashes", this write and
 * every later one of the same invocation fail. `endInvocation` reports whether it crashed (the
 * invocation must then fail as a whole, as a dead Lambda does) and arms it for the next one.
 */
export class CrashingStore implements MetricsStore {
  private crashed = false;

  constructor(
    private readonly inner: MetricsStore,
    private readonly crashRate: () => boolean,
  ) {}

  get usage() {
    return this.inner.usage;
  }

  endInvocation(): boolean {
    const crashed = this.crashed;
    this.crashed = false;
    return crashed;
  }

  private async write<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.crashed && this.crashRate()) this.crashed = true;
    if (this.crashed) throw new InjectedCrash('process died during the commit');
    return operation();
  }

  getEntities(keys: readonly string[], lane: string): Promise<Map<string, StoredEntity>> {
    return this.inner.getEntities(keys, lane);
  }
  putEntity(write: EntityWrite, lane: string): Promise<void> {
    return this.write(() => this.inner.putEntity(write, lane));
  }
  applyCounters(lane: string, key: string, units: readonly SequencedCounters[]): Promise<void> {
    return this.write(() => this.inner.applyCounters(lane, key, units));
  }
  recordFreshness(source: string, freshness: SourceFreshnessUpdate): Promise<void> {
    return this.write(() => this.inner.recordFreshness(source, freshness));
  }
  addMeasurements(key: string, counters: ReadonlyMap<string, number>): Promise<void> {
    return this.inner.addMeasurements(key, counters);
  }
  recordAlertState(firingIds: readonly string[], atMs: number): Promise<void> {
    return this.inner.recordAlertState(firingIds, atMs);
  }
  compactGauges(key: string, beforeSeconds: number): Promise<number> {
    return this.inner.compactGauges(key, beforeSeconds);
  }
  getItems(keys: readonly string[]): Promise<Map<string, StoredItem>> {
    return this.inner.getItems(keys);
  }
}

/**
 * Refuses DynamoDB calls at the SDK's own middleware stack, before they are sent, as the
 * service does when a partition is over its throughput. The SDK's retry strategy sees it as a
 * real throttle (and retries it); what is left after its retries reaches our code.
 */
export function injectThrottling(client: DynamoDBClient, shouldThrottle: () => boolean): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      if (shouldThrottle()) {
        const error = Object.assign(new Error('Rate of requests exceeds the allowed throughput (injected)'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
        throw error;
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'claraPulseInjectedThrottling' },
  );
}

/** Wraps a function so that, at `rate`, it dies after its work and before it returns. */
export function crashingAfterWork<E, R>(fn: (event: E) => Promise<R>, shouldCrash: () => boolean): (event: E) => Promise<R> {
  return async (event) => {
    const result = await fn(event);
    if (shouldCrash()) throw new InjectedCrash('process died after its writes, before returning');
    return result;
  };
}
