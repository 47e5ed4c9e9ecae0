import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ConfigurationError, ViewerPushError } from '../errors';
import type { Delivery, Viewer, ViewerChannel, ViewerRegistry } from './viewer-channel';

/** API Gateway refuses WebSocket messages above 128 KB; a document that large is a bug worth a clear error. */
const MAX_MESSAGE_BYTES = 128 * 1024;
/** One slow connection must not hold up the round for everyone. */
const CALL_TIMEOUT_MS = 3000;

export interface ApiGatewayViewerChannelOptions {
  /** `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>` */
  endpoint: string;
  registry: ViewerRegistry;
  credentials: AwsCredentialIdentityProvider;
  /** Injected in tests; the platform's fetch otherwise. */
  fetch?: typeof fetch;
}

const REGION_IN_ENDPOINT = /^https:\/\/[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/[^/]+$/;

/** The region the endpoint names; the management API is signed for it. */
export function regionOfEndpoint(endpoint: string): string {
  const region = REGION_IN_ENDPOINT.exec(endpoint)?.[1];
  if (!region)
    throw new ConfigurationError('WEBSOCKET_MANAGEMENT_ENDPOINT', `expected https://<api-id>.execute-api.<region>.amazonaws.com/<stage>, got ${endpoint}`);
  return region;
}

/**
 * The viewers of the WebSocket API: who they are comes from our registry, and documents reach
 * them through API Gateway's management API (`POST`/`DELETE @connections/{id}`, signed with
 * SigV4 for `execute-api`). A 410 means the viewer has left: it is forgotten.
 */
export class ApiGatewayViewerChannel implements ViewerChannel {
  private readonly signer: SignatureV4;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiGatewayViewerChannelOptions) {
    this.signer = new SignatureV4({ service: 'execute-api', region: regionOfEndpoint(options.endpoint), credentials: options.credentials, sha256: Sha256 });
    this.fetch = options.fetch ?? fetch;
  }

  viewers(): Promise<readonly Viewer[]> {
    return this.options.registry.list();
  }

  async send(viewer: Viewer, payload: string): Promise<Delivery> {
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_MESSAGE_BYTES) throw new ViewerPushError(413, `the document is ${bytes} bytes; a WebSocket message may hold ${MAX_MESSAGE_BYTES}`);
    const status = await this.call('POST', viewer.id, payload);
    if (status === 410) {
      await this.options.registry.remove(viewer.id);
      return 'gone';
    }
    if (status < 200 || status >= 300) throw new ViewerPushError(status, `PostToConnection answered ${status}`);
    return 'sent';
  }

  async disconnect(viewer: Viewer): Promise<void> {
    const status = await this.call('DELETE', viewer.id);
    if (status !== 410 && (status < 200 || status >= 300)) throw new ViewerPushError(status, `DeleteConnection answered ${status}`);
    await this.options.registry.remove(viewer.id);
  }

  private async call(method: 'POST' | 'DELETE', connectionId: string, body?: string): Promise<number> {
    const url = new URL(`${this.options.endpoint}/@connections/${encodeURIComponent(connectionId)}`);
    const request = new HttpRequest({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      headers: { host: url.host, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body }),
    });
    const signed = await this.signer.sign(request);
    // fetch sets Host itself, to the same value that was signed.
    const { host: _host, ...headers } = signed.headers;
    const response = await this.fetch(url, { method, headers, ...(body !== undefined && { body }), signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    await response.arrayBuffer(); // release the connection for reuse
    return response.status;
  }
}
