import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiGatewayEvent } from './api-gateway-event';
import { closeServer, listenLocal, sendJson } from './http-util';
import type { ViewerStreams } from './viewer-streams';

export interface ApiServerOptions {
  port: number;
  /** The bearer token `/admin/*` requires (the authorizer's job on AWS). */
  adminToken: string;
  read: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /** `GET /openapi.json`, open to anyone as on AWS (a route without the authorizer). */
  describe: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  /** `GET /admin/realtime/stream`: pushed documents, behind the same token (API Gateway's WebSocket API on AWS). */
  streams: ViewerStreams;
  health: () => unknown;
  /** `POST /admin/dead-letters/redrive`: EventBridge events given up on, invoked again (`npm run redrive`). */
  redrive: () => Promise<number>;
  dashboardDir: string;
  log: (line: string) => void;
}

/** Where a dashboard holds its event stream open. */
export const STREAM_PATH = '/admin/realtime/stream';
/** Where `npm run redrive` asks the running stack to redrive its on-failure destination. */
export const REDRIVE_PATH = '/admin/dead-letters/redrive';

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function authorized(request: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The request's Host, if it is one a URL can carry (`name`, `name:port`, `[v6]:port`); a client may send anything. */
function hostOf(request: IncomingMessage): string | undefined {
  const host = request.headers.host ?? '127.0.0.1';
  try {
    const url = new URL(`http://${host}`);
    const onlyHost = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    return onlyHost && !host.includes('/') ? url.host : undefined;
  } catch {
    return undefined;
  }
}

/** Writes what a function answered, as API Gateway does with a payload 2.0 result. */
function sendResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(result.body ?? '');
}

/** The local HTTP API: the read behind a bearer token, its description, the dashboard, and the stack's health. */
export async function startApi(options: ApiServerOptions): Promise<{ endpoint: string; close(): Promise<void> }> {
  const serveStatic = async (response: ServerResponse, path: string) => {
    const entry = STATIC_FILES[path]!;
    const body = await readFile(join(options.dashboardDir, entry.file));
    response.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-cache', ...SECURITY_HEADERS });
    response.end(body);
  };

  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const host = hostOf(request);
    if (host === undefined) return sendJson(response, 400, { message: 'malformed Host header' });
    const url = URL.parse(request.url ?? '/', `http://${host}`);
    if (url === null) return sendJson(response, 400, { message: 'malformed request target' });
    if (url.pathname.startsWith('/admin/')) {
      if (!authorized(request, options.adminToken)) {
        return sendJson(
          response,
          401,
          { message: 'Unauthorized: send Authorization: Bearer <adminToken> (printed at start, in .local/stack.json)' },
          { 'www-authenticate': 'Bearer' },
        );
      }
      if (url.pathname === STREAM_PATH) {
        if (request.method !== 'GET') return sendJson(response, 405, { message: 'only GET is allowed' }, { allow: 'GET' });
        return options.streams.attach(response);
      }
      if (url.pathname === REDRIVE_PATH) {
        if (request.method !== 'POST') return sendJson(response, 405, { message: 'only POST is allowed' }, { allow: 'POST' });
        return sendJson(response, 200, { redriven: await options.redrive() });
      }
      return sendResult(response, await options.read(apiGatewayEvent(request, url)));
    }
    if (url.pathname === '/openapi.json') return sendResult(response, await options.describe(apiGatewayEvent(request, url)));
    if (request.method === 'GET' && url.pathname === '/health') return sendJson(response, 200, options.health(), { 'cache-control': 'no-store' });
    if (request.method === 'GET' && url.pathname in STATIC_FILES) return serveStatic(response, url.pathname);
    sendJson(response, 404, { message: 'not found' });
  };

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { message: 'internal error' });
      // One line, no stack: a client can provoke this on every request and must not flood the terminal.
      options.log(`api: ${request.method} ${String(request.url).slice(0, 200)}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    });
  });
  const port = await listenLocal(server, options.port, 'HTTP API', '--port');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      // Open streams would keep the server from closing: end them first (the pages reconnect to whatever comes next).
      options.streams.closeAll();
      await closeServer(server);
    },
  };
}
