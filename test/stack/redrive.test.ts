import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENTBRIDGE_ON_FAILURE } from '../../local/stack/event-sources';
import type { DeadLetter } from '../../streams/dead-letters';
import { startTestStack, type TestStack } from '../e2e/stack-harness';

/** A deadline for the redriven event to show, not a speed claim. */
const SHOWS_WITHIN_MS = 20_000;

describe('redriving EventBridge events whose every attempt failed', () => {
  let stack: TestStack | undefined;
  afterEach(() => stack?.stop());

  it('invokes the function again with each one, and the numbers then count it once', async () => {
    // Prepare: an earlier run gave up on an escalation's creation after Lambda's two retries.
    const event = {
      version: '0',
      id: 'b6a1f3e0-0000-4000-8000-000000000001',
      'detail-type': 'escalation.created',
      source: 'ada-clara.escalation',
      account: '123456789012',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: {
        eventId: 'esc-r/created',
        type: 'escalation.created',
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
        escalationId: 'esc-r',
        priority: 'critical',
      },
    };
    const letter: DeadLetter = { origin: EVENTBRIDGE_ON_FAILURE, reason: 'Error: the process died', record: event, at: new Date().toISOString() };
    let deadLetterFile = '';
    stack = await startTestStack(undefined, undefined, undefined, async (stateDir) => {
      deadLetterFile = join(stateDir, 'dead-letters.jsonl');
      await writeFile(deadLetterFile, `${JSON.stringify(letter)}\n`, { mode: 0o600 });
    });
    expect(stack.stack.health().deadLetters.count).toBe(1);
    expect((await stack.read()).realTimeEscalations.pending).toBe(0);

    // Act: redrive it — twice, as a careless person might: the second finds nothing left.
    const redriven = await stack.stack.redriveEventBridgeFailures();
    const again = await stack.stack.redriveEventBridgeFailures();

    // Assess
    expect({ redriven, again }).toEqual({ redriven: 1, again: 0 });
    const started = Date.now();
    let escalations = (await stack.read()).realTimeEscalations;
    while (escalations.pending === 0 && Date.now() - started < SHOWS_WITHIN_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      escalations = (await stack.read()).realTimeEscalations;
    }
    expect(escalations).toMatchObject({ pending: 1, criticalCount: 1 });
    expect(stack.stack.health().deadLetters.count).toBe(0);
    expect(await readFile(deadLetterFile, 'utf8')).toBe('');
    expect(JSON.parse(await readFile(`${deadLetterFile}.redriven`, 'utf8'))).toEqual(letter);
  });
});
