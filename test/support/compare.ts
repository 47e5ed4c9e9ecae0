import type { RealTimeMetrics } from '../../schemas/realtime-metrics';
import type { OracleMetrics } from '../oracle/oracle';

/**
 * Differences between a document and the oracle, as readable lines (empty = equal). Counts must
 * be equal; means may differ by one rounding unit (0.01) from summing in another order;
 * percentiles by the sketch's 1 % (SPEC §4). `ignoreFunctions` leaves out Clara Pulse's own.
 */
export function differences(actual: RealTimeMetrics, expected: OracleMetrics, ignoreFunctions: readonly string[] = []): string[] {
  const problems: string[] = [];
  const walk = (path: string, a: unknown, e: unknown, kind: 'exact' | 'mean' | 'percentile') => {
    if (typeof e === 'number' && typeof a === 'number') {
      const tolerance = kind === 'exact' ? 0 : kind === 'mean' ? 0.0100001 : Math.abs(e) * 0.01 + 0.0100001;
      if (Math.abs(a - e) > tolerance) problems.push(`${path}: got ${a}, oracle ${e}`);
      return;
    }
    if (e === null || a === null || typeof e !== 'object' || typeof a !== 'object') {
      if (a !== e) problems.push(`${path}: got ${JSON.stringify(a)}, oracle ${JSON.stringify(e)}`);
      return;
    }
    const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
    for (const key of keys) {
      const childKind =
        (path.endsWith('responseTime') && path.includes('systemPerformance')) || key === 'responseTimeP95' ? 'percentile' : MEANS.has(key) ? 'mean' : kind;
      walk(`${path}.${key}`, (a as Record<string, unknown>)[key], (e as Record<string, unknown>)[key], childKind);
    }
  };
  const { alerts: _alerts, freshness: _freshness, systemPerformance, ...rest } = actual;
  const { dynamoDbMetrics: _ddb, lambdaMetrics, ...performance } = systemPerformance;
  const ownFunctions = Object.fromEntries(Object.entries(lambdaMetrics).filter(([name]) => !ignoreFunctions.includes(name)));
  walk('document', { ...rest, systemPerformance: { ...performance, lambdaMetrics: ownFunctions } }, expected, 'exact');
  return problems;
}

const MEANS = new Set([
  'responseTime',
  'averageDuration',
  'averageWaitTime',
  'systemLoad',
  'cpuUsage',
  'memoryUsage',
  'diskUsage',
  'networkLatency',
  'errorRate',
  'throughput',
  'duration',
]);

/**
 * The part of a document that depends only on the events: freshness (and the lag alerts it
 * drives) measure wall-clock waiting in the transports, which differs from run to run.
 */
export function eventDerived(document: RealTimeMetrics): Omit<RealTimeMetrics, 'freshness'> {
  const { freshness: _freshness, ...rest } = document;
  return { ...rest, alerts: rest.alerts.filter((alert) => !alert.id.startsWith('source-lag-')) };
}
