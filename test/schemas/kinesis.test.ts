import fc from 'fast-check';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { CanonicalEventInput } from '../../schemas/canonical-events';
import { MAX_RECORD_BYTES, MAX_REASON_CHARS } from '../../schemas/decode-result';
import { decodeKinesisRecord } from '../../schemas/transports/kinesis';
import { eventsOf, fixtures, kinesisRecord, nth, reasonOf } from '../support/records';

const NOW = new Date('2024-05-14T12:00:00.000Z');

const request: CanonicalEventInput = {
  eventId: 'req-1',
  type: 'request.completed',
  occurredAt: '2024-05-14T11:59:00.000Z',
  service: 'chat-api',
  latencyMs: 120,
  statusCode: 503,
};

/** A record whose data is `text`, whatever it holds, for the malformed cases. */
const withData = (text: string | Buffer): KinesisStreamRecord => {
  const record = kinesisRecord(request);
  record.kinesis.data = Buffer.from(text).toString('base64');
  return record;
};

describe('decodeKinesisRecord', () => {
  it('decodes each record of a captured Kinesis event into its one canonical event', () => {
    const { Records } = fixtures.kinesisStream();

    const types = Records.map((record) => eventsOf(decodeKinesisRecord(record, NOW)).map((event) => event.type));

    expect(types).toEqual([['request.completed'], ['system.sample'], ['function.invocation']]);
  });

  it('keeps the fields of the event as the producer sent them', () => {
    const record = nth(fixtures.kinesisStream().Records, 1);

    const events = eventsOf(decodeKinesisRecord(record, NOW));

    expect(events).toEqual([
      {
        eventId: 'sample/i-0a1b2c3d/2024-05-14T11:59:45Z',
        type: 'system.sample',
        occurredAt: '2024-05-14T11:59:45Z',
        source: 'i-0a1b2c3d',
        cpuPercent: 62.5,
        memoryPercent: 71.2,
        diskPercent: 40,
        networkLatencyMs: 12.4,
      },
    ]);
  });

  it('reads priority urgent as critical', () => {
    const record = kinesisRecord({ eventId: 'e-1', type: 'escalation.created', occurredAt: '2024-05-14T11:59:00Z', escalationId: 'esc-1', priority: 'urgent' });

    const [created] = eventsOf(decodeKinesisRecord(record, NOW));

    expect(created).toMatchObject({ type: 'escalation.created', priority: 'critical' });
  });

  it('refuses data that is not base64', () => {
    const record = kinesisRecord(request);
    record.kinesis.data = 'not base64!';

    expect(reasonOf(decodeKinesisRecord(record, NOW))).toBe('kinesis.data: not valid base64');
  });

  it('refuses data that is not JSON', () => {
    expect(reasonOf(decodeKinesisRecord(withData('{"eventId": "req-1",'), NOW))).toMatch(/^kinesis\.data: not UTF-8 JSON \(/);
  });

  it('refuses data that is not UTF-8', () => {
    expect(reasonOf(decodeKinesisRecord(withData(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), NOW))).toMatch(/^kinesis\.data: not UTF-8 JSON/);
  });

  it('names each field that breaks the schema and why, on one line', () => {
    const broken = JSON.stringify({ ...request, statusCode: 99, latencyMs: -1 });

    const reason = reasonOf(decodeKinesisRecord(withData(broken), NOW));

    expect(reason).toBe('kinesis.data.latencyMs: Too small: expected number to be >=0; kinesis.data.statusCode: Too small: expected number to be >=100');
  });

  it('says so when the type is not a canonical event type', () => {
    const reason = reasonOf(decodeKinesisRecord(withData(JSON.stringify({ ...request, type: 'request.started' })), NOW));

    expect(reason).toBe('kinesis.data.type: not a canonical event type');
  });

  it('keeps a long reason to one line of at most 300 characters', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    const record = withData(
      JSON.stringify({
        ...many,
        type: 'system.sample',
        eventId: '',
        occurredAt: 'never\nagain',
        source: 7,
        cpuPercent: 'hot',
        memoryPercent: 101,
        diskPercent: -3,
      }),
    );

    const reason = reasonOf(decodeKinesisRecord(record, NOW));

    expect(reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(reason).not.toMatch(/\n/);
    expect(reason).toMatch(/^kinesis\.data\.eventId: /);
  });

  it('refuses an event more than 5 minutes in the future, and accepts one exactly 5 minutes ahead', () => {
    const ahead = (ms: number) => kinesisRecord({ ...request, occurredAt: new Date(NOW.getTime() + ms).toISOString() });

    expect(reasonOf(decodeKinesisRecord(ahead(5 * 60_000 + 1), NOW))).toMatch(/^kinesis\.data\.occurredAt .* of request\.completed is in the future/);
    expect(eventsOf(decodeKinesisRecord(ahead(5 * 60_000), NOW))).toHaveLength(1);
  });

  it('refuses data larger than MAX_RECORD_BYTES, measured after base64 decoding', () => {
    const padded = (bytes: number) => {
      const json = JSON.stringify({ ...request, padding: '' });
      return withData(JSON.stringify({ ...request, padding: 'x'.repeat(bytes - Buffer.byteLength(json)) }));
    };

    expect(reasonOf(decodeKinesisRecord(padded(MAX_RECORD_BYTES + 1), NOW))).toBe(
      `kinesis.data is ${MAX_RECORD_BYTES + 1} bytes, above the limit of ${MAX_RECORD_BYTES}`,
    );
    expect(eventsOf(decodeKinesisRecord(padded(MAX_RECORD_BYTES), NOW))).toHaveLength(1);
  });

  it('refuses a record that is not a Kinesis record', () => {
    const record = kinesisRecord(request);
    (record as { kinesis?: unknown }).kinesis = undefined;

    expect(reasonOf(decodeKinesisRecord(record, NOW))).toMatch(/^record\.kinesis: /);
  });

  it('never throws, whatever the data holds', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.base64String(),
          fc.json().map((json) => Buffer.from(json).toString('base64')),
        ),
        (data) => {
          const record = kinesisRecord(request);
          record.kinesis.data = data;
          expect(() => decodeKinesisRecord(record, NOW)).not.toThrow();
        },
      ),
    );
  });
});
