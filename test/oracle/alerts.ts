/**
 * The oracle of the alert rules (SPEC §4, §4.1): which rule ids fire for a set of numbers. Written
 * straight from the rule list; the ids, severities and default thresholds come from
 * `schemas/alert-rules.ts`, the list that production code uses too.
 */
import {
  DEFAULT_ALERT_THRESHOLDS,
  FRESHNESS_SOURCES,
  sourceLagAlertId,
  type AlertId,
  type AlertThresholds,
  type FreshnessSource,
} from '../../schemas/alert-rules';

export { DEFAULT_ALERT_THRESHOLDS };
export type { AlertId, AlertThresholds };

/**
 * The numbers the rules look at. An `OracleMetrics` or a whole `RealTimeMetrics` document fits;
 * `freshness` is optional because the oracle does not compute it (a missing source, or a
 * `null` lag, never fires).
 */
export interface AlertInputs {
  realTimeEscalations: { pending: number; oldestPendingAge: number; criticalCount: number; serviceLevel: number | null };
  systemPerformance: {
    errorRate: number;
    responseTime: { p95: number } | null;
    cpuUsage: number | null;
  };
  freshness?: Partial<Record<FreshnessSource, { lagSeconds: number | null }>>;
}

/**
 * The ids of the alert rules that fire: each number strictly above its threshold, the service
 * level strictly below its own, once `servedToday` (escalations served today, which the document
 * does not state) reaches the minimum. Unknown `servedToday` never fires the service level.
 */
export function firingAlertIds(m: AlertInputs, thresholds: AlertThresholds = DEFAULT_ALERT_THRESHOLDS, servedToday = 0): Set<AlertId> {
  const firing = new Set<AlertId>();
  const esc = m.realTimeEscalations;
  const perf = m.systemPerformance;

  if (esc.pending > thresholds.pendingEscalations) firing.add('escalations-pending-high');
  if (esc.oldestPendingAge > thresholds.oldestPendingAgeSeconds) firing.add('escalation-oldest-pending');
  if (esc.criticalCount > thresholds.criticalOpenEscalations) firing.add('escalation-critical-open');
  if (perf.errorRate > thresholds.errorRate) firing.add('error-rate-high');
  if (perf.responseTime !== null && perf.responseTime.p95 > thresholds.responseTimeP95Ms) {
    firing.add('response-time-p95-high');
  }
  if (perf.cpuUsage !== null && perf.cpuUsage > thresholds.cpuUsagePercent) firing.add('cpu-high');
  if (esc.serviceLevel !== null && esc.serviceLevel < thresholds.serviceLevel && servedToday >= thresholds.serviceLevelMinimumServed) {
    firing.add('escalation-service-level-low');
  }
  for (const source of FRESHNESS_SOURCES) {
    const lag = m.freshness?.[source]?.lagSeconds ?? null;
    if (lag !== null && lag > thresholds.sourceLagSeconds) firing.add(sourceLagAlertId(source));
  }
  return firing;
}
