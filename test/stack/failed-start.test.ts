import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStackOptions } from '../../local/stack/options';
import { startStack } from '../../local/stack/stack';

const A_LETTER = '{"origin":"kinesis-ingest","reason":"not JSON","record":{},"at":"2026-01-01T00:00:00Z"}\n';

describe('a start that fails', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-failed-start-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it('deletes nothing: an --in-memory start on a busy port leaves the dead letters, and names the flag', async () => {
    // Prepare: letters from an earlier run, and the EventBridge port taken.
    await writeFile(join(stateDir, 'dead-letters.jsonl'), A_LETTER, { mode: 0o600 });
    const busy = createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as AddressInfo).port;

    // Act
    const starting = startStack(localStackOptions(stateDir, { eventBridgePort: port }));

    // Assess
    await expect(starting).rejects.toThrow(`EventBridge endpoint: port ${port} is in use (choose another with --eventbridge-port N`);
    expect(await readFile(join(stateDir, 'dead-letters.jsonl'), 'utf8')).toBe(A_LETTER);
    expect(existsSync(join(stateDir, 'stack.lock'))).toBe(false); // its own lock, and only that, is gone
    busy.close();
  });

  it('refuses a second stack on the same state directory, before touching anything of the first', async () => {
    // Prepare: a stack running on the directory, with a dead letter of its own.
    const first = await startStack(localStackOptions(stateDir));
    try {
      const kinesis = new KinesisClient({
        endpoint: first.info.kinesis,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        requestHandler: new NodeHttpHandler(),
      });
      await kinesis.send(new PutRecordCommand({ StreamName: first.info.telemetryStream, PartitionKey: 'p', Data: Buffer.from('not JSON') }));
      kinesis.destroy();
      while (first.health().deadLetters.count === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      const stackJson = await readFile(join(stateDir, 'stack.json'), 'utf8');

      // Act
      const second = startStack(localStackOptions(stateDir, { inMemory: false }));

      // Assess
      await expect(second).rejects.toThrow(/another local stack \(pid \d+, started .*\) runs on/);
      expect(await readFile(join(stateDir, 'stack.json'), 'utf8')).toBe(stackJson);
      const health = first.health();
      expect(health.status).toBe('degraded');
      expect(health.deadLetters).toMatchObject({ count: 1, thisRun: 1, last: { origin: 'kinesis-ingest' } });
      expect(health.problems).toContain(`1 dead letter(s) in ${join(stateDir, 'dead-letters.jsonl')}: read them, then move the file away`);
    } finally {
      await first.stop();
    }
  });
});
