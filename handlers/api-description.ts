import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApiDescription } from '../functions/api-description';
import { withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const describe = createApiDescription();

export const handler = withObservability((event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => describe(event), runtime.store);
