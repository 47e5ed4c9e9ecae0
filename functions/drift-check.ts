import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OnCallMetric } from '../config/on-call-metrics';
import type { ReconcileSettings } from '../config/reconcile-settings';
import type { DriftReport } from '../reconcile/drift';
import { checkDrift, checkInstant } from '../reconcile/drift-check';
import { Pacer } from '../reconcile/pacer';
import type { Runtime } from './runtime';
import type { OnCallPublisher } from './tick';

export interface DriftCheckRuntime extends Runtime {
  /** The producer tables' client (Scan). */
  dynamo: DynamoDBClient;
  reconcile: ReconcileSettings;
}

/**
 * The hourly drift check: `npm run drift` on a schedule. It publishes how many fields drifted
 * (`DriftedFields`, alarmed in serverless.yml) and returns the report for the log.
 */
export function createDriftCheck(runtime: DriftCheckRuntime, publisher: OnCallPublisher) {
  return async (): Promise<DriftReport> => {
    const { reconcile } = runtime;
    const { report } = await checkDrift(
      { dynamo: runtime.dynamo, store: runtime.store, settings: runtime.settings, readPacer: new Pacer(reconcile.scanReadUnits), now: runtime.now },
      { atMs: checkInstant(runtime.now(), reconcile.driftSettleSeconds), segments: reconcile.scanSegments, otherSources: reconcile.driftOtherSources },
    );
    await publisher.publish([{ name: OnCallMetric.driftedFields, value: report.mismatches.length }]);
    return report;
  };
}
