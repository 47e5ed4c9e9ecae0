import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { openApiDocument } from '../schemas/openapi-document';

/** The description changes only with a deployment: caches may keep it for a few minutes. */
const CACHE_CONTROL = 'public, max-age=300';

const json = (statusCode: number, body: string, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

/**
 * `GET /openapi.json`, no token: the OpenAPI 3.1 description of the read API. Built once per
 * cold start (it depends only on the code), answered from memory.
 */
export function createApiDescription() {
  const body = JSON.stringify(openApiDocument());
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    if (event.rawPath !== '/openapi.json') return json(404, JSON.stringify({ message: 'not found' }));
    if (event.requestContext.http.method !== 'GET') return json(405, JSON.stringify({ message: 'only GET is allowed' }), { allow: 'GET' });
    return json(200, body, { 'cache-control': CACHE_CONTROL });
  };
}
