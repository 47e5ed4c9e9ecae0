import type { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import type { EntityWrite } from '../../aggregators/fold-lane';
import { createTable } from '../../local/engines';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
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
