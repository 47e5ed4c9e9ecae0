import { createTable } from '../../local/engines';
import {
  compactionOf,
  DEFAULT_WRITE_BACK_POLICY,
  type JournalRead,
  type LaneView,
  LaneStates,
  recordCompacted,
  recordJournaled,
} from '../../pipeline/lane-states';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import type { JournalEntry } from '../../store/metrics-store';
import { testClients } from '../support/engines';

const LANE = 'pulse/shardId-000000000002';
const entry = (id: string, seq: string): JournalEntry => ({
  key: `C#${id}`,
  state: { kind: 'conversation', id, starts: [], activity: [1], ends: [], messages: [] },
  appliedSeq: seq,
  lastEventAt: 60_000,
});

async function freshStore(): Promise<DynamoDbMetricsStore> {
  const { dynamo } = testClients();
  const tableName = `lane-states-${Math.random().toString(36).slice(2, 10)}`;
  await createTable(dynamo, tableName);
  return new DynamoDbMetricsStore({ client: dynamo, tableName });
}

describe('a process holding its lanes’ journaled states', () => {
  it('reads the journal when it holds nothing of the lane, or when another process went on with it, and only then', async () => {
    const store = await freshStore();
    const reads: JournalRead[] = [];
    const first = new LaneStates(DEFAULT_WRITE_BACK_POLICY, (read) => reads.push(read));
    const second = new LaneStates(DEFAULT_WRITE_BACK_POLICY, (read) => reads.push(read));

    const view = await first.open(store, LANE); // a cold start
    recordJournaled(view, [entry('a', '0001')], await store.appendJournal(LANE, 1, [entry('a', '0001')]));
    await first.open(store, LANE); // the same process again: the probe finds nothing new
    const other = await second.open(store, LANE); // another container
    recordJournaled(other, [entry('b', '0002')], await store.appendJournal(LANE, 2, [entry('b', '0002')]));
    const again = await first.open(store, LANE); // the first one, now behind

    expect(reads).toEqual([
      { lane: LANE, entries: 0, states: 0 },
      { lane: LANE, entries: 1, states: 1 },
      { lane: LANE, entries: 2, states: 2 },
    ]);
    expect([...again.pending.keys()].sort()).toEqual(['C#a', 'C#b']);
  });

  it('keeps the states of the two lanes it ran last: a third lane drops the least recent', async () => {
    const store = await freshStore();
    const reads: string[] = [];
    const process = new LaneStates(DEFAULT_WRITE_BACK_POLICY, (read) => reads.push(read.lane));
    const lanes = ['pulse/shardId-1', 'pulse/shardId-2', 'pulse/shardId-3'];

    for (const lane of [lanes[0]!, lanes[1]!, lanes[0]!, lanes[2]!, lanes[0]!, lanes[1]!]) await process.open(store, lane);

    // Lane 1 was used just before lane 3 came, so lane 2 went; lane 2 is read again at its next batch.
    expect(reads).toEqual([lanes[0], lanes[1], lanes[2], lanes[1]]);
  });
});

describe('which journaled states a batch writes to their items', () => {
  const policy = { directWrites: 8, quietMs: 120_000, maxSpan: 4, compactAfterMs: 2_000 };
  const at = (id: string, lastEventAt: number): JournalEntry => ({ ...entry(id, '0001'), lastEventAt });
  const journal = (...batches: JournalEntry[][]): LaneView => {
    const view: LaneView = { head: 0, compactedThrough: 0, pending: new Map(), oldestEventAt: Number.POSITIVE_INFINITY };
    for (const [i, batch] of batches.entries()) recordJournaled(view, batch, i + 1);
    return view;
  };
  const written = (view: LaneView, newestAt: number) => {
    const compaction = compactionOf(view, newestAt, policy);
    recordCompacted(view, compaction);
    return { keys: compaction.entries.map((state) => state.key), through: view.compactedThrough };
  };

  it('looks once event time is compactAfterMs past the first quiet point, then writes every quiet state, wherever it is held', () => {
    // b had a new event in entry 2; d's event came late: quiet already when journaled, behind c.
    const view = journal([at('a', 0), at('b', 10_000)], [at('b', 150_000)], [at('c', 100_000)], [at('d', 1_000)]);

    expect(written(view, 121_000)).toEqual({ keys: [], through: 0 });
    expect(written(view, 122_000)).toEqual({ keys: ['C#a', 'C#d'], through: 1 });
    // Nothing more is due until c's quiet point and 2 s more.
    expect(written(view, 221_000)).toEqual({ keys: [], through: 1 });
    expect(written(view, 222_000)).toEqual({ keys: ['C#c'], through: 1 });
    expect(written(view, 272_000)).toEqual({ keys: ['C#b'], through: 4 });
  });

  it('writes a state that is not quiet once it sits maxSpan entries back', () => {
    const view = journal([at('a', 190_000)], [at('b', 190_000)], [at('c', 190_000)], [at('d', 190_000)], [at('e', 190_000)]);

    expect(written(view, 200_000)).toEqual({ keys: ['C#a'], through: 1 });
    recordJournaled(view, [at('f', 190_000)], 6);
    expect(written(view, 200_000)).toEqual({ keys: ['C#b'], through: 2 });
  });
});
