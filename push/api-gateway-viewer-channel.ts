import { type ApiGatewayManagementApiClient, DeleteConnectionCommand, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { ViewerPushError } from '../errors';
import type { Delivery, Viewer, ViewerChannel, ViewerRegistry } from './viewer-channel';

/** API Gateway refuses WebSocket messages above 128 KB; a document that large is a bug worth a clear error. */
const MAX_MESSAGE_BYTES = 128 * 1024;
/** One slow connection must not hold up the round for everyone. */
const CALL_TIMEOUT_MS = 3000;

export interface ApiGatewayViewerChannelOptions {
  /** A management API client whose endpoint is `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`. */
  client: ApiGatewayManagementApiClient;
  registry: ViewerRegistry;
}

/**
 * The viewers of the WebSocket API: who they are comes from our registry, and documents reach
 * them through API Gateway's management API (PostToConnection, DeleteConnection). A
 * GoneException (410) means the viewer has left: it is forgotten.
 */
export class ApiGatewayViewerChannel implements ViewerChannel {
  constructor(private readonly options: ApiGatewayViewerChannelOptions) {}

  viewers(): Promise<readonly Viewer[]> {
    return this.options.registry.list();
  }

  async send(viewer: Viewer, payload: string): Promise<Delivery> {
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_MESSAGE_BYTES) throw new ViewerPushError(413, `the document is ${bytes} bytes; a WebSocket message may hold ${MAX_MESSAGE_BYTES}`);
    const answer = await this.call('PostToConnection', (options) =>
      this.options.client.send(new PostToConnectionCommand({ ConnectionId: viewer.id, Data: payload }), options),
    );
    if (answer === 'done') return 'sent';
    await this.options.registry.remove(viewer.id);
    return 'gone';
  }

  async disconnect(viewer: Viewer): Promise<void> {
    // Gone already or closed now: either way the viewer is forgotten.
    await this.call('DeleteConnection', (options) => this.options.client.send(new DeleteConnectionCommand({ ConnectionId: viewer.id }), options));
    await this.options.registry.remove(viewer.id);
  }

  private async call(operation: string, request: (options: { abortSignal: AbortSignal }) => Promise<unknown>): Promise<'done' | 'gone'> {
    try {
      await request({ abortSignal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      return 'done';
    } catch (error) {
      if (error instanceof GoneException) return 'gone';
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      throw new ViewerPushError(status, `${operation} ${status === undefined ? 'got no answer' : `answered ${status}`}`, { cause: error });
    }
  }
}
