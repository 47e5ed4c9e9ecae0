import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseReconcileSettings } from '../config/reconcile-settings';
import { createDriftCheck } from '../functions/drift-check';
import { onCallEmf } from './on-call-emf';
import { logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const check = createDriftCheck({ ...runtime, dynamo: new DynamoDBClient({ maxAttempts: 10 }), reconcile: parseReconcileSettings(process.env) }, onCallEmf);

/** Logs the same JSON `npm run drift` prints (its keys at the top of the log line), and publishes DriftedFields. */
export const handler = withObservability(async (): Promise<void> => {
  const report = await check();
  logger.info('drift check', { ...report });
}, runtime.store);
