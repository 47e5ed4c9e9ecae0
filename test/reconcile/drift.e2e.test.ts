import { type AttributeValue, DescribeTableCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createDriftCheck } from '../../functions/drift-check';
import type { OnCallValue } from '../../functions/tick';
import { runDrift, runRebuild } from '../../local/reconcile-commands';
import { DRIFT_RULES, type DriftReport } from '../../reconcile/drift';
import { readDocument } from '../../pipeline/read-document';
import type { RealTimeMetrics } from '../../schemas/realtime-metrics';
import { ProducerWorld } from '../e2e/producer-world';
import { a_busy_few_minutes } from '../e2e/scenario';
import { startTestStack, type TestStack } from '../e2e/stack-harness';
import { ItemsBeforeTheStream, progressInto, reconcileTargetOf, until_the_pipeline_is_idle } from './support';

const SCAN = { readUnits: 1000, segments: 2 };

/** A morning at the desk, all of it through the tables: web conversations, messages, escalations moving on. */
async function a_morning_in_the_tables(world: ProducerWorld): Promise<void> {
  const at = (s: number) => world.at(s);
  await world.a_web_conversation_starts({ sessionId: 'morning-1', userId: 'user-1', language: 'es', region: 'US-TX', startTime: at(900), messageCount: 0 });
  await world.the_chat_service_writes_a_message({ conversationId: 'morning-1', timestamp: at(890), sender: 'user', language: 'es' });
  await world.the_chat_service_writes_a_message({ conversationId: 'morning-1', timestamp: at(880), sender: 'bot', language: 'es', processingTime: 1200 });
  await world.the_session_shows_activity('morning-1', at(880), 2);
  await world.a_web_conversation_starts({ sessionId: 'morning-2', language: 'en', startTime: at(200), messageCount: 0 });
  await world.the_chat_service_batch_writes([
    { conversationId: 'morning-2', timestamp: at(190), sender: 'user' },
    { conversationId: 'morning-2', timestamp: at(180), sender: 'bot', processingTime: 700 },
  ]);
  await world.the_session_ends('morning-2', at(100));
  await world.an_escalation_is_opened({ escalationId: 'morning-esc-1', sessionId: 'morning-1', priority: 'urgent', timestamp: at(600) });
  await world.an_agent_takes_the_escalation('morning-esc-1', at(500));
  await world.an_escalation_is_opened({ escalationId: 'morning-esc-2', sessionId: 'morning-2', priority: 'low', timestamp: at(150) });
  await world.telemetry_arrives_on_kinesis([{ type: 'request.completed', occurredAt: at(30), service: 'chat-api', latencyMs: 90, statusCode: 503 }]);
}

const fieldsOf = (report: DriftReport) => report.mismatches.map((mismatch) => mismatch.field).sort();

/** The exactly compared numbers of a served document, by field name. */
function exactNumbers(document: RealTimeMetrics): Map<string, unknown> {
  const exact = DRIFT_RULES.filter((rule) => rule.tolerance === 'exact').map((rule) => rule.field);
  return new Map(exact.map((field) => [field, JSON.stringify(field.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], document))]));
}

