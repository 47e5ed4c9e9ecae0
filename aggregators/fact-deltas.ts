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
      const name = functionLabel(labels, event.functionName);
      add(PerformanceName.functionInvocations(name), 1);
      add(PerformanceName.functionDurationMilli(name), toMilli(event.durationMs));
      if (event.error) add(PerformanceName.functionErrors(name), 1);
      if (event.throttled) add(PerformanceName.functionThrottles(name), 1);
      return;
    }
    default:
      return; // conversations, messages and escalations are counted from entity state
  }
}
