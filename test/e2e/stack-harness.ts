import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_CHAOS, type ChaosRates } from '../../local/chaos';
import { DEFAULT_TIMING, localStackOptions, type StackTiming } from '../../local/stack/options';
import { startStack, type Stack } from '../../local/stack/stack';
import { realTimeMetricsSchema, type RealTimeMetrics } from '../../schemas/realtime-metrics';

export interface TestStack {
  stack: Stack;
  /** What the stack logged (printed when a test fails, to say why). */
  logs: string[];
  read(): Promise<RealTimeMetrics>;
  stop(): Promise<void>;
}

/** The whole local stack in this process: in memory, simulator off, every port chosen by the OS. */
export async function startTestStack(
  chaos: ChaosRates = NO_CHAOS,
  seed = 20260310,
  timing: Partial<StackTiming> = {},
  /** Leaves files in the state directory before the stack starts (what an earlier run left). */
  prepare: (stateDir: string) => Promise<void> = async () => undefined,
): Promise<TestStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-e2e-'));
  await prepare(stateDir);
  const logs: string[] = [];
  const stack = await startStack(localStackOptions(stateDir, { chaos, seed, timing: { ...DEFAULT_TIMING, ...timing }, log: (line) => logs.push(line) }));
  return {
    stack,
    logs,
    read: async () => {
      const response = await fetch(`${stack.info.api}/admin/realtime`, { headers: { authorization: `Bearer ${stack.info.adminToken}` } });
      if (response.status !== 200) throw new Error(`GET /admin/realtime answered ${response.status}`);
      return realTimeMetricsSchema.parse(await response.json());
    },
    stop: async () => {
      await stack.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
