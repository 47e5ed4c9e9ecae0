import type { CanonicalEvent } from '../schemas/canonical-events';
import { MinuteName, minuteCounter, PerformanceName, performanceCounter } from './counters';
import { addDelta, type Deltas, toMilli } from './deltas';
import { functionLabel, type LabelPolicy } from './labels';
import { binOf } from './quantile-sketch';
import { epochMsOf, minuteOf } from './time';

/** A message adds to its minute's count, and a timed bot message to the response-time sketch. */
export function addMessageDeltas(deltas: Deltas, message: Extract<CanonicalEvent, { type: 'message.sent' }>): void {
  const minute = minuteOf(epochMsOf(message.occurredAt));
  addDelta(deltas, minuteCounter(minute, MinuteName.messages), 1);
  if (message.sender === 'bot' && message.processingTimeMs !== undefined) {
    addDelta(deltas, minuteCounter(minute, MinuteName.botMessagesTimed), 1);
    addDelta(deltas, minuteCounter(minute, MinuteName.botProcessingMilli), toMilli(message.processingTimeMs));
    addDelta(deltas, minuteCounter(minute, MinuteName.responseBin(binOf(message.processingTimeMs))), 1);
  }
}

/**
 * The counters a telemetry event adds by itself: one more request, sample or invocation in
 * the minute of its `occurredAt`.
 */
export function addFactDeltas(deltas: Deltas, event: CanonicalEvent, labels: LabelPolicy): void {
  const minute = minuteOf(epochMsOf(event.occurredAt));
  const add = (name: string, amount: number) => addDelta(deltas, performanceCounter(minute, name), amount);
  switch (event.type) {
    case 'request.completed':
      add(PerformanceName.requests, 1);
      if (event.statusCode >= 500) add(PerformanceName.serverErrors, 1);
      return;
    case 'system.sample':
      add(PerformanceName.samples, 1);
      add(PerformanceName.cpuMilli, toMilli(event.cpuPercent));
      add(PerformanceName.memoryMilli, toMilli(event.memoryPercent));
      add(PerformanceName.diskMilli, toMilli(event.diskPercent));
      if (event.networkLatencyMs !== undefined) {
        add(PerformanceName.latencySamples, 1);
        add(PerformanceName.latencyMilli, toMilli(event.networkLatencyMs));
      }
      return;
    case 'function.invocation': {
      const names = functionCounterNames(functionLabel(labels, event.functionName));
      add(names.invocations, 1);
      add(names.durationMilli, toMilli(event.durationMs));
      if (event.error) add(names.errors, 1);
      if (event.throttled) add(names.throttles, 1);
      return;
    }
    default:
      return; // conversations, messages and escalations are counted from entity state
  }
}

/**
 * A function's counter names, built once per label (labels are bounded by the allow-list): built
 * per event, each new string would also have to be hashed again to find its counter.
 */
const functionNames = new Map<string, { invocations: string; durationMilli: string; errors: string; throttles: string }>();
function functionCounterNames(label: string) {
  let names = functionNames.get(label);
  if (names === undefined) {
    names = {
      invocations: PerformanceName.functionInvocations(label),
      durationMilli: PerformanceName.functionDurationMilli(label),
      errors: PerformanceName.functionErrors(label),
      throttles: PerformanceName.functionThrottles(label),
    };
    functionNames.set(label, names);
  }
  return names;
}
