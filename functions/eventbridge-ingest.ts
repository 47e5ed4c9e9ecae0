import type { EventBridgeEvent } from 'aws-lambda';
import { decodeEventBridgeEvent } from '../schemas/transports/eventbridge';
import { forwardBatch, type ForwardOutcome } from './forward-batch';
import type { Runtime } from './runtime';

/**
 * One EventBridge event per invocation. A bad event is parked with its reason and the
 * invocation succeeds; a good one is passed on to its entity's writer. If passing on fails the
 * invocation throws, and Lambda's asynchronous retries (then its on-failure destination) take over.
 */
export function createEventBridgeIngest(runtime: Runtime): (event: EventBridgeEvent<string, unknown>) => Promise<ForwardOutcome> {
  return async (event) => {
    const now = runtime.now();
    const decoded = decodeEventBridgeEvent(event, new Date(now));
    const enteredAt = Date.parse(event.time) || now;
    const outcome = decoded.ok
      ? await forwardBatch(
          runtime,
          [],
          decoded.events.map((e) => ({ source: 'eventbridge' as const, enteredAt, event: e })),
        )
      : await forwardBatch(runtime, [{ origin: 'eventbridge-ingest', reason: decoded.reason, record: event, at: new Date(now).toISOString() }], []);
    if (outcome.error !== undefined) throw outcome.error;
    return outcome;
  };
}
