import fc from 'fast-check';
import type { EventBridgeEvent } from 'aws-lambda';
import type { CanonicalEventInput } from '../../schemas/canonical-events';
import { MAX_RECORD_BYTES } from '../../schemas/decode-result';
import { decodeEventBridgeEvent, EVENT_BRIDGE_SOURCES } from '../../schemas/transports/eventbridge';
import { eventBridgeEvent, eventsOf, fixtures, reasonOf } from '../support/records';

const NOW = new Date('2024-05-14T12:00:00.000Z');

const started: CanonicalEventInput = {
  eventId: 'conv-1/started',
  type: 'conversation.started',
  occurredAt: '2024-05-14T11:58:00.000Z',
  conversationId: 'conv-1',
  language: 'en',
};

describe('decodeEventBridgeEvent', () => {
  it('decodes the detail of a captured EventBridge event', () => {
    const event = fixtures.eventBridge();

    const events = eventsOf(decodeEventBridgeEvent(event, NOW));

    expect(events).toEqual([
      {
        eventId: 'escalation/esc-20240514-0043/created',
        type: 'escalation.created',
        occurredAt: '2024-05-14T11:59:00.250Z',
        escalationId: 'esc-20240514-0043',
        conversationId: 'sess-1a2b3c4d',
        priority: 'high',
      },
    ]);
  });

  it.each(EVENT_BRIDGE_SOURCES)('accepts source %s', (source) => {
    const event = { ...eventBridgeEvent(started), source };

    expect(eventsOf(decodeEventBridgeEvent(event, NOW))).toHaveLength(1);
  });

  it('refuses any other source', () => {
    const event = { ...eventBridgeEvent(started), source: 'aws.events' };

    expect(reasonOf(decodeEventBridgeEvent(event, NOW))).toMatch(/^event\.source: Invalid option/);
  });

  it('refuses a detail-type that differs from detail.type', () => {
    const event = { ...eventBridgeEvent(started), 'detail-type': 'conversation.ended' };

    expect(reasonOf(decodeEventBridgeEvent(event, NOW))).toBe('detail-type "conversation.ended" does not match detail.type "conversation.started"');
  });

  it('reads priority urgent as critical', () => {
    const event = fixtures.eventBridge();
    (event.detail as { priority: string }).priority = 'urgent';

    const [created] = eventsOf(decodeEventBridgeEvent(event, NOW));

    expect(created).toMatchObject({ priority: 'critical' });
  });

  it('names the field of the detail that breaks the schema', () => {
    const event = fixtures.eventBridge();
    (event.detail as { priority: string }).priority = 'whenever';

    expect(reasonOf(decodeEventBridgeEvent(event, NOW))).toMatch(/^detail\.priority: Invalid option: expected one of /);
  });

  it('refuses an event without detail', () => {
    const event: EventBridgeEvent<string, unknown> = { ...eventBridgeEvent(started), detail: undefined };

    expect(reasonOf(decodeEventBridgeEvent(event, NOW))).toBe('detail: Invalid input: expected object, received undefined');
  });

  it('refuses an event more than 5 minutes in the future, and accepts one exactly 5 minutes ahead', () => {
    const ahead = (ms: number) => eventBridgeEvent({ ...started, occurredAt: new Date(NOW.getTime() + ms).toISOString() });

    expect(reasonOf(decodeEventBridgeEvent(ahead(5 * 60_000 + 1), NOW))).toMatch(/^detail\.occurredAt .* is in the future/);
    expect(eventsOf(decodeEventBridgeEvent(ahead(5 * 60_000), NOW))).toHaveLength(1);
  });

  it('refuses a detail larger than MAX_RECORD_BYTES', () => {
    const event = eventBridgeEvent(started);
    event.detail = { ...started, padding: 'x'.repeat(MAX_RECORD_BYTES) };

    expect(reasonOf(decodeEventBridgeEvent(event, NOW))).toMatch(/^detail is \d+ bytes, above the limit of 262144$/);
  });

  it('refuses a detail that JSON cannot hold, which only a JavaScript caller can pass', () => {
    const event = eventBridgeEvent(started);
    event.detail = { ...started, latency: 10n };

    expect(reasonOf(decodeEventBridgeEvent(event, NOW))).toBe('detail is not JSON');
  });

  it('gives a redelivered event the same id, so that it can be recognised', () => {
    const first = eventBridgeEvent(started);
    const again = eventBridgeEvent(started);

    expect(again.id).toBe(first.id);
    expect(eventBridgeEvent(started, 'another-delivery').id).toBe('another-delivery');
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (detail, junk) => {
        expect(() => decodeEventBridgeEvent({ ...eventBridgeEvent(started), detail }, NOW)).not.toThrow();
        expect(decodeEventBridgeEvent(junk as EventBridgeEvent<string, unknown>, NOW).ok).toBe(false);
      }),
    );
  });
});
