import type { Page } from 'playwright-core';
import { launchChromium } from '../../local/dashboard/browser';
import { ProducerWorld } from './producer-world';
import { startTestStack, type TestStack } from './stack-harness';

const MINUTE_MS = 60_000;
const READ_PATH = '/admin/realtime';

const field = (page: Page, path: string) => page.locator(`[data-field="${path}"]`).first();

/** Waits, up to a deadline, until `check` holds; says what was last seen if it never does. */
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen: T = await probe();
  while (!check(seen)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(seen)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    seen = await probe();
  }
  return seen;
}

const shows = (page: Page, path: string, expected: string) =>
  until(
    `${path} on the page`,
    10_000,
    () => field(page, path).textContent(),
    (text) => text === expected,
  );

/** What one sparkline drew. */
interface DrawnSparkline {
  values: (number | null)[];
  from: string;
  path: string;
  caption: string;
}
const SERIES = ['messages', 'liveConversations', 'activeUsers', 'responseTimeP95'] as const;
/** Every sparkline, read in the page in one go, so all come from the same document (written as a string: the tests compile without the DOM library). */
const drawn = (page: Page) =>
  page.evaluate<Record<(typeof SERIES)[number], DrawnSparkline>>(`Object.fromEntries(${JSON.stringify(SERIES)}.map((series) => {
    const figure = document.querySelector('[data-series="' + series + '"]');
    return [series, {
      values: (figure.dataset.values ?? '').split(',').map((v) => (v === '' ? null : Number(v))),
      from: figure.dataset.from ?? '',
      path: figure.querySelector('path').getAttribute('d') ?? '',
      caption: figure.querySelector('figcaption').textContent,
    }];
  }))`);

/** The subpaths of a drawn line: one per stretch of minutes with a value. */
const runsOf = (path: string) => path.split('M').filter((run) => run.trim() !== '');
/** How many minutes a line's subpaths pass through (a lone minute is `M x,y l0,0`). */
const pointsOf = (path: string) => runsOf(path).reduce((n, run) => n + (run.includes('l0,0') ? 1 : run.split('L').length), 0);

