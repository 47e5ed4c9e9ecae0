import { ALERT_RULES, type AlertCaseCount, type AlertRule, type AlertThresholds, FRESHNESS_SOURCES } from '../schemas/alert-rules';
import type { Alert, RealTimeMetrics } from '../schemas/realtime-metrics';

export interface AlertSettings {
  thresholds: AlertThresholds;
}

/** The counts behind the document's shares that rules with a minimum of cases need (not fields of the document). */
export type AlertCases = Readonly<Record<AlertCaseCount, number>>;

/** The number a rule watches, or null when there is nothing to judge (no samples, no lag known, nobody served). */
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
    case 'realTimeEscalations.serviceLevel':
      return escalations.serviceLevel;
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

const beyond = (rule: AlertRule, value: number, threshold: number): boolean => (rule.fires === 'above' ? value > threshold : value < threshold);

/**
 * The rules firing at `atMs`. "Since when" comes from the alert state the 1-minute tick keeps
 * (by rule id); a rule the tick has not seen firing yet is reported as firing since now.
 */
export function firingAlerts(
  document: Omit<RealTimeMetrics, 'alerts'>,
  cases: AlertCases,
  since: ReadonlyMap<string, number>,
  atMs: number,
  settings: AlertSettings,
): Alert[] {
  const alerts: Alert[] = [];
  for (const rule of ALERT_RULES) {
    const value = watchedValue(rule, document);
    const threshold = settings.thresholds[rule.threshold];
    if (value === null || !beyond(rule, value, threshold)) continue;
    if (rule.minimumCases && cases[rule.minimumCases.count] < settings.thresholds[rule.minimumCases.threshold]) continue;
    const firingSince = since.get(rule.id);
    alerts.push({
      id: rule.id,
      severity: rule.severity,
      message: `${rule.description}: ${value} ${rule.fires === 'above' ? '>' : '<'} ${threshold}`,
      timestamp: new Date(firingSince !== undefined && firingSince <= atMs ? firingSince : atMs).toISOString(),
      resolved: false,
    });
  }
  return alerts;
}
