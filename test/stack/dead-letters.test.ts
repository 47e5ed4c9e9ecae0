import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDeadLetters, MAX_RECORD_CHARS, type TruncatedRecord } from '../../local/file-dead-letters';

describe('the local dead-letter file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clara-pulse-dlq-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is created readable by its owner only, and an older world-readable one is closed down', async () => {
    const fresh = await FileDeadLetters.open(join(dir, 'fresh.jsonl'));
    const older = join(dir, 'older.jsonl');
    await writeFile(older, '{"origin":"x","reason":"y","record":1,"at":"t"}\n', { mode: 0o644 });

    const reopened = await FileDeadLetters.open(older);

    expect((await stat(fresh.path)).mode & 0o777).toBe(0o600);
    expect((await stat(older)).mode & 0o777).toBe(0o600);
    expect(reopened.count).toBe(1); // kept, and counted
  });

  it('cuts a large record, noting its original size, and keeps small ones whole', async () => {
    const letters = await FileDeadLetters.open(join(dir, 'dead-letters.jsonl'));
    const big = { kinesis: { sequenceNumber: '42', data: 'x'.repeat(300 * 1024) } };

    await letters.send([
      { origin: 'kinesis-ingest', reason: 'too big', record: big, at: 't' },
      { origin: 'kinesis-ingest', reason: 'not JSON', record: { kinesis: { sequenceNumber: '43', data: 'eyJ' } }, at: 't' },
    ]);

    const [first, second] = (await readFile(letters.path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const cut = first.record as TruncatedRecord;
    expect(cut).toMatchObject({ truncated: true, originalBytes: JSON.stringify(big).length });
    expect(cut.head).toHaveLength(MAX_RECORD_CHARS);
    expect(cut.head.startsWith('{"kinesis":{"sequenceNumber":"42"')).toBe(true);
    expect(first.reason).toBe('too big');
    expect(second.record).toEqual({ kinesis: { sequenceNumber: '43', data: 'eyJ' } });
    expect({ count: letters.count, added: letters.added }).toEqual({ count: 2, added: 2 });
  });

  it('gives up the letters of one origin for a redrive, keeps the rest and every letter sent meanwhile', async () => {
    const letters = await FileDeadLetters.open(join(dir, 'dead-letters.jsonl'));
    const event = (id: string) => ({ id, 'detail-type': 'message.sent', detail: {} });
    await letters.send([
      { origin: 'bus', reason: 'crashed', record: event('a'), at: 't' },
      { origin: 'kinesis-ingest', reason: 'not JSON', record: { data: 'x' }, at: 't' },
      { origin: 'bus', reason: 'crashed', record: { truncated: true, originalBytes: 9, head: '{' }, at: 't' },
    ]);

    // a letter sent while the file is being rewritten must not be lost
    const [taken] = await Promise.all([letters.take('bus'), letters.send([{ origin: 'bus', reason: 'crashed', record: event('b'), at: 't' }])]);

    const lines = async (path: string) =>
      (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
    expect(taken.map((letter) => letter.record)).toEqual([event('a')]);
    expect((await lines(letters.path)).map((letter) => letter.origin)).toEqual(['kinesis-ingest', 'bus', 'bus']); // the cut one cannot be sent again whole
    expect((await lines(`${letters.path}.redriven`)).map((letter) => letter.record)).toEqual([event('a')]);
    expect((await stat(`${letters.path}.redriven`)).mode & 0o777).toBe(0o600);
    expect(letters.count).toBe(3);
    expect((await letters.take('bus')).map((letter) => letter.record)).toEqual([event('b')]);
    expect(letters.count).toBe(2);
  });
});
