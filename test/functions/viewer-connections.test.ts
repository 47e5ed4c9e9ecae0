import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { createPushRound } from '../../functions/realtime-pusher';
import { createViewerConnections, type ViewerConnectionEvent } from '../../functions/viewer-connections';
import { createTable } from '../../local/engines';
import { ViewerPushError } from '../../errors';
import { ApiGatewayViewerChannel } from '../../push/api-gateway-viewer-channel';
import { DynamoDbViewerRegistry, VIEWER_CONNECTION_KEY } from '../../push/dynamodb-viewer-registry';
import { createViewerTokenVerifier } from '../../push/viewer-token';
import { testClients } from '../support/engines';
import { AUDIENCE, TestIssuer } from '../support/viewer-tokens';
import { pipelineAt } from './support';

const T = Date.parse('2026-05-04T10:00:00Z');
const ADMIN_ORIGIN = 'https://admin.example.org';

/** A WebSocket API event as API Gateway hands it to the function (payload of a Lambda proxy integration). */
function webSocketEvent(routeKey: '$connect' | '$disconnect', connectionId: string, request: { token?: string; origin?: string } = {}): ViewerConnectionEvent {
  return {
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : 'DISCONNECT',
      connectionId,
      messageId: 'm',
      extendedRequestId: 'x',
      requestTime: '04/May/2026:10:00:00 +0000',
      messageDirection: 'IN',
      stage: 'prod',
      connectedAt: T,
      requestTimeEpoch: T,
      requestId: 'r',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      apiId: 'abc123',
    },
    isBase64Encoded: false,
    ...(request.token !== undefined && { queryStringParameters: { token: request.token } }),
    ...(request.origin !== undefined && { headers: { Origin: request.origin, Host: 'abc123.execute-api.us-east-1.amazonaws.com' } }),
  };
}

/** API Gateway's management API on a loopback port: answers per connection id, and records what was asked. */
async function given_the_management_api(answers: Record<string, number> = {}) {
  const calls: { method: string; path: string; authorization: string; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      calls.push({ method: request.method ?? '', path, authorization: request.headers.authorization ?? '', body: Buffer.concat(chunks).toString() });
      const status = answers[decodeURIComponent(path.split('/@connections/')[1] ?? '')] ?? 200;
      // API Gateway names the error in a header; a connection that has gone is a 410 GoneException.
      if (status === 410) response.writeHead(410, { 'x-amzn-errortype': 'GoneException', 'content-type': 'application/json' }).end('{}');
      else if (status >= 300) response.writeHead(status, { 'x-amzn-errortype': 'ForbiddenException', 'content-type': 'application/json' }).end('{}');
      else response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new ApiGatewayManagementApiClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  running.push(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { calls, client };
}

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stop) => stop()));
});

async function given_the_viewer_connections_table() {
  const { dynamo } = testClients();
  const tableName = `viewer-connections-${randomUUID().slice(0, 8)}`;
  await createTable(dynamo, tableName, [VIEWER_CONNECTION_KEY]);
  return new DynamoDbViewerRegistry({ client: dynamo, tableName });
}

describe('the viewer WebSocket API: $connect and $disconnect', () => {
  const issuer = new TestIssuer();

  afterEach(() => jest.restoreAllMocks());

  /** $connect and $disconnect at `now`, with the issuer's keys handed to the verifier: nothing is fetched. */
  async function connections(now = T) {
    const registry = await given_the_viewer_connections_table();
    const refusals: string[] = [];
    jest.spyOn(Date, 'now').mockReturnValue(now);
    const handle = createViewerConnections({
      verify: createViewerTokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE, jwks: issuer.jwks(), fetcher: issuer.fetcher }),
      registry,
      allowedOrigins: [ADMIN_ORIGIN],
      onRefused: (reason) => refusals.push(reason),
    });
    return { registry, handle, refusals };
  }

  it('admits a viewer with a valid token from the admin front end, and records when its token expires; $disconnect forgets it', async () => {
    const { registry, handle } = await connections();

    const connected = await handle(webSocketEvent('$connect', 'conn-A=', { token: issuer.token(T), origin: ADMIN_ORIGIN }));

    expect(connected.statusCode).toBe(200);
    expect(await registry.list()).toEqual([{ id: 'conn-A=', tokenExpiresAtMs: T + 3_600_000 }]);

    await handle(webSocketEvent('$disconnect', 'conn-A='));
    expect(await registry.list()).toEqual([]);
    expect(issuer.fetched).toEqual([]);
  });

  it.each([
    ['no token', {}, 401, /no token/],
    ['a wrong token', { token: 'not-a-jwt' }, 401, /exactly 3 parts/],
    ['an expired token', { token: issuer.token(T - 2 * 3_600_000) }, 401, /expired/],
    ['a valid token from a page of another site', { token: issuer.token(T), origin: 'https://evil.example.com' }, 403, /origin/],
  ])('refuses a viewer with %s, and records nothing', async (_case, request, status, reason) => {
    const { registry, handle, refusals } = await connections();

    const refused = await handle(webSocketEvent('$connect', 'conn-B', request));

    expect(refused.statusCode).toBe(status);
    expect(refusals).toEqual([expect.stringMatching(reason)]);
    expect(await registry.list()).toEqual([]);
  });
});

