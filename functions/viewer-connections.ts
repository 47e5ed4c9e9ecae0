import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { ViewerRefusedError } from '../errors';
import type { ViewerRegistry } from '../push/viewer-channel';
import type { VerifiedViewer } from '../push/viewer-token';

/** $connect carries the handshake's headers, which the published event type leaves out. */
export type ViewerConnectionEvent = APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string | undefined> };

export interface ViewerConnectionDeps {
  verify: (token: string) => Promise<VerifiedViewer>;
  registry: ViewerRegistry;
  /** The admin front end's origin(s): a browser page from anywhere else is refused. */
  allowedOrigins: readonly string[];
  /** Why a viewer was refused, for the logs (never for the viewer). */
  onRefused?: (reason: string) => void;
}

const answer = (statusCode: number): APIGatewayProxyStructuredResultV2 => ({ statusCode });

const headerOf = (event: ViewerConnectionEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

/**
 * The viewer WebSocket API's `$connect` and `$disconnect`. A browser cannot send headers with a
 * WebSocket handshake, so the token comes as `?token=`; it is checked as the read route's JWT
 * authorizer checks it, and a viewer whose token is missing, wrong or expired is refused (401:
 * the handshake fails). An admitted viewer is recorded with its token's expiry, when the pusher
 * cuts it off.
 */
export function createViewerConnections(deps: ViewerConnectionDeps) {
  const refuse = (statusCode: number, reason: string) => {
    deps.onRefused?.(reason);
    return answer(statusCode);
  };
  return async (event: ViewerConnectionEvent): Promise<APIGatewayProxyStructuredResultV2> => {
    const { routeKey, connectionId } = event.requestContext;
    if (routeKey === '$disconnect') {
      await deps.registry.remove(connectionId);
      return answer(200);
    }
    if (routeKey !== '$connect') return answer(404);

    const origin = headerOf(event, 'origin');
    // Browsers always send Origin on a WebSocket handshake; tools without one are held to the token alone.
    if (origin !== undefined && !deps.allowedOrigins.includes(origin)) return refuse(403, `origin ${origin} is not the admin front end`);
    const token = event.queryStringParameters?.token;
    if (!token) return refuse(401, 'no token');
    let viewer: VerifiedViewer;
    try {
      viewer = await deps.verify(token);
    } catch (error) {
      if (error instanceof ViewerRefusedError) return refuse(401, error.message);
      throw error; // the issuer's keys could not be fetched: a 500, and the page retries
    }
    await deps.registry.add({ id: connectionId, tokenExpiresAtMs: viewer.expiresAtMs });
    return answer(200);
  };
}
