import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readDocument } from '../pipeline/read-document';
import { lookBackInstant } from '../schemas/look-back';
import type { Runtime } from './runtime';

/** The dashboard polls every 1–5 s: a second of private caching absorbs bursts without hiding change. */
const CACHE_CONTROL = 'private, max-age=1';

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/**
 * `GET /admin/realtime`: the RealTimeMetrics document now, or at `?at=` up to 48 h back (SPEC
 * §4.1). A bad `at` → 400 saying what is wrong; wrong method or path → 404/405; a store failure
 * → 503 with a plain message; nothing internal leaks into a response.
 */
export function createRealtimeRead(runtime: Runtime, onError: (error: unknown) => void = () => undefined) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    if (event.rawPath !== '/admin/realtime') return json(404, { message: 'not found' });
    if (event.requestContext.http.method !== 'GET') return json(405, { message: 'only GET is allowed' }, { allow: 'GET' });
    const now = runtime.now();
    const at = event.queryStringParameters?.at;
    const lookBack = at === undefined ? undefined : lookBackInstant(at, now);
    if (lookBack && !lookBack.ok) return json(400, { error: lookBack.error });
    try {
      const document = await readDocument(runtime.store, runtime.settings, lookBack ? lookBack.atMs : now, now);
      return json(200, document, { 'cache-control': CACHE_CONTROL });
    } catch (error) {
      onError(error);
      return json(503, { message: 'metrics are unavailable right now; try again in a few seconds' }, { 'retry-after': '5' });
    }
  };
}