describe('npm run drift: the served document held to a recomputation from the producer tables', () => {
  let stack: TestStack;
  let world: ProducerWorld;
  let before: ItemsBeforeTheStream;
  let target: Awaited<ReturnType<typeof reconcileTargetOf>>;
  const progress: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    world = new ProducerWorld(stack.stack.info);
    before = new ItemsBeforeTheStream(stack, world.expected);
    target = await reconcileTargetOf(stack);
  });

  afterAll(async () => {
    before?.close();
    world?.close();
    await target?.dispose();
    await stack?.stop();
  });

  const drift = async (options: { otherSources?: boolean } = {}) => {
    await until_the_pipeline_is_idle(stack);
    return runDrift(target, { atMs: Date.now(), settleSeconds: 0, ...SCAN, otherSources: options.otherSources ?? false }, progressInto(progress));
  };

  it('reports nothing on tables the stream saw all along', async () => {
    // Prepare
    await a_morning_in_the_tables(world);

    // Act
    const report = await drift();

    // Assess
    expect(report.compared).toEqual(DRIFT_RULES.map((rule) => rule.field));
    expect(report.mismatches).toEqual([]);
  });

  it('catches an escalation written past the capture, and a rebuild repairs it', async () => {
    // Prepare
    await before.escalations([{ escalationId: 'esc-unseen', sessionId: 'morning-1', priority: 'critical', status: 'pending', timestamp: world.at(1200) }]);

    // Act
    const caught = await drift();
    await runRebuild(target, { ...SCAN, eventsPerSecond: 5000 }, progressInto(progress));
    const repaired = await drift();

    // Assess
    // escalationsToday too, unless the test runs in the first minutes after midnight
    // The unseen escalation is the oldest pending: first in the recomputed list, which is one longer.
    const queue = [
      'realTimeEscalations.criticalCount',
      'realTimeEscalations.oldestPendingAge',
      'realTimeEscalations.pending',
      'realTimeEscalations.oldestPending.0.escalationId',
      'realTimeEscalations.oldestPending.0.ageSeconds',
      'realTimeEscalations.oldestPending.1',
    ];
    const orPriority = 'realTimeEscalations.oldestPending.0.priority'; // unless the two share one
    expect(fieldsOf(caught)).toEqual(expect.arrayContaining(queue));
    // …and, when it was created within the last hour, the series' count of its minute
    const inSeries = (field: string) => field.startsWith('series.escalationsCreated.');
    for (const field of fieldsOf(caught).filter((f) => !inSeries(f))) expect([...queue, orPriority, 'escalationsToday']).toContain(field);
    expect(fieldsOf(caught).filter(inSeries).length).toBeLessThanOrEqual(1);
    expect(caught.mismatches.find((m) => m.field === 'realTimeEscalations.oldestPending.0.escalationId')).toMatchObject({
      recomputed: 'esc-unseen',
    });
    expect(caught.mismatches.find((m) => m.field === 'realTimeEscalations.pending')).toEqual({
      field: 'realTimeEscalations.pending',
      served: 1,
      recomputed: 2,
    });
    expect(repaired.mismatches).toEqual([]);
  });

  it('publishes how many fields drifted from the hourly function, as DriftedFields', async () => {
    // Prepare: the function's instant is the end of the minute after every fact written so far
    const published: OnCallValue[] = [];
    const check = createDriftCheck(
      {
        settings: target.settings,
        store: target.store,
        forwarder: target.forwarder,
        deadLetters: target.deadLetters,
        dynamo: target.dynamo,
        now: () => Date.now() + 60_000,
        reconcile: { scanReadUnits: 1000, scanSegments: 2, driftSettleSeconds: 0, driftOtherSources: false },
      },
      { publish: (values) => void published.push(...values) },
    );
    await until_the_pipeline_is_idle(stack);

    // Act
    const report = await check();

    // Assess
    expect(report.mismatches).toEqual([]);
    expect(published).toEqual([{ name: 'DriftedFields', value: 0 }]);
  });

  it('catches a counter changed by hand in the metrics table', async () => {
    // Prepare: find, without knowing the table's layout, a number whose change moves an exactly compared field
    await until_the_pipeline_is_idle(stack);
    const atMs = Date.now();
    const served = () => readDocument(target.store, target.settings, atMs);
    const untouched = exactNumbers(await served());
    const { fields: tampered, undo } = await changeOneNumberThatMoves(target, async () => {
      const now = exactNumbers(await served());
      return [...untouched.keys()].filter((field) => now.get(field) !== untouched.get(field));
    });

    // Act
    const report = await runDrift(target, { atMs, settleSeconds: 0, ...SCAN, otherSources: false }, progressInto(progress));
    await undo();

    // Assess
    expect(tampered.length).toBeGreaterThan(0);
    for (const field of tampered) expect(fieldsOf(report).some((f) => f === field || f.startsWith(`${field}.`))).toBe(true);
    expect(exactNumbers(await served())).toEqual(untouched);
  });

  it('compares only what facts from outside the tables cannot lower, when told they exist', async () => {
    // Prepare: an SMS conversation on the bus and an escalation resolved through Kinesis, beside the tables
    await a_busy_few_minutes(world);

    // Act
    const strict = await drift();
    const oneSided = await drift({ otherSources: true });

    // Assess
    expect(strict.mismatches.length).toBeGreaterThan(0);
    expect(oneSided.compared).not.toContain('realTimeEscalations.pending');
    expect(oneSided.compared).toContain('messagesLastHour');
    expect(oneSided.mismatches).toEqual([]);
  });
});

/**
 * Adds 1 to numbers of the metrics table until one moves a served field, as a person editing the
 * table by hand might: every number of an item at once, then halving to a single one. Returns the
 * fields it moved and how to take the change back. Only the table's key schema is read; no
 * attribute name is assumed.
 */
async function changeOneNumberThatMoves(
  target: Awaited<ReturnType<typeof reconcileTargetOf>>,
  moved: () => Promise<string[]>,
): Promise<{ fields: string[]; undo: () => Promise<void> }> {
  const table = target.settings.metricsTable;
  const described = await target.dynamo.send(new DescribeTableCommand({ TableName: table }));
  const keyNames = (described.Table?.KeySchema ?? []).map((key) => key.AttributeName!);
  const items = (await target.dynamo.send(new ScanCommand({ TableName: table }))).Items ?? [];
  const add = async (item: Record<string, AttributeValue>, names: readonly string[], delta: number) => {
    if (names.length === 0) return;
    await target.dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: Object.fromEntries(keyNames.map((name) => [name, item[name]!])),
        UpdateExpression: `ADD ${names.map((_, i) => `#n${i} :d`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
        ExpressionAttributeValues: { ':d': { N: String(delta) } },
      }),
    );
  };
  for (const item of items) {
    let candidates = Object.keys(item).filter((name) => !keyNames.includes(name) && item[name]?.N !== undefined);
    await add(item, candidates, 1);
    if ((await moved()).length === 0) {
      await add(item, candidates, -1);
      continue;
    }
    while (candidates.length > 1) {
      const half = candidates.slice(0, Math.ceil(candidates.length / 2));
      const rest = candidates.slice(half.length);
      await add(item, rest, -1);
      if ((await moved()).length > 0) candidates = half;
      else {
        await add(item, half, -1);
        await add(item, rest, 1);
        candidates = rest;
      }
    }
    const changed = candidates;
    return { fields: await moved(), undo: () => add(item, changed, -1) };
  }
  throw new Error('no number of the metrics table moves an exactly compared field');
}
