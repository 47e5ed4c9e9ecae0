/**
 * Takes docs/dashboard.png for the README: a clean in-memory stack with the simulator (and its
 * day of history), the dashboard open in headless Chromium long enough to gather a sparkline.
 *
 *   npx tsx local/dashboard/take-screenshot.ts [seconds to watch, default 120]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './browser';
import { localStackOptions } from '../stack/options';
import { startStack } from '../stack/stack';

async function main(): Promise<void> {
  const watchSeconds = Number(process.argv[2] ?? 120);
  const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-shot-'));
  const stack = await startStack(localStackOptions(stateDir, { simulate: true, rate: 12, seed: 7 }));
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(stack.info.dashboard);
    for (let s = 0; s < watchSeconds; s += 10) {
      await page.waitForTimeout(10_000);
      console.log(`${s + 10}s: ${JSON.stringify(stack.health().simulator)}`);
    }
    await page.screenshot({ path: join(__dirname, '..', '..', 'docs', 'dashboard.png'), fullPage: true });
    console.log('wrote docs/dashboard.png');
  } finally {
    await browser.close();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

void main();
