import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_CHAOS, type ChaosRates } from '../../local/chaos';
import { localStackOptions } from '../../local/stack/options';
import { type Stack, startStack } from '../../local/stack/stack';
import { countOnceSettled, invocationsOf } from './npm-start';

const start = (stateDir: string, chaos: ChaosRates) => startStack(localStackOptions(stateDir, { inMemory: false, chaos }));

async function when_kinesis_acknowledges(stack: Stack, functionName: string, count: number): Promise<void> {
  const kinesis = new KinesisClient({
    endpoint: stack.info.kinesis,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    requestHandler: new NodeHttpHandler(),
  });
  const at = new Date().toISOString();
  const records = Array.from({ length: count }, (_, i) => ({
    PartitionKey: `p${i}`,
    Data: Buffer.from(
      JSON.stringify({
        eventId: `${functionName}-${i}`,
        type: 'function.invocation',
        occurredAt: at,
        functionName,
        durationMs: 1,
        error: false,
        throttled: false,
      }),
    ),
  }));
  const response = await kinesis.send(new PutRecordsCommand({ StreamName: stack.info.telemetryStream, Records: records }));
  kinesis.destroy();
  expect(response.FailedRecordCount).toBe(0);
}

describe('a stop whose drain cannot finish', () => {
  it('goes on at its deadline, says what was left, keeps it on disk, and the next start counts it', async () => {
    // Prepare: every DynamoDB call of the functions refused, so nothing can commit; 50 records acknowledged.
    const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-deadline-'));
    try {
      const stuck = await start(stateDir, { ...NO_CHAOS, throttle: 1 });
      await when_kinesis_acknowledges(stuck, 'ada-clara-rag-query', 50);

      // Act
      const said: string[] = [];
      const outcome = await stuck.stop({ drainMs: 2500, say: (line) => said.push(line) });

      // Assess: the stop ended, named what it waited for, and kept it.
      expect(outcome).toMatchObject({ drained: false, kept: true });
      expect(outcome.left.join('; ')).toMatch(/clara-pulse-local-telemetry: \d+ record\(s\) read/);
      expect(said).toContain('stopping: draining the pipeline into the metrics table');
      expect(said.some((line) => line.startsWith('  waiting for: ') && line.includes('clara-pulse-local-telemetry'))).toBe(true);

      const restarted = await start(stateDir, NO_CHAOS);
      try {
        expect(await countOnceSettled(restarted.info, invocationsOf('ada-clara-rag-query'), 50)).toBe(50);
      } finally {
        expect(await restarted.stop()).toEqual({ drained: true, left: [], kept: true });
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
