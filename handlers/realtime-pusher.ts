import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parsePusherSettings } from '../config/settings';
import { createRealtimePusher } from '../functions/realtime-pusher';
import { ApiGatewayViewerChannel } from '../push/api-gateway-viewer-channel';
import { DynamoDbViewerRegistry } from '../push/dynamodb-viewer-registry';
import { logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const settings = parsePusherSettings(process.env);
const channel = new ApiGatewayViewerChannel({
  // One attempt per call: the next round, a second later, is the retry.
  client: new ApiGatewayManagementApiClient({ endpoint: settings.managementEndpoint, maxAttempts: 1 }),
  registry: new DynamoDbViewerRegistry({ client: new DynamoDBClient({}), tableName: settings.connectionsTable }),
});

/**
 * The schedule invokes the pusher once a minute and it pushes for that minute. It stops a little
 * short of the minute (and well inside its timeout), so that the next invocation — held back by a
 * reserved concurrency of 1 until this one returns — starts on time.
 */
const RUN_MS = 59_000;
const TIMEOUT_MARGIN_MS = 5000;

export const handler = withObservability(async (_event: unknown, context): Promise<void> => {
  let firstFailureLogged = false;
  const pusher = createRealtimePusher(runtime, channel, {
    intervalMs: settings.intervalMs,
    onDeliveryError: (viewer, error) => {
      // Once per run: a viewer whose network is down would otherwise log every second.
      if (firstFailureLogged) return;
      firstFailureLogged = true;
      logger.warn('a push failed', { viewer: viewer.id, error });
    },
  });
  const started = Date.now();
  const run = await pusher(Math.min(started + RUN_MS, started + context.getRemainingTimeInMillis() - TIMEOUT_MARGIN_MS));
  if (run.failedRounds > 0) logger.error('push rounds failed', { ...run });
  else logger.info('pushed', { ...run });
}, runtime.store);
