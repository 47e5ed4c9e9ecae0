import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { PortInUseError } from '../../errors';
import { startApi } from '../../local/stack/api-server';
import { ViewerStreams } from '../../local/stack/viewer-streams';
import { startEngineChild } from '../../local/stack/engine-child';
import { startEventBridge } from '../../local/stack/eventbridge-endpoint';

/** A port some other process holds. */
async function given_a_busy_port(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server };
}

const noViewers = () => new ViewerStreams({ maxStreamMs: 60_000, heartbeatMs: 15_000 });

/** One raw HTTP/1.1 request, so headers no client library would send can be sent. */
async function rawRequest(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(text);
  let answer = '';
  for await (const chunk of socket) answer += String(chunk);
  return answer;
}

describe('the local HTTP API', () => {
  it('answers a malformed Host header with 400 and logs no stack trace', async () => {
    const logs: string[] = [];
    const api = await startApi({
      port: 0,
      adminToken: 't',
      read: async () => ({ statusCode: 200, body: '{}' }),
      describe: async () => ({ statusCode: 200, body: '{}' }),
      streams: noViewers(),
      health: () => ({ status: 'ok' }),
      redrive: async () => 0,
      dashboardDir: __dirname,
      log: (line) => logs.push(line),
    });
    const port = Number(new URL(api.endpoint).port);
    try {
      for (const host of ['[::1', 'a b', 'x/y', 'user@host']) {
        const answer = await rawRequest(port, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        expect({ host, status: answer.split('\r\n')[0], body: answer.split('\r\n\r\n')[1] }).toEqual({
          host,
          status: 'HTTP/1.1 400 Bad Request',
          body: '{"message":"malformed Host header"}',
        });
      }
      const fine = await rawRequest(port, 'GET /health HTTP/1.1\r\nHost: localhost:3000\r\nConnection: close\r\n\r\n');
      expect(fine.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(logs).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('names the --port flag when its port is taken', async () => {
    const busy = await given_a_busy_port();
    const starting = startApi({
      port: busy.port,
      adminToken: 't',
      read: async () => ({}),
      describe: async () => ({}),
      redrive: async () => 0,
      streams: noViewers(),
      health: () => ({}),
      dashboardDir: __dirname,
      log: () => {},
    });
    await expect(starting).rejects.toThrow(new PortInUseError('HTTP API', busy.port, '--port'));
    await expect(starting).rejects.toThrow(/choose another with --port N/);
    busy.server.close();
  });
});

describe('the local EventBridge endpoint', () => {
  it('refuses a 400 MB PutEvents while it streams, without reading it whole', async () => {
    const eventBridge = await startEventBridge({ port: 0, buses: ['bus'], rules: [] });
    const { port } = new URL(eventBridge.endpoint);
    let sent = 0;
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(
        { host: '127.0.0.1', port, method: 'POST', headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' } },
        (incoming) => {
          incoming.resume();
          resolve(incoming.statusCode ?? 0);
        },
      );
      // Chunked, no Content-Length: the endpoint cannot know the size before reading.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (sent < 400 * 1024 * 1024 && !outgoing.destroyed) {
          sent += chunk.length;
          if (!outgoing.write(chunk)) return void outgoing.once('drain', pump);
        }
        outgoing.end();
      };
      outgoing.on('error', () => {
        // The endpoint closed the connection after its answer: the rest was never read.
      });
      outgoing.on('close', () => reject(new Error('closed without an answer')));
      pump();
    });
    await eventBridge.close();

    expect(status).toBe(413);
    // What the client managed to write before the endpoint stopped reading: the 1 MiB limit plus socket buffers, far from 400 MB.
    expect(sent).toBeLessThan(32 * 1024 * 1024);
  });

  it('names the --eventbridge-port flag when its port is taken', async () => {
    const busy = await given_a_busy_port();
    await expect(startEventBridge({ port: busy.port, buses: [], rules: [] })).rejects.toThrow(
      /EventBridge endpoint: port \d+ is in use \(choose another with --eventbridge-port N/,
    );
    busy.server.close();
  });
});

describe('the local Kinesis engine', () => {
  it('names the --kinesis-port flag when its port is taken', async () => {
    const busy = await given_a_busy_port();
    await expect(startEngineChild('kinesalite', { port: busy.port, portName: { what: 'Kinesis endpoint', flag: '--kinesis-port' } })).rejects.toThrow(
      `Kinesis endpoint: port ${busy.port} is in use (choose another with --kinesis-port N, or --kinesis-port 0 for any free port)`,
    );
    busy.server.close();
  });
});
