import { Counter, minuteKey } from '../../aggregators/metrics-items';
import { createTable } from '../../local/engines';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import { testClients } from '../support/engines';

const { dynamo } = testClients();

async function freshStore(): Promise<DynamoDbMetricsStore> {
  const tableName = `store-test-${Math.random().toString(36).slice(2, 10)}`;
  await createTable(dynamo, tableName);
  return new DynamoDbMetricsStore({ client: dynamo, tableName });
}

const unit = (seq: string, amount: number) => ({ seq, counters: new Map([[Counter.messages, amount]]) });
const KEY = minuteKey(29_000_000);

describe('DynamoDbMetricsStore.applyCounters', () => {
  it('adds each unit of a lane once, however the retries overlap', async () => {
    // Prepare
    const store = await freshStore();

    // Act: a batch, the same batch again, a bisected half of it, then a retry that overlaps and goes further.
    await store.applyCounters('lane-a', KEY, [unit('10', 1), unit('11', 2)]);
    await store.applyCounters('lane-a', KEY, [unit('10', 1), unit('11', 2)]);
    await store.applyCounters('lane-a', KEY, [unit('10', 1)]);
    await store.applyCounters('lane-a', KEY, [unit('11', 2), unit('12', 4)]);

    // Assess
    const item = (await store.getItems([KEY])).get(KEY);
    expect(item?.[Counter.messages]).toBe(7);
  });

  it('keeps lanes apart: another shard at a lower sequence number still counts', async () => {
    const store = await freshStore();
    await store.applyCounters('lane-a', KEY, [unit('900', 1)]);
    await store.applyCounters('lane-b', KEY, [unit('5', 10)]);
    expect((await store.getItems([KEY])).get(KEY)?.[Counter.messages]).toBe(11);
  });

  it('compares sequence numbers longer than a double can hold', async () => {
    const store = await freshStore();
    const low = '49545115243490985018280067714973144582180062593244200961';
    const high = '49545115243490985018280067714973144582180062593244200962';
    await store.applyCounters('lane-a', KEY, [unit(low, 1)]);
    await store.applyCounters('lane-a', KEY, [unit(low, 1), unit(high, 1)]);
    expect((await store.getItems([KEY])).get(KEY)?.[Counter.messages]).toBe(2);
  });

  it('fetches the 66 keys of a read in one request', async () => {
    const store = await freshStore();
    const before = store.usage.requests;
    await store.getItems(Array.from({ length: 66 }, (_, i) => minuteKey(i)));
    expect(store.usage.requests - before).toBe(1);
  });
});
