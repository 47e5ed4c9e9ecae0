import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRealtimeRead } from '../functions/realtime-read';
import { logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const read = createRealtimeRead(runtime, (error) => logger.error('read failed', { error }));

export const handler = withObservability((event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => read(event), runtime.store);
