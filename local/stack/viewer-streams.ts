import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Delivery, Viewer, ViewerChannel } from '../../push/viewer-channel';

export interface ViewerStreamOptions {
  /** API Gateway ends a WebSocket connection after 2 h; the local streams end too, so the page's reconnect is exercised. */
  maxStreamMs: number;
  /** A comment line this often keeps the stream alive through quiet spells (no viewer-side timeout fires). */
  heartbeatMs: number;
}

/** Past this much unsent data a viewer is not keeping up: it is dropped and reconnects, rather than the stack buffering for it. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * The local stand-in for API Gateway's WebSocket API: each dashboard holds one event stream
 * (`GET /admin/realtime/stream`, Server-Sent Events) open, and the local pusher hands every new
 * document to all of them through it. Documents go out as `event: document` with the JSON on
 * one `data:` line (JSON.stringify writes no line breaks).
 */
export class ViewerStreams implements ViewerChannel {
  private readonly open = new Map<string, ServerResponse>();

  constructor(private readonly options: ViewerStreamOptions) {}

  get count(): number {
    return this.open.size;
  }

  /** Admits an authorized viewer: the response stays open until the viewer leaves, is dropped or the stack stops. */
  attach(response: ServerResponse): void {
    const id = randomUUID();
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n'); // the page learns at once that it was admitted
    this.open.set(id, response);
    const heartbeat = setInterval(() => {
      if (!response.writableEnded) response.write(': keep-alive\n\n');
    }, this.options.heartbeatMs);
    const maxAge = setTimeout(() => response.end(), this.options.maxStreamMs);
    response.on('close', () => {
      clearInterval(heartbeat);
      clearTimeout(maxAge);
      this.open.delete(id);
    });
  }

  async viewers(): Promise<readonly Viewer[]> {
    return [...this.open.keys()].map((id) => ({ id }));
  }

  async send(viewer: Viewer, payload: string): Promise<Delivery> {
    const response = this.open.get(viewer.id);
    if (!response || response.writableEnded || response.destroyed) {
      this.open.delete(viewer.id);
      return 'gone';
    }
    if (response.writableLength > MAX_BUFFERED_BYTES) {
      response.destroy();
      this.open.delete(viewer.id);
      return 'gone';
    }
    response.write(`event: document\ndata: ${payload}\n\n`);
    return 'sent';
  }

  async disconnect(viewer: Viewer): Promise<void> {
    this.open.get(viewer.id)?.end();
    this.open.delete(viewer.id);
  }

  /** Ends every stream, so the server can close (it waits for open responses). */
  closeAll(): void {
    for (const response of this.open.values()) response.end();
    this.open.clear();
  }
}
