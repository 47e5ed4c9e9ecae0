import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbStreamSource } from '../../local/stack/dynamodb-stream-source';
import { TableStream } from '../../local/stack/table-stream';

const item = (id: string, n: number) => ({ id: { S: id }, n: { N: String(n) } });

function given_a_stream_with_writes(count: number): TableStream {
  const stream = new TableStream('escalations', 1);
  for (let i = 0; i < count; i++) stream.append({ keys: { id: { S: `e${i}` } }, oldImage: undefined, newImage: item(`e${i}`, i) });
  return stream;
}

const seqs = (event: DynamoDBStreamEvent) => event.Records.map((record) => record.dynamodb!.SequenceNumber!);

describe('the local DynamoDB Streams event source mapping', () => {
  it('writes stream records as DynamoDB Streams does: INSERT, MODIFY, REMOVE, nothing for a no-op, growing sequence numbers', () => {
    const stream = new TableStream('chat-sessions', 1);
    const keys = { sessionId: { S: 's1' } };
    const inserted = stream.append({ keys, oldImage: undefined, newImage: { ...keys, n: { N: '1' } } });
    const unchanged = stream.append({ keys, oldImage: { ...keys, n: { N: '1' } }, newImage: { n: { N: '1' }, ...keys } });
    const modified = stream.append({ keys, oldImage: { ...keys, n: { N: '1' } }, newImage: { ...keys, n: { N: '2' } } });
    const removed = stream.append({ keys, oldImage: { ...keys, n: { N: '2' } }, newImage: undefined });

    expect([inserted?.eventName, unchanged, modified?.eventName, removed?.eventName]).toEqual(['INSERT', undefined, 'MODIFY', 'REMOVE']);
    expect(BigInt(modified!.dynamodb!.SequenceNumber!)).toBeGreaterThan(BigInt(inserted!.dynamodb!.SequenceNumber!));
    expect(removed!.dynamodb).toMatchObject({ Keys: keys, OldImage: { ...keys, n: { N: '2' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(inserted!.eventSourceARN).toMatch(/^arn:aws:dynamodb:us-east-1:\d{12}:table\/chat-sessions\/stream\/\d{4}-/);
  });

  it('resumes at the lowest failed sequence number, and retries a whole batch when a failure names a record not in it', async () => {
    const stream = given_a_stream_with_writes(6);
    const deliveries: string[][] = [];
    const responses: DynamoDBBatchResponse[] = [];
    const source = new DynamoDbStreamSource({
      stream,
      batchSize: 10,
      handler: async (event) => {
        deliveries.push(seqs(event));
        const all = seqs(event);
        if (deliveries.length === 1) return { batchItemFailures: [{ itemIdentifier: all[4]! }, { itemIdentifier: all[2]! }] };
        if (deliveries.length === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-the-batch' }] };
        return responses.pop() ?? { batchItemFailures: [] };
      },
    });

    await source.drain();

    const [first, second, third] = deliveries;
    expect(first).toHaveLength(6);
    expect(second).toEqual(first!.slice(2)); // records before the lowest failure were done
    expect(third).toEqual(second); // an unknown identifier fails the whole batch
    expect(deliveries).toHaveLength(3);
    expect(source.backlog).toBe(0);
  });

  it('bisects a batch that throws and, when the retries run out, hands it to the on-failure destination and moves on', async () => {
    const stream = given_a_stream_with_writes(4);
    const poison = stream.read(0, 1, 1).records[0]!.dynamodb!.SequenceNumber!;
    const sizes: number[] = [];
    const parked: DynamoDBRecord[][] = [];
    const source = new DynamoDbStreamSource({
      stream,
      batchSize: 4,
      maxRetries: 2,
      bisectOnError: true,
      handler: async (event) => {
        sizes.push(event.Records.length);
        if (seqs(event).includes(poison)) throw new Error('the function crashed');
        return undefined; // no batchItemFailures: the whole batch succeeded
      },
      onFailure: async (records) => void parked.push(records),
    });

    await source.drain();

    expect(sizes.slice(0, 3)).toEqual([4, 2, 1]); // halved until the crash is isolated
    expect(parked).toHaveLength(1);
    expect(parked[0]!.map((record) => record.dynamodb!.SequenceNumber)).toEqual([poison]);
    expect(source.stats.recordsDelivered).toBe(3);
  });
});
