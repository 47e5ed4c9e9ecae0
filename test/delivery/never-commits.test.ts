import { commitIsolatingNeverCommits } from '../../functions/never-commits';
import { localDynamoClient } from '../../local/engines';
import { LocalPipeline } from '../../local/local-pipeline';
import type { BatchOutcome, ShardRecord } from '../../pipeline/aggregate-batch';
import type { CanonicalEventInput } from '../../schemas/canonical-events';
import { MemoryDeadLetters } from '../../streams/dead-letters';
import { testClients } from '../support/engines';
import { NEVER_COMMITS, NEVER_COMMITS_FUNCTION, refuseWritesMentioning } from './poison';

const T = Date.parse('2026-05-04T10:00:00Z');

const invocation = (functionName: string, n: number): CanonicalEventInput => ({
  eventId: `${functionName}-${n}`,
  type: 'function.invocation',
  occurredAt: new Date(T - 60_000).toISOString(),
  functionName,
  durationMs: 10,
  error: false,
  throttled: false,
});

const refused = (name: string) => Object.assign(new Error('Item size to update has exceeded the maximum allowed size'), { name });

describe('a record that can never commit', () => {
  it('is parked with its reason after one batch, and the records around it in its shard are counted', async () => {
    // Prepare: one shard, one batch of 30, a record in its middle whose every write DynamoDB refuses.
    const dynamo = localDynamoClient(process.env.TEST_DYNAMODB_ENDPOINT!);
    refuseWritesMentioning(dynamo, NEVER_COMMITS);
    const deadLetters = new MemoryDeadLetters();
    // Lambda's own retries are not what moves the shard on here: the function must, in the first invocation.
    const pipeline = await LocalPipeline.create({ dynamo, kinesis: testClients().kinesis, telemetryShards: 1, deadLetters, now: () => T, faults: noFaults(0) });
    const good = Array.from({ length: 29 }, (_, n) => invocation('ada-clara-chat', n));
    const events = [...good.slice(0, 14), invocation(NEVER_COMMITS_FUNCTION, 0), ...good.slice(14)];

    // Act
    await pipeline.publish(events);
    await pipeline.drain();

    // Assess
    const document = await pipeline.read(T);
    expect(document.systemPerformance.lambdaMetrics['ada-clara-chat']?.invocations).toBe(29);
    expect(Object.keys(document.systemPerformance.lambdaMetrics)).not.toContain(NEVER_COMMITS_FUNCTION);
    expect(deadLetters.letters.map((letter) => [letter.origin, letter.reason])).toEqual([
      ['kinesis-ingest', 'can never commit: ValidationException: Item size to update has exceeded the maximum allowed size (injected)'],
    ]);
    await pipeline.dispose();
  });

  it('is found by halving: the commits it costs grow with the log of the batch, and a retryable failure is left to Lambda', async () => {
    // A fake commit: refuses for good any part that holds seq 37, throttles any part that holds seq 90.
    const records: ShardRecord<number>[] = Array.from({ length: 100 }, (_, i) => ({ seq: String(i + 1), event: i, source: 'kinesis', enteredAt: 0 }));
    const attempts: number[] = [];
    const aggregate = async (part: ShardRecord<number>[]): Promise<BatchOutcome> => {
      attempts.push(part.length);
      const first = part[0]!.seq;
      if (part.some((r) => r.seq === '37')) return { failedFromSeq: first, errors: [refused('ValidationException')] };
      if (part.some((r) => r.seq === '90')) return { failedFromSeq: first, errors: [refused('ProvisionedThroughputExceededException')] };
      return { errors: [] };
    };

    const { outcome, setAside } = await commitIsolatingNeverCommits(records, aggregate);

    expect(setAside).toEqual([{ seq: '37', reason: expect.stringMatching(/^can never commit: ValidationException/) }]);
    // 1–50 committed but for 37; the half holding 90 was throttled, so Lambda retries from 51.
    expect(outcome.failedFromSeq).toBe('51');
    expect(attempts.length).toBeLessThan(20);
  });
});

/** No faults, and no retries either: a shard that does not move on by itself fails the test. */
function noFaults(maxRetries: number) {
  return { crashMidWrite: () => false, crashAfterWork: () => false, maxRetries };
}
