/**
 * Takes the README's pictures: a clean in-memory stack with the simulator (and its day of
 * history, so the last hour's sparklines are full at once), the dashboard open in headless
 * Chromium, then
 *   docs/dashboard.png            live, after watching for a while;
 *   docs/dashboard-look-back.png  looking back to the end of the minute 20 minutes earlier.
 *
 *   npx tsx local/dashboard/take-screenshot.ts [seconds to watch live, default 60]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStackOptions } from '../stack/options';
import { startStack } from '../stack/stack';
import { launchChromium } from './browser';

const DOCS = join(__dirname, '..', '..', 'docs');
const LOOK_BACK_MINUTES = 20;

/** The value a datetime-local field holds for an instant: local time to the minute, as the page's picker. */
function pickerValue(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

async function main(): Promise<void> {
  const watchSeconds = Number(process.argv[2] ?? 60);
  const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-shot-'));
  const stack = await startStack(localStackOptions(stateDir, { simulate: true, rate: 12, seed: 7 }));
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(stack.info.dashboard);
    for (let s = 0; s < watchSeconds || stack.health().simulator?.phase !== 'live'; s += 10) {
      await page.waitForTimeout(10_000);
      console.log(`${s + 10}s: ${JSON.stringify(stack.health().simulator)}`);
    }
    await page.screenshot({ path: join(DOCS, 'dashboard.png'), fullPage: true });
    console.log('wrote docs/dashboard.png');

    await page.locator('#look-back-at').fill(pickerValue(Date.now() - LOOK_BACK_MINUTES * 60_000));
    await page.locator('#look-back-form button[type=submit]').click();
    await page.locator('body[data-mode="look-back"]').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1500); // let the change highlight fade
    await page.screenshot({ path: join(DOCS, 'dashboard-look-back.png'), fullPage: true });
    console.log(`wrote docs/dashboard-look-back.png (${await page.locator('#mode').textContent()})`);
  } finally {
    await browser.close();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

void main();
