import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import type { DynamoDBRecord } from 'aws-lambda';
import { injectThrottling, seededRandom } from '../../local/chaos';
import { localDynamoClient } from '../../local/engines';
import { LocalPipeline } from '../../local/local-pipeline';
import type { CanonicalEvent } from '../../schemas/canonical-events';
import { realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { type DeadLetter, MemoryDeadLetters } from '../../streams/dead-letters';
import { historyArb } from '../oracle/histories';
import { computeOracle } from '../oracle/oracle';
import { differences } from '../support/compare';
import { testClients } from '../support/engines';
import { eventBridgePoison, kinesisPoisons, NEVER_COMMITS, type Poison, refuseWritesMentioning, streamPoison } from './poison';
import { eventBridgeOf, streamRecordOf, type Transport, transportsFor } from './transports';

const RUNS = Number(process.env.DELIVERY_RUNS ?? 60);
const { kinesis } = testClients();
const MAX_TRIES = 200;

/** What the runs injected, reported at the end for the closing note. */
const tally = {
  runs: 0,
  crashesMidWrite: 0,
  crashesAfterWork: 0,
  seals: 0,
  throttles: 0,
  duplicateBatches: 0,
  duplicateEventBridge: 0,
  poisons: 0,
  neverCommits: 0,
  journalEntries: 0,
  containerSwitches: 0,
  coldStarts: 0,
  mismatches: 0,
};

const scheduleArb = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  crashMidWrite: fc.constantFrom(0, 0.005, 0.02),
  crashAfterWork: fc.constantFrom(0, 0.1, 0.3),
  throttle: fc.constantFrom(0, 0.05, 0.15),
  duplicateBatch: fc.constantFrom(0, 0.2, 0.5),
  kinesisBatchSize: fc.integer({ min: 1, max: 50 }),
  streamBatchSize: fc.integer({ min: 1, max: 10 }),
  pulseShards: fc.integer({ min: 1, max: 3 }),
  poisons: fc.integer({ min: 0, max: 2 }),
  eventBridgeFirst: fc.boolean(),
  // The tick seals closed minutes between aggregator batches (and may die doing it).
  sealBetweenBatches: fc.constantFrom(0, 0.2, 0.5),
  // Where the aggregator keeps entity states: always their items, always the journal, or between.
  writeBack: fc.record({
    directWrites: fc.constantFrom(0, 2, 8),
    quietMs: fc.constantFrom(0, 60_000, Number.POSITIVE_INFINITY),
    maxSpan: fc.constantFrom(1, 3, 400),
    compactAfterMs: fc.constantFrom(0, 2_000, 90_000),
  }),
  otherContainer: fc.constantFrom(0, 0.2, 0.5),
  coldStart: fc.constantFrom(0, 0.1),
});

const caseArb = historyArb().chain((history) =>
  fc.record({
    history: fc.constant(history),
    transports: fc.tuple(...history.events.map((event) => fc.constantFrom(...transportsFor(event)))) as fc.Arbitrary<Transport[]>,
    order: fc.shuffledSubarray(
      history.events.map((_, i) => i),
      { minLength: history.events.length },
    ),
    duplicatedEventBridge: fc.array(fc.boolean(), { minLength: history.events.length, maxLength: history.events.length }),
    schedule: scheduleArb,
  }),
);

/** Calls `invoke` as Lambda's retries would, until it succeeds; a batch that never does fails the run. */
async function untilAccepted(invoke: () => Promise<{ failed: boolean }>): Promise<void> {
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    try {
      if (!(await invoke()).failed) return;
    } catch {
      // the invocation died; Lambda tries again
    }
  }
  throw new Error(`not accepted after ${MAX_TRIES} tries`);
}

/** How many items of the table have keys starting with `prefix` (a Scan: this is a test). */
async function itemsStartingWith(dynamo: DynamoDBClient, tableName: string, prefix: string): Promise<number> {
  let count = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: prefix } },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

const mentions = (letter: DeadLetter, marker: string): boolean => {
  const record = letter.record as { kinesis?: { data: string } };
  const text = record.kinesis ? Buffer.from(record.kinesis.data, 'base64').toString('utf8') : JSON.stringify(letter.record);
  return text.includes(marker);
};

