import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PortInUseError, RequestTooLargeError } from '../../errors';

/**
 * Reads a request body, refusing it as soon as it grows past `limitBytes`: a 400 MB POST costs
 * at most the limit in memory, not 400 MB. A declared Content-Length over the limit is refused
 * before a byte is read.
 */
export const readBody = (request: IncomingMessage, limitBytes: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > limitBytes) return reject(new RequestTooLargeError(limitBytes));
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        request.off('data', onData);
        chunks.length = 0;
        // Stop reading: the socket's buffers fill and the sender is held back until the answer goes out.
        request.pause();
        return reject(new RequestTooLargeError(limitBytes));
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** How much of a refused body is still read (and dropped) after the answer, and for how long, before the connection is cut. */
const LINGER_BYTES = 8 * 1024 * 1024;
const LINGER_MS = 1000;

/**
 * Answers a body refused by `readBody` with 413 and closes the connection. The rest of the body
 * is not kept: for a moment it is read and dropped (a lingering close), so the client's TCP stack
 * does not get a reset before the client has read the answer; then the connection is cut.
 */
export function refuseTooLarge(response: ServerResponse, body: unknown): void {
  const request = response.req;
  if (response.headersSent) return void request.destroy();
  const text = JSON.stringify(body);
  response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  response.end(text, () => {
    let dropped = 0;
    const cut = setTimeout(() => request.destroy(), LINGER_MS).unref();
    request.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > LINGER_BYTES) {
        clearTimeout(cut);
        request.destroy();
      }
    });
    request.resume();
  });
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}

/** Listens on 127.0.0.1 only; a port in use is reported with the flag that chooses another, not as a stack trace. */
export async function listenLocal(server: Server, port: number, what: string, flag: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(what, port, flag) : error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops accepting, ends idle keep-alive connections, and waits for requests in flight. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
