import type { Settings } from '../config/settings';
import { buildDocument } from '../read-model/build-document';
import { snapshotKeys } from '../read-model/snapshot-keys';
import type { RealTimeMetrics } from '../schemas/realtime-metrics';
import type { MetricsStore } from '../store/metrics-store';

/** The document at `atMs`: one BatchGetItem of a fixed set of keys, then pure arithmetic. */
export async function readDocument(store: MetricsStore, settings: Settings, atMs: number): Promise<RealTimeMetrics> {
  const items = await store.getItems(snapshotKeys(atMs, settings.timeZone));
  return buildDocument(items, atMs, settings);
}