describe('Lambda redelivery, crashes, throttling and poison records against the oracle', () => {
  afterAll(() => {
    console.log(`delivery harness: ${JSON.stringify(tally)}`);
  });

  it(
    'changes the numbers exactly once per delivery unit and parks every poison record with its reason',
    async () => {
      await fc.assert(
        fc.asyncProperty(caseArb, async ({ history, transports, order, duplicatedEventBridge, schedule }) => {
          const random = seededRandom(schedule.seed);
          const chance = (rate: number, count: keyof typeof tally) => () => {
            const hit = rate > 0 && random() < rate;
            if (hit) tally[count]++;
            return hit;
          };
          // Two attempts: most throttles are absorbed by the SDK's retry, as on AWS; some reach our code.
          const dynamo = localDynamoClient(process.env.TEST_DYNAMODB_ENDPOINT!, { maxAttempts: 2, quickRetries: true });
          // Throttle only while the pipeline works, not while the test sets up, reads or cleans up.
          let throttling = false;
          const throttle = chance(schedule.throttle, 'throttles');
          injectThrottling(dynamo, () => throttling && throttle());
          refuseWritesMentioning(dynamo, NEVER_COMMITS);
          const deadLetters = new MemoryDeadLetters();
          const pipeline = await LocalPipeline.create({
            dynamo,
            kinesis,
            timeZone: history.timeZone,
            now: () => history.at.getTime(),
            batchSize: schedule.kinesisBatchSize,
            pulseShards: schedule.pulseShards,
            deadLetters,
            deliverAgain: chance(schedule.duplicateBatch, 'duplicateBatches'),
            sealAfterBatch: chance(schedule.sealBetweenBatches, 'seals'),
            writeBack: schedule.writeBack,
            faults: {
              crashMidWrite: chance(schedule.crashMidWrite, 'crashesMidWrite'),
              crashAfterWork: chance(schedule.crashAfterWork, 'crashesAfterWork'),
              maxRetries: MAX_TRIES,
              otherContainer: chance(schedule.otherContainer, 'containerSwitches'),
              coldStart: chance(schedule.coldStart, 'coldStarts'),
            },
          });
          try {
            throttling = true;
            const poisons: Poison[] = [];
            const byTransport = (t: Transport) => order.filter((i) => transports[i] === t).map((i) => history.events[i]!);

            const kinesisEvents = byTransport('kinesis');
            const raw = Array.from({ length: schedule.poisons }, (_, n) => {
              const kinds = kinesisPoisons(history.at.getTime(), n);
              return kinds[(n + schedule.seed) % kinds.length]!;
            });
            poisons.push(...raw.map(({ kind, marker }) => ({ kind, marker })));
            await pipeline.publish(kinesisEvents);
            await pipeline.publishRaw(raw.map(({ marker, data }) => ({ partitionKey: marker, data })));

            // EventBridge retries a failed delivery whole; an accepted one reports no failures.
            const acceptedEventBridge = async (envelope: Parameters<typeof pipeline.eventBridgeIngest>[0]) => {
              await pipeline.eventBridgeIngest(envelope);
              return { failed: false };
            };
            const deliverEventBridge = async () => {
              const events = byTransport('eventbridge');
              const bad = Array.from({ length: schedule.poisons }, (_, n) => eventBridgePoison(n));
              poisons.push(...bad.map((b) => b.poison));
              for (const [i, event] of events.entries()) {
                const envelope = eventBridgeOf(event);
                await untilAccepted(() => acceptedEventBridge(envelope));
                if (duplicatedEventBridge[i]) {
                  tally.duplicateEventBridge++;
                  await untilAccepted(() => acceptedEventBridge(structuredClone(envelope)));
                }
              }
              for (const { event } of bad) await untilAccepted(() => acceptedEventBridge(event));
            };
            const deliverStreams = async () => {
              const records: DynamoDBRecord[] = byTransport('dynamodb-streams').map((event: CanonicalEvent) => streamRecordOf(event));
              const bad = Array.from({ length: schedule.poisons }, (_, n) => streamPoison(n));
              poisons.push(...bad.map((b) => b.poison));
              records.push(...bad.map((b) => b.record));
              for (let i = 0; i < records.length; i += schedule.streamBatchSize) {
                const batch = records.slice(i, i + schedule.streamBatchSize);
                await untilAccepted(async () => ({ failed: (await pipeline.dynamodbStreamIngest({ Records: batch })).batchItemFailures.length > 0 }));
              }
            };
            if (schedule.eventBridgeFirst) await deliverEventBridge();
            await deliverStreams();
            if (!schedule.eventBridgeFirst) await deliverEventBridge();
            await pipeline.drain();
            throttling = false;

            tally.journalEntries += await itemsStartingWith(dynamo, pipeline.names.metricsTable, 'J#');
            const document = await pipeline.read(history.at.getTime());
            realTimeMetricsSchema.parse(document);
            const problems = differences(document, computeOracle(history.events, history.at, history.timeZone));
            if (problems.length > 0) tally.mismatches++;
            expect(problems).toEqual([]);

            tally.poisons += poisons.length;
            tally.neverCommits += poisons.filter((poison) => poison.kind === 'never commits').length;
            for (const poison of poisons) {
              const letter = deadLetters.letters.find((l) => mentions(l, poison.marker));
              expect({ poison, parked: letter !== undefined, reason: letter?.reason.length ?? 0 }).toEqual({
                poison,
                parked: true,
                reason: expect.any(Number),
              });
              expect(letter!.reason).not.toEqual('');
              if (poison.kind === 'never commits') expect(letter!.reason).toMatch(/^can never commit: ValidationException/);
            }
            const stray = deadLetters.letters.filter((l) => !poisons.some((p) => mentions(l, p.marker)));
            expect(stray.map((l) => l.reason)).toEqual([]);
            tally.runs++;
          } finally {
            throttling = false;
            await pipeline.dispose();
          }
        }),
        { numRuns: RUNS },
      );
    },
    80 * 60_000,
  );
});
