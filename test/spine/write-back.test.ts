import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { standardMix } from '../../bench/mix';
import { LocalPipeline } from '../../local/local-pipeline';
import { type WriteBackPolicy, writeBackPolicyOf } from '../../pipeline/lane-states';
import { canonicalEventSchema } from '../../schemas/canonical-events';
import { computeOracle } from '../oracle/oracle';
import { differences } from '../support/compare';
import { testClients } from '../support/engines';

const T = Date.parse('2026-03-10T14:05:30Z');
const events = standardMix({ seed: 7, count: 400, endMs: T - 1000, eventsPerSecond: 2 });
const NEVER = () => false;

/** The table's items by the letter their key starts with (a Scan: this is a test). */
async function itemsByKind(dynamo: DynamoDBClient, tableName: string): Promise<Map<string, Record<string, unknown>[]>> {
  const items = (await dynamo.send(new ScanCommand({ TableName: tableName }))).Items ?? [];
  const byKind = new Map<string, Record<string, unknown>[]>();
  for (const item of items.map((raw) => unmarshall(raw))) {
    const kind = String(item.pk).slice(0, 1);
    byKind.set(kind, [...(byKind.get(kind) ?? []), item]);
  }
  return byKind;
}

/** Runs the mix through a pipeline whose aggregator batches alternate between two processes. */
async function runAlternating(writeBack: WriteBackPolicy) {
  const clients = testClients();
  let batches = 0;
  const pipeline = await LocalPipeline.create({
    ...clients,
    now: () => T,
    batchSize: 25,
    pulseShards: 1,
    writeBack,
    faults: { crashMidWrite: NEVER, crashAfterWork: NEVER, otherContainer: () => ++batches > 0 },
  });
  try {
    await pipeline.publish(events);
    await pipeline.drain();
    const document = await pipeline.read(T);
    const oracle = computeOracle(
      events.map((event) => canonicalEventSchema.parse(event)),
      new Date(T),
      'UTC',
    );
    return { problems: differences(document, oracle), items: await itemsByKind(clients.dynamo, pipeline.names.metricsTable), batches };
  } finally {
    await pipeline.dispose();
  }
}

describe('the write-back journal, with each batch of a lane in the other process', () => {
  it('keeps states only in the journal while they are not quiet, and every number stays exact', async () => {
    const { problems, items, batches } = await runAlternating({ directWrites: 0, quietMs: Number.POSITIVE_INFINITY, maxSpan: 1000, compactAfterMs: 0 });

    expect(problems).toEqual([]);
    expect(batches).toBeGreaterThan(5);
    // Each process had to read what the other journaled; no conversation, escalation or user item was written.
    expect((items.get('J') ?? []).length).toBeGreaterThan(5);
    expect([...items.keys()].filter((kind) => 'CEU'.includes(kind))).toEqual([]);
  });

  it('writes quiet states to their items, and moves the compaction point to the last entry when none is left', async () => {
    const { problems, items } = await runAlternating({ directWrites: 0, quietMs: 0, maxSpan: 1000, compactAfterMs: 0 });

    expect(problems).toEqual([]);
    const journal = items.get('J') ?? [];
    expect(journal.length).toBeGreaterThan(5);
    expect((items.get('K') ?? []).map((item) => item.through)).toEqual([journal.length]);
    const conversations = new Set(events.flatMap((event) => ('conversationId' in event && !event.type.startsWith('escalation') ? [event.conversationId] : [])));
    expect((items.get('C') ?? []).length).toBe(conversations.size);
  });

  it('writes no journal when WRITE_BACK_QUIET_SECONDS is 0', async () => {
    const { problems, items } = await runAlternating(writeBackPolicyOf(0));

    expect(problems).toEqual([]);
    expect(items.get('J')).toBeUndefined();
    expect((items.get('C') ?? []).length).toBeGreaterThan(0);
  });
});
