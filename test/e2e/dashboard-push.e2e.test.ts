import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../local/dashboard/browser';
import { STREAM_PATH } from '../../local/stack/api-server';
import { ProducerWorld } from './producer-world';
import { startTestStack, type TestStack } from './stack-harness';

const READ_PATH = '/admin/realtime';

const field = (page: Page, path: string) => page.locator(`[data-field="${path}"]`).first();

/** Waits, up to a deadline, until `check` holds; says what was last seen if it never does. */
async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let seen: T = await probe();
  while (!check(seen)) {
    if (Date.now() > deadlineMs) throw new Error(`${what}: still ${JSON.stringify(seen)} at the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = await probe();
  }
  return seen;
}

/** The paths the page asks the API for, in order. */
function recordRequests(page: Page): string[] {
  const paths: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/admin/')) paths.push(path);
  });
  return paths;
}

/** The `timestamp` of the document the page shows (it sets `data-timestamp` on the body). */
const shownTimestamp = (page: Page) => page.evaluate<string | undefined>('document.body.dataset.timestamp');

/** Every text the status line showed, kept by the page itself (transient states included). */
async function recordStatus(page: Page): Promise<() => Promise<string[]>> {
  // Run in the page, written as a string: the test code is type-checked without the DOM library.
  await page.evaluate(`(() => {
    const status = document.getElementById('status');
    window.statusSeen = [];
    new MutationObserver(() => window.statusSeen.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
  })()`);
  return () => page.evaluate<string[]>('window.statusSeen');
}

describe('pushed updates on the dashboard, in headless Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('on a stack that keeps streams open', () => {
    let stack: TestStack;
    let world: ProducerWorld;

    beforeAll(async () => {
      stack = await startTestStack();
      world = new ProducerWorld(stack.stack.info);
    });
    afterAll(async () => {
      world?.close();
      await stack?.stop();
    });

    it('shows a pushed update within 2 s of its commit, and never polls', async () => {
      // Prepare: the page open and showing its first pushed document
      const page = await browser.context.newPage();
      const asked = recordRequests(page);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(stack.stack.info.dashboard);
      await until(
        'messagesLastHour on the page',
        Date.now() + 10_000,
        () => field(page, 'messagesLastHour').textContent(),
        (text) => text === '0',
      );

      // Act: a conversation and a message arrive through the producer tables
      await world.a_web_conversation_starts({ sessionId: 'push-1', userId: 'user-1', language: 'es', startTime: world.at(20) });
      await world.the_chat_service_writes_a_message({ conversationId: 'push-1', timestamp: world.at(10), sender: 'user' });
      // The moment the pipeline has committed it: the read API (asked by the test, not the page) shows it.
      await until(
        'messagesLastHour in the read API',
        Date.now() + 10_000,
        async () => (await stack.read()).messagesLastHour,
        (n) => n === 1,
      );
      const committedAt = Date.now();

      // Assess: pushed to the page within 2 s, on the one stream it opened, with no read of its own
      await until(
        'messagesLastHour on the page',
        committedAt + 2000,
        () => field(page, 'messagesLastHour').textContent(),
        (text) => text === '1',
      );
      expect(await field(page, 'liveConversations.byLanguage.es').textContent()).toBe('1');
      expect(asked).toEqual([STREAM_PATH]);
      expect(asked).not.toContain(READ_PATH);
      expect(pageErrors).toEqual([]);
      await page.close();
    });

    it('refuses a wrong token, asks for another without retrying, and follows once given the right one', async () => {
      // Prepare
      const page = await browser.context.newPage();
      const asked = recordRequests(page);

      // Act
      await page.goto(`${stack.stack.info.api}/#token=not-the-token`);

      // Assess: refused once, and no retry after it
      await page.locator('#token-form').waitFor({ state: 'visible', timeout: 10_000 });
      expect(await page.locator('#status').textContent()).toBe('That token was not accepted.');
      await page.waitForTimeout(1500); // longer than any first retry would wait
      expect(asked).toEqual([STREAM_PATH]);

      // Act: the right token
      await page.locator('#token-input').fill(stack.stack.info.adminToken);
      await page.locator('#token-form button').click();

      // Assess
      await until(
        'the board',
        Date.now() + 10_000,
        () => field(page, 'realTimeEscalations.pending').textContent(),
        (text) => text === '0',
      );
      expect(asked).toEqual([STREAM_PATH, STREAM_PATH]);
      await page.close();
    });

    it('serves GET /openapi.json without a token, and the documents it serves are valid against it', async () => {
      const { api, adminToken } = stack.stack.info;

      const description = await fetch(`${api}/openapi.json`);
      const served = await fetch(`${api}${READ_PATH}`, { headers: { authorization: `Bearer ${adminToken}` } });

      expect(description.status).toBe(200);
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      ajv.addSchema((await description.json()) as object, 'openapi.json');
      const validate = ajv.getSchema('openapi.json#/components/schemas/RealTimeMetrics')!;
      expect(validate(await served.json()) ? [] : validate.errors).toEqual([]);
    });
  });

  describe('on a stack that ends each stream after 1.5 s (API Gateway ends them after 2 h)', () => {
    let stack: TestStack;

    beforeAll(async () => {
      stack = await startTestStack(undefined, undefined, { maxViewerStreamMs: 1500 });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('reconnects with back-off when the server drops the stream, and keeps following', async () => {
      // Prepare
      const page = await browser.context.newPage();
      const asked = recordRequests(page);
      await page.goto(stack.stack.info.dashboard);
      const statusSeen = await recordStatus(page);
      const firstShown = await until('a first document', Date.now() + 10_000, () => shownTimestamp(page), Boolean);

      // Act: the server ends the stream; the page is left to itself
      await until(
        'three streams opened',
        Date.now() + 20_000,
        async () => asked.length,
        (n) => n >= 3,
      );

      // Assess: it said so, came back, and shows newer documents; still no polling
      const later = await until(
        'a document after the reconnects',
        Date.now() + 10_000,
        () => shownTimestamp(page),
        (timestamp) => timestamp !== undefined && timestamp > String(firstShown),
      );
      expect(Date.parse(String(later))).toBeGreaterThan(Date.parse(String(firstShown)));
      expect((await statusSeen()).some((text) => /stream lost \(the server ended the stream\).*reconnecting in \d+ s/.test(text))).toBe(true);
      expect(new Set(asked)).toEqual(new Set([STREAM_PATH]));
      await page.close();
    });
  });
});
