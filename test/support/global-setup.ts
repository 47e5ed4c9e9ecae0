import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';

// One in-memory dynalite for the whole run, on a free loopback port. Each test file creates
// its own uniquely named tables, so files never see each other's data.
export default async function globalSetup(): Promise<void> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  process.env.TEST_DYNAMODB_ENDPOINT = `http://127.0.0.1:${port}`;
  (globalThis as { __DYNALITE__?: unknown }).__DYNALITE__ = server;
}
