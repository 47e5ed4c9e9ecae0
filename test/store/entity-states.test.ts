import { randomBytes } from 'node:crypto';
import type { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import type { EntityWrite } from '../../aggregators/fold-lane';
import { createTable } from '../../local/engines';
import { LaneConflictError } from '../../errors';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import type { JournalEntry } from '../../store/metrics-store';
import { testClients } from '../support/engines';

const LANE = 'pulse/shardId-000000000001';

async function freshStore() {
  const { dynamo } = testClients(); // a client of its own: the middleware below stays on it
  const tableName = `entity-test-${Math.random().toString(36).slice(2, 10)}`;
  await createTable(dynamo, tableName);
  const reads: BatchGetItemCommand['input'][] = [];
  dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'BatchGetItemCommand') reads.push(args.input as BatchGetItemCommand['input']);
      return next(args);
    },
    { step: 'initialize', name: 'recordReads' },
  );
  return { store: new DynamoDbMetricsStore({ client: dynamo, tableName }), reads };
}

const conversation = (id: string, activity: number[]): EntityWrite['state'] => ({ kind: 'conversation', id, starts: [], activity, ends: [], messages: [] });

describe('entity states in their own items', () => {
  it('reads them strongly consistent: a state from before the last batch would have its deltas counted for good', async () => {
    const { store, reads } = await freshStore();
    await store.putEntities([{ key: 'C#a', state: conversation('a', [1]), appliedSeq: '0001', firstSeq: '1' }], LANE);

    const found = await store.getEntities(['C#a', 'C#b'], LANE);

    expect(found.get('C#a')).toEqual({ state: conversation('a', [1]), appliedSeq: '0001' });
    expect(found.has('C#b')).toBe(false);
    expect(reads.map((input) => Object.values(input.RequestItems ?? {})[0]?.ConsistentRead)).toEqual([true]);
  });
});

describe('the write-back journal', () => {
  const entry = (id: string, seq: string, activity: number[] = [1]): JournalEntry => ({
    key: `C#${id}`,
    state: conversation(id, activity),
    appliedSeq: seq,
    lastEventAt: 60_000 * activity[activity.length - 1]!,
  });

  it('reads back what was appended after the compaction point, and says where the journal stands', async () => {
    const { store } = await freshStore();
    expect(await store.readJournal(LANE)).toEqual({ position: { head: 0, compactedThrough: 0 }, entries: [] });

    expect(await store.appendJournal(LANE, 1, [entry('a', '0001'), entry('b', '0002')])).toBe(1);
    expect(await store.appendJournal(LANE, 2, [entry('a', '0003', [1, 2])])).toBe(2);
    expect(await store.journalPosition(LANE, 3)).toEqual({ nextExists: false, compactedThrough: 0 });
    expect(await store.journalPosition(LANE, 2)).toEqual({ nextExists: true, compactedThrough: 0 });

    await store.markCompacted(LANE, 1);
    await store.markCompacted(LANE, 0); // never back
    expect(await store.readJournal(LANE)).toEqual({ position: { head: 2, compactedThrough: 1 }, entries: [{ n: 2, entry: entry('a', '0003', [1, 2]) }] });
    expect(await store.journalPosition(LANE, 3)).toEqual({ nextExists: false, compactedThrough: 1 });
  });

  it('refuses an entry that exists: a second process of the lane cannot write over the first', async () => {
    const { store } = await freshStore();
    await store.appendJournal(LANE, 1, [entry('a', '0001')]);
    await expect(store.appendJournal(LANE, 1, [entry('a', '0002', [1, 2])])).rejects.toThrow(LaneConflictError);
    expect((await store.readJournal(LANE)).entries).toEqual([{ n: 1, entry: entry('a', '0001') }]);
  });

  it('splits a batch too large for one item over several entries, and reads past 16 of them', async () => {
    const { store } = await freshStore();
    // Random message keys do not compress: about 1 MB of them needs several 300 KB items.
    const big = Array.from({ length: 40 }, (_, i) => ({
      ...entry(`c${i}`, String(1000 + i)),
      state: { ...conversation(`c${i}`, [1]), messages: Array.from({ length: 2000 }, () => randomBytes(9).toString('base64url')).sort() },
    }));
    const head = await store.appendJournal(LANE, 1, big);
    expect(head).toBeGreaterThan(2);
    let next = head;
    for (let i = 0; i < 20; i++) next = await store.appendJournal(LANE, next + 1, [entry(`d${i}`, String(2000 + i))]);

    const { position, entries } = await store.readJournal(LANE);
    expect(position).toEqual({ head: next, compactedThrough: 0 });
    expect(entries.map(({ entry }) => entry.key)).toEqual([...big.map((e) => e.key), ...Array.from({ length: 20 }, (_, i) => `C#d${i}`)]);
    expect(entries[39]!.entry).toEqual(big[39]);
  });

  it('compacts a state into its item unless the item holds a later record of the lane', async () => {
    const { store } = await freshStore();
    await store.putEntities([{ key: 'C#a', state: conversation('a', [1, 2, 3]), appliedSeq: '0005', firstSeq: '5' }], LANE);

    const refused = await store.compactEntities([entry('a', '0004', [1, 2]), entry('b', '0002')], LANE);
    expect(refused.map(({ entry }) => entry.key)).toEqual(['C#a']);
    // The same state again (a compaction whose process died before it moved the compaction point) lands.
    expect(await store.compactEntities([entry('b', '0002'), { ...entry('a', '0005', [1, 2, 3]) }], LANE)).toEqual([]);
    const found = await store.getEntities(['C#a', 'C#b'], LANE);
    expect(found.get('C#a')).toEqual({ state: conversation('a', [1, 2, 3]), appliedSeq: '0005' });
    expect(found.get('C#b')).toEqual({ state: conversation('b', [1]), appliedSeq: '0002' });
  });
});
