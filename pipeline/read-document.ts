import type { Settings } from '../config/settings';
import { buildDocument } from '../read-model/build-document';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import type { MetricsStore } from '../store/metrics-store';

/**
 * The document at `atMs` (now, or a look-back when `atMs` is before `nowMs`): a fixed set of key
 * look-ups (the store's snapshot), then pure arithmetic.
 */
export async function readDocument(store: MetricsStore, settings: Settings, atMs: number, nowMs = atMs): Promise<RealTimeMetrics> {
  return buildDocument(await store.readSnapshot(atMs, settings.timeZone, nowMs), atMs, settings);
}
