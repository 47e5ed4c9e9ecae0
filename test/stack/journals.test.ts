import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncInvoker, type InvokerLine, pendingEvents } from '../../local/stack/async-invoker';
import { ChangeCaptureJournal, type ChangeLine, restoreChanges, settleOpenIntents } from '../../local/stack/change-capture-journal';
import { Journal } from '../../local/stack/journal';
import { TableStream, type WireItem } from '../../local/stack/table-stream';

const key = (id: string): WireItem => ({ escalationId: { S: id } });
const item = (id: string, status: string): WireItem => ({ ...key(id), status: { S: status } });

/** A change-capture journal and one stream on it, as the stack wires them; "killing" is just dropping them unclosed. */
function given_a_journaled_stream(path: string) {
  const opened = Journal.open<ChangeLine>(path);
  const restored = restoreChanges(opened.lines);
  const journal = new ChangeCaptureJournal(opened.journal, restored.openIntents);
  const previous = restored.streams.get('escalations');
  const stream = new TableStream('escalations', 2, { ...(previous && { identity: previous.identity, restored: previous.shards }), log: journal });
  journal.attach(stream);
  return { journal, stream, restored };
}

const sequences = (stream: TableStream) => stream.unreleased().flatMap((shard) => shard.map((entry) => entry.record.dynamodb!.SequenceNumber));

describe('the change capture journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clara-pulse-journal-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives a restarted stack the same stream with exactly the records not yet released', () => {
    // Prepare: six records, the first of each shard released (delivered).
    const path = join(dir, 'change-capture.jsonl');
    const before = given_a_journaled_stream(path);
    for (let i = 0; i < 6; i++) before.stream.append({ keys: key(`e${i}`), oldImage: undefined, newImage: item(`e${i}`, 'pending') });
    for (let shard = 0; shard < 2; shard++) before.stream.release(shard, before.stream.start(shard) + 1);
    const inFlight = sequences(before.stream);

    // Act: the process dies (nothing closed), a new one starts on the same journal.
    const after = given_a_journaled_stream(path);
    const appended = after.stream.append({ keys: key('e9'), oldImage: undefined, newImage: item('e9', 'pending') })!;

    // Assess
    expect(after.stream.arn).toBe(before.stream.arn);
    expect(sequences(after.stream).slice(0, inFlight.length).sort()).toEqual([...inFlight].sort());
    expect(inFlight).toHaveLength(4);
    expect(BigInt(appended.dynamodb!.SequenceNumber!)).toBeGreaterThan(BigInt(inFlight.sort().at(-1)!));
  });

  it('rebuilds the record of a write passed on before the process died, from the table, and owes none for a write that did not happen', async () => {
    // Prepare: two writes noted, neither recorded — then the process dies.
    const path = join(dir, 'change-capture.jsonl');
    const before = given_a_journaled_stream(path);
    before.journal.intend('escalations', key('done'), item('done', 'pending'));
    before.journal.intend('escalations', key('never'), item('never', 'pending'));

    // Act: the restart reads the items as they are now.
    const after = given_a_journaled_stream(path);
    const table: Record<string, WireItem> = { done: item('done', 'resolved'), never: item('never', 'pending') };
    const outcome = await settleOpenIntents(
      after.restored.openIntents,
      after.journal,
      () => after.stream,
      async (_, k) => table[k.escalationId!.S!],
    );

    // Assess
    expect(outcome).toEqual({ rebuilt: 1, notWritten: 1, unknown: [] });
    const [rebuilt] = after.stream.unreleased().flat();
    expect(rebuilt!.record).toMatchObject({ eventName: 'MODIFY', dynamodb: { OldImage: item('done', 'pending'), NewImage: item('done', 'resolved') } });
    // Settled for good: a third start owes nothing more.
    expect(given_a_journaled_stream(path).restored.openIntents).toEqual([]);
  });

  it('stays about the size of what is in flight, however much has passed through', async () => {
    const path = join(dir, 'change-capture.jsonl');
    const { stream } = given_a_journaled_stream(path);
    for (let i = 0; i < 30_000; i++) {
      stream.append({ keys: key(`e${i % 50}`), oldImage: item(`e${i % 50}`, String(i - 1)), newImage: item(`e${i % 50}`, String(i)) });
      if (i % 10 === 9) for (let shard = 0; shard < 2; shard++) stream.release(shard, stream.end(shard));
    }
    stream.append({ keys: key('last'), oldImage: undefined, newImage: item('last', 'pending') });

    const lines = (await readFile(path, 'utf8')).trim().split('\n').length;
    const restored = restoreChanges(Journal.read<ChangeLine>(path).lines).streams.get('escalations')!;

    expect(lines).toBeLessThan(25_000);
    expect(restored.shards.flat().map((entry) => entry.record.dynamodb!.Keys)).toEqual([key('last')]);
  });
});

describe("the local EventBridge's queue", () => {
  it('keeps every accepted event until it is done with, so a restart takes up exactly the others', async () => {
    // Prepare: a target that handles "ok" events and hangs on the rest (the process dies before they finish).
    const dir = await mkdtemp(join(tmpdir(), 'clara-pulse-journal-'));
    const path = join(dir, 'eventbridge.jsonl');
    try {
      const { journal } = Journal.open<InvokerLine<{ id: string }>>(path);
      const invoker = new AsyncInvoker<{ id: string }>({
        name: 'target',
        handler: (event) => (event.id.startsWith('ok') ? Promise.resolve() : new Promise(() => undefined)),
        retryDelaysMs: [],
        onFailure: async () => undefined,
        journal,
      });

      // Act
      for (const id of ['ok-1', 'slow-1', 'ok-2', 'slow-2']) invoker.invoke({ id });
      await new Promise((resolve) => setImmediate(resolve));

      // Assess
      expect(pendingEvents(Journal.read<InvokerLine<{ id: string }>>(path).lines)).toEqual([{ id: 'slow-1' }, { id: 'slow-2' }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
