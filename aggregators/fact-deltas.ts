import type { CanonicalEvent } from '../schemas/canonical-events';
import { addDelta, type ItemDeltas, toMilli } from './deltas';
import { Counter, minuteKey } from './metrics-items';
import type { MessageFact } from './entity-state';
import { binOf } from './quantile-sketch';
import { epochMsOf, minuteOf } from './time';

/** A message adds to its minute's count, and a timed bot message to the response-time sketch. */
export function addMessageDeltas(deltas: ItemDeltas, message: MessageFact): void {
  const minute = minuteKey(minuteOf(message.at));
  addDelta(deltas, minute, Counter.messages, 1);
  if (message.bot && message.processingTimeMs !== undefined) {
    addDelta(deltas, minute, Counter.botMessagesTimed, 1);
    addDelta(deltas, minute, Counter.botProcessingMilli, toMilli(message.processingTimeMs));
    addDelta(deltas, minute, Counter.responseBin(binOf(message.processingTimeMs)), 1);
  }
}

/**
 * The counters a telemetry event adds by itself: one more request, sample or invocation in
 * the minute of its `occurredAt`.
 */
export function addFactDeltas(deltas: ItemDeltas, event: CanonicalEvent): void {
  const minute = minuteKey(minuteOf(epochMsOf(event.occurredAt)));
  const add = (counter: string, amount: number) => addDelta(deltas, minute, counter, amount);
  switch (event.type) {
    case 'request.completed':
      add(Counter.requests, 1);
      if (event.statusCode >= 500) add(Counter.serverErrors, 1);
      return;
    case 'system.sample':
      add(Counter.samples, 1);
      add(Counter.cpuMilli, toMilli(event.cpuPercent));
      add(Counter.memoryMilli, toMilli(event.memoryPercent));
      add(Counter.diskMilli, toMilli(event.diskPercent));
      if (event.networkLatencyMs !== undefined) {
        add(Counter.latencySamples, 1);
        add(Counter.latencyMilli, toMilli(event.networkLatencyMs));
      }
      return;
    case 'function.invocation':
      add(Counter.functionInvocations(event.functionName), 1);
      add(Counter.functionDurationMilli(event.functionName), toMilli(event.durationMs));
      if (event.error) add(Counter.functionErrors(event.functionName), 1);
      if (event.throttled) add(Counter.functionThrottles(event.functionName), 1);
      return;
    default:
      return; // conversations, messages and escalations are counted from entity state
  }
}