// The page and this process run in the same time zone (Chromium inherits it), so the page's clock
// labels can be predicted here.
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayOf = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });
const minuteLabel = (ms: number) => (new Date().toDateString() === new Date(ms).toDateString() ? clock.format(ms) : `${clock.format(ms)}, ${dayOf.format(ms)}`);
/** What a datetime-local field holds for an instant: local time to the minute. */
function pickerValue(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

describe('the last hour and looking back, on the dashboard in headless Chromium', () => {
  let stack: TestStack;
  let world: ProducerWorld;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  /** The start of the minute `minutesAgo` before the world's own, plus `seconds`: events land in known minute buckets. */
  let inMinute: (minutesAgo: number, seconds: number) => string;

  beforeAll(async () => {
    stack = await startTestStack();
    world = new ProducerWorld(stack.stack.info);
    const minute = Math.floor(world.nowMs / MINUTE_MS) * MINUTE_MS;
    inMinute = (minutesAgo, seconds) => new Date(minute - minutesAgo * MINUTE_MS + seconds * 1000).toISOString();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    world?.close();
    await stack?.stop();
  });

  it("draws the last hour from the document's series, right after a reload too, and nothing from the browser's storage", async () => {
    // Prepare: the page open; a conversation 40 minutes ago, bot replies in two distinct minutes
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(stack.stack.info.dashboard);
    await shows(page, 'messagesLastHour', '0');
    await world.a_web_conversation_starts({ sessionId: 'spark-1', language: 'en', startTime: inMinute(40, 5) });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(30, 5), sender: 'user' });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(30, 6), sender: 'bot', processingTime: 400 });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(10, 5), sender: 'user' });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(10, 6), sender: 'bot', processingTime: 900 });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(10, 7), sender: 'user' });
    await shows(page, 'messagesLastHour', '5');

    // Act: what an earlier version of the page kept in localStorage is there; the page reloads
    const origin = new URL(stack.stack.info.api).origin;
    const oldKey = `clara-pulse-messages:${origin}`;
    await page.evaluate(`localStorage.setItem(${JSON.stringify(oldKey)}, JSON.stringify([[Date.now() - 60000, 999]]))`);
    await page.reload();
    await shows(page, 'messagesLastHour', '5');

    // Assess: each line is the series of the document shown (compared with a read of the same hour), minute by minute
    const { lines, read } = await until(
      'the page and a read on the same hour',
      15_000,
      async () => ({ lines: await drawn(page), read: await stack.read() }),
      ({ lines, read }) => lines.messages.from === read.series.minutes[0],
    );
    for (const series of SERIES) expect(lines[series].values).toEqual(read.series[series]);
    const { messages, responseTimeP95: p95, liveConversations: live, activeUsers: active } = lines;
    const minuteIndex = (iso: string) => (Date.parse(iso) - Date.parse(messages.from)) / MINUTE_MS;
    const at40 = minuteIndex(inMinute(40, 0));
    const at30 = minuteIndex(inMinute(30, 0));
    const at10 = minuteIndex(inMinute(10, 0));
    // …and is what the events say: messages in their two minutes, a line through all 60
    expect(messages.values).toEqual(Array.from({ length: 60 }, (_, i) => (i === at30 ? 2 : i === at10 ? 3 : 0)));
    expect(runsOf(messages.path)).toHaveLength(1);
    expect(pointsOf(messages.path)).toBe(60);
    expect(messages.caption).toBe(
      `messages a minute · ${clock.format(Date.parse(messages.from))}–${clock.format(Date.parse(messages.from) + 59 * MINUTE_MS)} · max 3`,
    );
    // p95: two minutes with bot replies, the other 58 are gaps (two lone dots), never zeros
    expect(p95.values.filter((v) => v !== null)).toHaveLength(2);
    expect(Math.abs(p95.values[at30]! - 400)).toBeLessThanOrEqual(4); // the sketch's 1 % bound
    expect(Math.abs(p95.values[at10]! - 900)).toBeLessThanOrEqual(9);
    expect(runsOf(p95.path)).toHaveLength(2);
    expect(pointsOf(p95.path)).toBe(2);
    expect(p95.caption).toMatch(/^p95 of each minute · \d\d:\d\d–\d\d:\d\d · 2 of 60 min with data · \d+ ms–\d+ ms$/);
    // live conversations: none before the start minute, then the one (its last activity stays within 30 min)
    expect(live.values).toEqual(Array.from({ length: 60 }, (_, i) => (i >= at40 ? 1 : 0)));
    // active users (W_5 at each minute's end): none before the start, active in the start minute's five
    expect(active.values.slice(0, at40).every((v) => v === 0)).toBe(true);
    expect(active.values.slice(at40, at40 + 5).every((v) => v === 1)).toBe(true);

    expect(await page.evaluate(`localStorage.getItem(${JSON.stringify(oldKey)})`)).toBeNull();
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('looks back to the end of a picked minute, holds that document against pushes, and goes back to live', async () => {
    // Prepare: before the picked minute an escalation and a message, in it a message, after it another escalation and two messages
    const picked = Date.parse(inMinute(8, 0));
    await world.an_escalation_is_opened({ escalationId: 'look-1', priority: 'high', timestamp: inMinute(20, 10) });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(20, 11), sender: 'user' });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(8, 40), sender: 'user' });
    await world.an_escalation_is_opened({ escalationId: 'look-2', priority: 'critical', timestamp: inMinute(2, 10) });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(2, 11), sender: 'user' });
    await world.the_chat_service_writes_a_message({ conversationId: 'spark-1', timestamp: inMinute(2, 12), sender: 'user' });
    const page = await browser.context.newPage();
    const asked: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/admin/')) asked.push(url.pathname + url.search);
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(stack.stack.info.dashboard);
    await shows(page, 'realTimeEscalations.pending', '2');
    const liveMessages = Number(await field(page, 'messagesLastHour').textContent());
    expect(await page.locator('#mode').textContent()).toBe('Live');

    // Act: pick the minute 8 minutes ago
    await page.locator('#look-back-at').fill(pickerValue(picked));
    await page.locator('#look-back-form button[type=submit]').click();

    // Assess: the desk at the end of that minute, said so, and held there while documents are pushed
    const at = new Date(picked + MINUTE_MS - 1).toISOString();
    await until(
      'the mode line',
      10_000,
      () => page.locator('#mode').textContent(),
      (text) => text === `Looking back at ${minuteLabel(picked)}`,
    );
    expect(await field(page, 'realTimeEscalations.pending').textContent()).toBe('1');
    expect(await field(page, 'realTimeEscalations.criticalCount').textContent()).toBe('0');
    expect(Number(await field(page, 'messagesLastHour').textContent())).toBe(liveMessages - 2);
    expect(await page.evaluate('document.body.dataset.timestamp')).toBe(at);
    expect(asked.filter((path) => path.startsWith(`${READ_PATH}?`))).toEqual([`${READ_PATH}?at=${encodeURIComponent(at)}`]);
    const lookedBack = (await drawn(page)).messages;
    expect(lookedBack.from).toBe(new Date(picked - 59 * MINUTE_MS).toISOString()); // the hour up to the picked minute
    await page.waitForTimeout(2500); // two or three pushes
    expect(await field(page, 'realTimeEscalations.pending').textContent()).toBe('1');
    expect(await page.evaluate('document.body.dataset.timestamp')).toBe(at);
    expect(await page.locator('#status').textContent()).toMatch(/^looking back; live updates held \(newest /);
    expect(await page.locator('#back-to-live').isVisible()).toBe(true);

    // Act: back to live
    await page.locator('#back-to-live').click();

    // Assess: live numbers at once, and following pushes again on the same stream
    await shows(page, 'realTimeEscalations.pending', '2');
    expect(await field(page, 'messagesLastHour').textContent()).toBe(String(liveMessages));
    expect(await page.locator('#mode').textContent()).toBe('Live');
    expect(await page.locator('#back-to-live').isVisible()).toBe(false);
    await world.an_escalation_is_opened({ escalationId: 'look-3', priority: 'low', timestamp: new Date().toISOString() });
    await shows(page, 'realTimeEscalations.pending', '3');
    expect(asked.filter((path) => path === '/admin/realtime/stream')).toHaveLength(1);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("shows the API's reason when it refuses to look back, and stays live", async () => {
    // Prepare
    const page = await browser.context.newPage();
    await page.goto(stack.stack.info.dashboard);
    const pending = Number(await until('the first document', 10_000, () => field(page, 'realTimeEscalations.pending').textContent(), Boolean));
    const threeDaysAgo = Date.now() - 72 * 3600 * 1000;

    // Act: a minute beyond the 48 h the API answers for, typed into the field
    await page.locator('#look-back-at').fill(pickerValue(threeDaysAgo));
    await page.locator('#look-back-form button[type=submit]').click();

    // Assess: the 400's error text, and the page still live
    const error = page.locator('#look-back-error');
    await error.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await error.textContent()).toMatch(
      new RegExp(
        `^Could not look back to ${minuteLabel(Math.floor(threeDaysAgo / MINUTE_MS) * MINUTE_MS)}: at is more than 48 hours back \\(the server's time is .+\\)$`,
      ),
    );
    expect(await page.locator('#mode').textContent()).toBe('Live');
    expect(await page.evaluate('document.body.dataset.mode')).toBe('live');
    await world.an_escalation_is_opened({ escalationId: 'look-4', priority: 'low', timestamp: new Date().toISOString() });
    await shows(page, 'realTimeEscalations.pending', String(pending + 1));
    await page.close();
  });
});
