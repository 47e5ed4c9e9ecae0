/**
 * The alert rules of SPEC §4 and §4.1 — the one list that the read model, the EMF alarms and the
 * oracle in `test/oracle/` share. Data only: ids, severities, what each rule watches and its
 * default threshold. A rule fires when its number is strictly beyond its threshold in the
 * rule's direction: above (SPEC: "above 10", "older than 300 s", "any critical" = above 0,
 * "above 5 %", ...) or below ("service level below 0.8"). A rule over a share may also
 * need a minimum number of cases before it judges ("once at least 5 were served today").
 */

export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The sources reported in `freshness` (SPEC §4). */
export const FRESHNESS_SOURCES = ['dynamodb-streams', 'eventbridge', 'kinesis'] as const;
export type FreshnessSource = (typeof FRESHNESS_SOURCES)[number];

/** The configurable thresholds, one per rule (the lag threshold is shared by all sources). */
export interface AlertThresholds {
  /** `realTimeEscalations.pending` above this fires `escalations-pending-high`. */
  readonly pendingEscalations: number;
  /** `realTimeEscalations.oldestPendingAge` (seconds) above this fires `escalation-oldest-pending`. */
  readonly oldestPendingAgeSeconds: number;
  /** `realTimeEscalations.criticalCount` above this fires `escalation-critical-open`. */
  readonly criticalOpenEscalations: number;
  /** `systemPerformance.errorRate` (share 0–1) above this fires `error-rate-high`. */
  readonly errorRate: number;
  /** `systemPerformance.responseTime.p95` (ms) above this fires `response-time-p95-high`. */
  readonly responseTimeP95Ms: number;
  /** `systemPerformance.cpuUsage` (percent) above this fires `cpu-high`. */
  readonly cpuUsagePercent: number;
  /** `freshness[source].lagSeconds` above this fires `source-lag-<source>`. */
  readonly sourceLagSeconds: number;
  /** `realTimeEscalations.serviceLevel` (share 0–1) below this fires `escalation-service-level-low`… */
  readonly serviceLevel: number;
  /** …once at least this many escalations were served today. */
  readonly serviceLevelMinimumServed: number;
}

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = Object.freeze({
  pendingEscalations: 10,
  oldestPendingAgeSeconds: 300,
  criticalOpenEscalations: 0,
  errorRate: 0.05,
  responseTimeP95Ms: 3000,
  cpuUsagePercent: 85,
  sourceLagSeconds: 60,
  serviceLevel: 0.8,
  serviceLevelMinimumServed: 5,
});

export type SourceLagAlertId = `source-lag-${FreshnessSource}`;

export const sourceLagAlertId = (source: FreshnessSource): SourceLagAlertId => `source-lag-${source}`;

/** Which number of the `RealTimeMetrics` document a rule watches (a dotted path, for docs and logs). */
export type AlertMetric =
  | 'realTimeEscalations.pending'
  | 'realTimeEscalations.oldestPendingAge'
  | 'realTimeEscalations.criticalCount'
  | 'systemPerformance.errorRate'
  | 'systemPerformance.responseTime.p95'
  | 'systemPerformance.cpuUsage'
  | 'realTimeEscalations.serviceLevel'
  | `freshness.${FreshnessSource}.lagSeconds`;

/** Counts a rule may need besides the document's numbers: how many cases a share was taken over. */
export type AlertCaseCount = 'escalationsServedToday';

export interface AlertRule<Id extends string = string> {
  readonly id: Id;
  readonly severity: AlertSeverity;
  readonly metric: AlertMetric;
  /** Which side of the threshold fires: strictly above it, or strictly below it. */
  readonly fires: 'above' | 'below';
  readonly threshold: keyof AlertThresholds;
  /** The rule judges only once this count reaches the threshold named (a share of 2 cases says little). */
  readonly minimumCases?: { readonly count: AlertCaseCount; readonly threshold: keyof AlertThresholds };
  /** Human wording of the rule, SPEC §4. */
  readonly description: string;
}

const SINGLE_RULES = [
  {
    id: 'escalations-pending-high',
    fires: 'above',
    severity: 'high',
    metric: 'realTimeEscalations.pending',
    threshold: 'pendingEscalations',
    description: 'pending escalations above the threshold',
  },
  {
    id: 'escalation-oldest-pending',
    fires: 'above',
    severity: 'high',
    metric: 'realTimeEscalations.oldestPendingAge',
    threshold: 'oldestPendingAgeSeconds',
    description: 'oldest pending escalation older than the threshold (seconds)',
  },
  {
    id: 'escalation-critical-open',
    fires: 'above',
    severity: 'critical',
    metric: 'realTimeEscalations.criticalCount',
    threshold: 'criticalOpenEscalations',
    description: 'critical escalations open (pending or in progress)',
  },
  {
    id: 'error-rate-high',
    fires: 'above',
    severity: 'high',
    metric: 'systemPerformance.errorRate',
    threshold: 'errorRate',
    description: 'share of 5xx requests in the last 5 minutes above the threshold',
  },
  {
    id: 'response-time-p95-high',
    fires: 'above',
    severity: 'medium',
    metric: 'systemPerformance.responseTime.p95',
    threshold: 'responseTimeP95Ms',
    description: 'p95 bot response time in the last 5 minutes above the threshold (ms)',
  },
  {
    id: 'cpu-high',
    fires: 'above',
    severity: 'medium',
    metric: 'systemPerformance.cpuUsage',
    threshold: 'cpuUsagePercent',
    description: 'mean CPU usage in the last 5 minutes above the threshold (percent)',
  },
  {
    id: 'escalation-service-level-low',
    fires: 'below',
    severity: 'medium',
    metric: 'realTimeEscalations.serviceLevel',
    threshold: 'serviceLevel',
    minimumCases: { count: 'escalationsServedToday', threshold: 'serviceLevelMinimumServed' },
    description: 'share of escalations served today within the service level below the threshold',
  },
] as const satisfies readonly AlertRule[];

export type AlertId = (typeof SINGLE_RULES)[number]['id'] | SourceLagAlertId;

const SOURCE_LAG_RULES: readonly AlertRule<SourceLagAlertId>[] = FRESHNESS_SOURCES.map((source) => ({
  id: sourceLagAlertId(source),
  fires: 'above',
  severity: 'high',
  metric: `freshness.${source}.lagSeconds`,
  threshold: 'sourceLagSeconds',
  description: `${source} lagging more than the threshold (seconds)`,
}));

/** Every alert rule, in a stable order. */
export const ALERT_RULES: readonly AlertRule<AlertId>[] = Object.freeze([...SINGLE_RULES, ...SOURCE_LAG_RULES]);

/** Every alert id, in the order of `ALERT_RULES`; a non-empty tuple so it can feed `z.enum`. */
export const ALERT_IDS = ALERT_RULES.map((r) => r.id) as [AlertId, ...AlertId[]];

export const alertRuleById = (id: AlertId): AlertRule<AlertId> => {
  const rule = ALERT_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`unknown alert rule ${id}`);
  return rule;
};
