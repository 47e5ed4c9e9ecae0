import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { parseViewerConnectionSettings } from '../config/settings';
import { createViewerConnections, type ViewerConnectionEvent } from '../functions/viewer-connections';
import { DynamoDbViewerRegistry } from '../push/dynamodb-viewer-registry';
import { createViewerTokenVerifier } from '../push/viewer-token';
import { logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const settings = parseViewerConnectionSettings(process.env);
const connections = createViewerConnections({
  verify: createViewerTokenVerifier({ issuer: settings.tokenIssuer, audience: settings.tokenAudience }),
  registry: new DynamoDbViewerRegistry({ client: new DynamoDBClient({}), tableName: settings.connectionsTable }),
  allowedOrigins: settings.adminOrigins,
  onRefused: (reason) => logger.info('viewer refused', { reason }),
});

export const handler = withObservability((event: ViewerConnectionEvent): Promise<APIGatewayProxyStructuredResultV2> => connections(event), runtime.store);
