import type { FoldContext } from '../aggregators/entity-contributions';
import type { Settings } from '../config/settings';
import type { MetricsStore } from '../store/metrics-store';
import type { DeadLetterSink } from '../streams/dead-letters';
import type { EventForwarder } from '../streams/event-forwarder';

/** What every function needs, built once per cold start (or once per test). */
export interface Runtime {
  settings: Settings;
  store: MetricsStore;
  forwarder: EventForwarder;
  deadLetters: DeadLetterSink;
  now: () => number;
}

/** What the folds read from the settings: one place, so every function folds alike. */
export const foldContextOf = (settings: Settings): FoldContext => ({
  timeZone: settings.timeZone,
  labels: settings.labels,
  serviceLevelSeconds: settings.serviceLevelSeconds,
});