describe('pushing through API Gateway', () => {
  it('posts the document to each recorded connection, signed for execute-api, and forgets those API Gateway says are gone', async () => {
    // Prepare: three viewers; one of them left without a $disconnect reaching us
    const registry = await given_the_viewer_connections_table();
    for (const id of ['conn-1', 'conn-2=', 'conn-3']) await registry.add({ id, tokenExpiresAtMs: T + 3_600_000 });
    const api = await given_the_management_api({ 'conn-3': 410 });
    const channel = new ApiGatewayViewerChannel({ client: api.client, registry });
    const pipeline = await pipelineAt(T);

    // Act
    const round = await createPushRound(pipeline.runtime, channel)();

    // Assess
    expect(round).toMatchObject({ viewers: 3, read: true, sent: 2, gone: 1 });
    expect(api.calls.map((call) => `${call.method} ${call.path}`).sort()).toEqual([
      'POST /prod/@connections/conn-1',
      'POST /prod/@connections/conn-2%3D',
      'POST /prod/@connections/conn-3',
    ]);
    for (const call of api.calls) {
      expect(call.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(JSON.parse(call.body)).toMatchObject({ timestamp: new Date(T).toISOString() });
    }
    expect((await registry.list()).map((viewer) => viewer.id).sort()).toEqual(['conn-1', 'conn-2=']);
  });

  it('keeps a viewer that API Gateway refused for another reason, and says what it answered', async () => {
    const registry = await given_the_viewer_connections_table();
    await registry.add({ id: 'conn-1', tokenExpiresAtMs: T + 3_600_000 });
    const api = await given_the_management_api({ 'conn-1': 403 });
    const channel = new ApiGatewayViewerChannel({ client: api.client, registry });

    const sending = channel.send({ id: 'conn-1' }, '{}');

    await expect(sending).rejects.toThrow(ViewerPushError);
    await expect(sending).rejects.toMatchObject({ status: 403, message: 'PostToConnection answered 403' });
    expect(await registry.list()).toEqual([{ id: 'conn-1', tokenExpiresAtMs: T + 3_600_000 }]);
  });

  it('closes the connection of a viewer whose token has expired (DELETE), and forgets it', async () => {
    const registry = await given_the_viewer_connections_table();
    await registry.add({ id: 'conn-old', tokenExpiresAtMs: T - 1000 });
    const api = await given_the_management_api();
    const channel = new ApiGatewayViewerChannel({ client: api.client, registry });
    const pipeline = await pipelineAt(T);

    const round = await createPushRound(pipeline.runtime, channel)();

    expect(round).toMatchObject({ viewers: 0, read: false, expired: 1 });
    expect(api.calls.map((call) => `${call.method} ${call.path}`)).toEqual(['DELETE /prod/@connections/conn-old']);
    expect(await registry.list()).toEqual([]);
  });

  it('refuses to post a document larger than a WebSocket message may be, saying so', async () => {
    const api = await given_the_management_api();
    const registry = await given_the_viewer_connections_table();
    const channel = new ApiGatewayViewerChannel({ client: api.client, registry });

    const sending = channel.send({ id: 'conn-1' }, 'x'.repeat(128 * 1024 + 1));

    await expect(sending).rejects.toThrow(ViewerPushError);
    await expect(sending).rejects.toThrow(/131073 bytes/);
    expect(api.calls).toEqual([]);
  });
});
