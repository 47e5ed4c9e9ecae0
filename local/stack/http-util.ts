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

/**
 * Answers a body refused by `readBody` with 413 and closes the connection: the rest of the
 * body is never read (the client may see the connection end before it has sent it all).
 */
export function refuseTooLarge(response: ServerResponse, body: unknown): void {
  if (response.headersSent) return void response.destroy();
  const text = JSON.stringify(body);
  response.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  response.end(text, () => response.req.destroy());
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
