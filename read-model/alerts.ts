import { ALERT_RULES, type AlertRule, type AlertThresholds, FRESHNESS_SOURCES } from '../schemas/alert-rules';
import type { Alert, RealTimeMetrics } from '../schemas/realtime-metrics';

export interface AlertSettings {
  thresholds: AlertThresholds;
}

/** The number a rule watches, or null when there is nothing to judge (no samples, no lag known). */
export function watchedValue(rule: AlertRule, document: Omit<RealTimeMetrics, 'alerts'>): number | null {
  const escalations = document.realTimeEscalations;
  const performance = document.systemPerformance;
  switch (rule.metric) {
    case 'realTimeEscalations.pending':
      return escalations.pending;
    case 'realTimeEscalations.oldestPendingAge':
      return escalations.oldestPendingAge;
    case 'realTimeEscalations.criticalCount':
      return escalations.criticalCount;
    case 'systemPerformance.errorRate':
      return performance.errorRate;
    case 'systemPerformance.responseTime.p95':
      return performance.responseTime?.p95 ?? null;
    case 'systemPerformance.cpuUsage':
      return performance.cpuUsage;
    default: {
      const source = FRESHNESS_SOURCES.find((s) => rule.metric === `freshness.${s}.lagSeconds`);
      return source ? document.freshness[source].lagSeconds : null;
    }
  }
}

/**
 * The rules firing at `atMs`. "Since when" comes from the alert state the 1-minute tick keeps
 * (by rule id); a rule the tick has not seen firing yet is reported as firing since now.
 */
export function firingAlerts(document: Omit<RealTimeMetrics, 'alerts'>, since: ReadonlyMap<string, number>, atMs: number, settings: AlertSettings): Alert[] {
  const alerts: Alert[] = [];
  for (const rule of ALERT_RULES) {
    const value = watchedValue(rule, document);
    const threshold = settings.thresholds[rule.threshold];
    if (value === null || !(value > threshold)) continue;
    const firingSince = since.get(rule.id);
    alerts.push({
      id: rule.id,
      severity: rule.severity,
      message: `${rule.description}: ${value} > ${threshold}`,
      timestamp: new Date(firingSince !== undefined && firingSince <= atMs ? firingSince : atMs).toISOString(),
      resolved: false,
    });
  }
  return alerts;
}
