/**
 * Takes docs/dashboard.png for the README: a clean in-memory stack with the simulator (and its
 * day of history), the dashboard open in Debian's chromium long enough to gather a sparkline.
 *
 *   npx tsx local/dashboard/take-screenshot.ts [seconds to watch, default 120]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { NO_CHAOS } from '../chaos';
import { DEFAULT_TIMING } from '../stack/options';
import { startStack } from '../stack/stack';

async function main(): Promise<void> {
  const watchSeconds = Number(process.argv[2] ?? 120);
  const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-shot-'));
  const stack = await startStack({
    apiPort: 0,
    dynamodbPort: 0,
    kinesisPort: 0,
    eventBridgePort: 0,
    inMemory: true,
    stateDir,
    simulate: true,
    rate: 12,
    chaos: NO_CHAOS,
    seed: 7,
    timeZone: 'UTC',
    timing: DEFAULT_TIMING,
    log: () => undefined,
  });
  const context = await chromium.launchPersistentContext(join(stateDir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 1000 },
  });
  try {
    const page = await context.newPage();
    await page.goto(stack.info.dashboard);
    for (let s = 0; s < watchSeconds; s += 10) {
      await page.waitForTimeout(10_000);
      console.log(`${s + 10}s: ${JSON.stringify(stack.health().simulator)}`);
    }
    await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'dashboard.png'), fullPage: true });
    console.log('wrote docs/dashboard.png');
  } finally {
    await context.close();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

void main();
