import { ALERT_STATE_KEY, dayKey, ESCALATION_GAUGES_KEY, freshnessKey, minuteKey } from '../aggregators/metrics-items';
import { localDateOf, windowMinutes } from '../aggregators/time';
import { FRESHNESS_SOURCES } from '../schemas/alert-rules';

/**
 * Every item the document at `T` needs: the last hour of minute buckets, today's day item, the
 * escalation gauges, the freshness of each source and the alert state — 66 keys, one
 * BatchGetItem, whatever the size of the history.
 */
export function snapshotKeys(atMs: number, timeZone: string): string[] {
  return [
    ...windowMinutes(atMs, 60).map(minuteKey),
    dayKey(localDateOf(atMs, timeZone)),
    ESCALATION_GAUGES_KEY,
    ...FRESHNESS_SOURCES.map(freshnessKey),
    ALERT_STATE_KEY,
  ];
}
