import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AsyncLocalStorage } from 'node:async_hooks';
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

/** The invocation running now, and whether its process has died. */
const invocation = new AsyncLocalStorage<{ crashRate: () => boolean; crashed: boolean }>();
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);
const armedClients = new WeakSet<DynamoDBClient>();

/**
 * Arms a client (once) so that an invocation run by `runWithCrashes` may die before any of its
 * DynamoDB writes: that write and every later one of the invocation fail, as if the process had
 * gone. Writes outside such an invocation are untouched.
 */
export function armCrashes(client: DynamoDBClient): void {
  if (armedClients.has(client)) return;
  armedClients.add(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const state = invocation.getStore();
      if (state && WRITE_COMMANDS.has(context.commandName ?? '')) {
        if (!state.crashed && state.crashRate()) state.crashed = true;
        if (state.crashed) throw new InjectedCrash('process died during the commit');
      }
      return next(args);
    },
    { step: 'initialize', name: 'claraPulseInjectedCrash' },
  );
}

/** Runs one invocation on armed clients; if its process died part-way, the invocation fails as a whole, as a dead Lambda does. */
export async function runWithCrashes<R>(crashRate: () => boolean, fn: () => Promise<R>): Promise<R> {
  const state = { crashRate, crashed: false };
  let result: R;
  try {
    result = await invocation.run(state, fn);
  } catch (error) {
    if (state.crashed) throw new InjectedCrash('process died during the commit');
    throw error;
  }
  if (state.crashed) throw new InjectedCrash('process died during the commit');
  return result;
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
