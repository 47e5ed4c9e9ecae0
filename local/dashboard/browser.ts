import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's package, used only when the npm-installed Chromium cannot run on this machine. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

// This machine's network is closed: without the background-networking flags Chromium keeps
// trying to reach Google's hosts at start.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium that `npm install` brought: @sparticuz/chromium ships a headless build inside
 * the package and unpacks it to the temp directory on first use. Debian's chromium is a
 * fallback for machines that build cannot run on (another CPU architecture).
 *
 * The package is ESM-only; it is asked in a Node child process so that callers under jest's
 * CommonJS module runtime can use it too.
 */
export async function chromiumExecutable(): Promise<string> {
  const script = "import('@sparticuz/chromium').then((m) => m.default.executablePath()).then((path) => process.stdout.write(path))";
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: __dirname });
    if (!existsSync(stdout)) throw new Error(`it named ${JSON.stringify(stdout)}, which does not exist`);
    return stdout;
  } catch (error) {
    if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
    throw new Error(
      `no Chromium to run: @sparticuz/chromium failed (${error instanceof Error ? error.message : String(error)}) and ${DEBIAN_CHROMIUM} is absent`,
    );
  }
}

/** A headless Chromium driven by playwright-core, with a fresh profile; closing removes the profile too. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const executablePath = await chromiumExecutable();
  const profile = await mkdtemp(join(tmpdir(), 'clara-pulse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: ARGS, viewport: { width: 1440, height: 1000 } });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
