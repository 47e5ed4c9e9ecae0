import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { LocalPipeline } from '../../local/local-pipeline';
import { testClients } from '../support/engines';

export const pipelineAt = (atMs: number) => LocalPipeline.create({ ...testClients(), now: () => atMs });

/** An API Gateway HTTP API (payload 2.0) request, as the read function receives it. */
export function httpRequest(method: string, path: string, query?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    ...(query && { queryStringParameters: query }),
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: { authorization: 'Bearer test' },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'example',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: 'r1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
  };
}
