/**
 * One engine (dynalite or kinesalite) in a process of its own, so that its work runs on
 * another core than the functions'. Started by engine-child.ts; tells its parent its endpoint
 * (and, for kinesalite, every put) over IPC, and ends when told to or when the parent is gone.
 */
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EngineKind = 'dynalite' | 'kinesalite';
export type EngineMessage = { ready: string } | { failed: string } | { portInUse: number } | { put: true };

const [kind, portText, path] = process.argv.slice(2) as [EngineKind, string, string | undefined];
const send = (message: EngineMessage) => process.send?.(message);

function create(): Server {
  if (kind === 'dynalite') return dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path && { path }) });
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100, ...(path && { path }) });
  server.on('request', (request, response) => {
    if (/PutRecords?$/.test(String(request.headers['x-amz-target'] ?? ''))) response.on('finish', () => send({ put: true }));
  });
  return server;
}

const server = create();
let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
};
server.once('error', (error: NodeJS.ErrnoException) => {
  send(error.code === 'EADDRINUSE' ? { portInUse: Number(portText) } : { failed: String(error) });
  process.exit(1);
});
server.listen(Number(portText), '127.0.0.1', () => send({ ready: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
process.on('message', (message) => message === 'close' && close());
// The parent died without saying goodbye: an engine must not outlive the stack.
process.on('disconnect', close);
