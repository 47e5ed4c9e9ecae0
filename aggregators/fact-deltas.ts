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
  switch (event.type) {
    case 'request.completed':
      addPerformance(deltas, minute, PerformanceName.requests, 1);
      if (event.statusCode >= 500) addPerformance(deltas, minute, PerformanceName.serverErrors, 1);
      return;
    case 'system.sample':
      addPerformance(deltas, minute, PerformanceName.samples, 1);
      addPerformance(deltas, minute, PerformanceName.cpuMilli, toMilli(event.cpuPercent));
      addPerformance(deltas, minute, PerformanceName.memoryMilli, toMilli(event.memoryPercent));
      addPerformance(deltas, minute, PerformanceName.diskMilli, toMilli(event.diskPercent));
      if (event.networkLatencyMs !== undefined) {
        addPerformance(deltas, minute, PerformanceName.latencySamples, 1);
        addPerformance(deltas, minute, PerformanceName.latencyMilli, toMilli(event.networkLatencyMs));
      }
      return;
    case 'function.invocation': {
      const name = functionLabel(labels, event.functionName);
      addPerformance(deltas, minute, PerformanceName.functionInvocations(name), 1);
      addPerformance(deltas, minute, PerformanceName.functionDurationMilli(name), toMilli(event.durationMs));
      if (event.error) addPerformance(deltas, minute, PerformanceName.functionErrors(name), 1);
      if (event.throttled) addPerformance(deltas, minute, PerformanceName.functionThrottles(name), 1);
      return;
    }
    default:
      return; // conversations, messages and escalations are counted from entity state
  }
}

/** A plain function, not a closure per event: a closure per telemetry event was garbage, and named ones cost a defineProperty each where names are kept. */
function addPerformance(deltas: Deltas, minute: number, name: string, amount: number): void {
  addDelta(deltas, performanceCounter(minute, name), amount);
}
