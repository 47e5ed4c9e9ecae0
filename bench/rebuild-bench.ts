/**
 * `npx tsx bench/rebuild-bench.ts [--quick] [--items N] [--seed N]`: the rebuild and the drift check
 * over producer tables of 100k items on dynalite, run on their own (or from `npm run bench`).
 *
 * - Rebuild: `npm run rebuild`'s code (paced parallel Scan → stream decoder → pulse-events) into the
 *   pipeline of the other benchmarks (bench/harness.ts: pulse-events as in-memory shards, the real
 *   aggregator, the metrics table on dynalite), timed until every fact is applied; WCU per item
 *   from a meter on the DynamoDB client.
 * - Drift: `npm run drift`'s code over the same tables and the document the rebuild left; it must
 *   find nothing.
 * - Read cost: the Scan's consumed read units, against the default read budget.
 *
 * Engines: dynalite in a child process (its own core), the functions in this one.
 */
import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_SCAN_READ_UNITS } from '../config/reconcile-settings';
import { createTable, localDynamoClient } from '../local/engines';
import { EVENTS_PER_SECOND_PER_SHARD } from '../local/reconcile-target';
import { checkDrift } from '../reconcile/drift-check';
import { Pacer } from '../reconcile/pacer';
import { planScan, type ProducerTableNames, rebuildSegments } from '../reconcile/rebuild';
import type { ChatSessionItemInput, EscalationItemInput, MessageItemInput } from '../schemas/producer-items';
import { PRODUCER_TABLE_KEYS } from '../schemas/producer-items';
import { MemoryDeadLetters } from '../streams/dead-letters';
import { startDynaliteChild } from './engine';
import { BenchPipeline, DynamoMeter, type MeterCounts } from './harness';
import { log, nowMs, round, seededRandom } from './stats';

export interface RebuildBenchOptions {
  items: number;
  seed: number;
  /** The read time: every item's facts lie before it. */
  atMs: number;
  segments?: number;
  pulseShards?: number;
}

interface ProducerItems {
  sessions: ChatSessionItemInput[];
  messages: MessageItemInput[];
  escalations: EscalationItemInput[];
}

const HOUR_MS = 3_600_000;
const LANGUAGES = ['en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'es', 'es', 'es', 'es', 'es', 'es', 'es'];
const REGIONS = ['US-TX', 'US-CA', 'US-FL', 'US-NY', 'US-IL', 'US-AZ', 'US-GA', 'PR'];
const PRIORITIES = ['low', 'medium', 'medium', 'high', 'high', 'critical', 'urgent'] as const;
/** The deployed batch size of the pulse-events mapping (serverless.yml). */
const APPLY_BATCH_SIZE = 100;
const HOST_SAMPLE = (atMs: number) =>
  ({
    eventId: 'rebuild-bench-sample',
    type: 'system.sample',
    occurredAt: new Date(atMs - 1000).toISOString(),
    source: 'bench',
    cpuPercent: 10,
    memoryPercent: 10,
    diskPercent: 10,
  }) as const;

/**
 * ADA Clara's tables after a day, seeded: the standard mix's shape (bench/mix.ts) as the chat and
 * escalation services leave it in their items. Per conversation one session (65 % English, users
 * who come back, 10 % anonymous, 15 % without region, 85 % ended), 1–6 turns of a user and a bot
 * message, and 8 % an escalation in whatever state it reached. About 8 items per conversation.
 */
export function producerTablesMix(count: number, seed: number, atMs: number): ProducerItems {
  const random = seededRandom(seed);
  const between = (min: number, max: number) => min + random() * (max - min);
  const chance = (p: number) => random() < p;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const iso = (ms: number) => new Date(Math.round(ms)).toISOString();
  const items: ProducerItems = { sessions: [], messages: [], escalations: [] };
  const users = Math.max(50, Math.round(count / 8 / 3));
  for (let n = 0; items.sessions.length + items.messages.length + items.escalations.length < count; n++) {
    const sessionId = `sess-${seed}-${n}`;
    // Busier towards the read time, as a day builds up to its peak; nothing after it.
    const start = atMs - 24 * HOUR_MS * random() ** 1.5 - 20 * 60_000;
    let at = start;
    for (let turn = 0, turns = 1 + Math.floor(random() * 6); turn < turns; turn++) {
      const asked = at + between(2_000, 90_000);
      const processingTime = Math.round(between(200, 15_000));
      if (asked + processingTime > atMs) break;
      items.messages.push({ conversationId: sessionId, timestamp: iso(asked), messageId: `${sessionId}-u${turn}`, sender: 'user' });
      at = asked + processingTime;
      items.messages.push({ conversationId: sessionId, timestamp: iso(at), messageId: `${sessionId}-b${turn}`, sender: 'bot', processingTime });
    }
    const ends = chance(0.85) && at + 300_000 < atMs;
    items.sessions.push({
      sessionId,
      ...(!chance(0.1) && { userId: `user-${Math.floor(random() * users)}` }),
      language: pick(LANGUAGES),
      ...(!chance(0.15) && { region: pick(REGIONS) }),
      status: ends ? 'ended' : 'active',
      startTime: iso(start),
      lastActivity: iso(at),
      ...(ends && { endTime: iso(at + between(30_000, 300_000)) }),
      messageCount: items.messages.length,
      ttl: Math.floor(start / 1000) + 30 * 86_400,
    });
    if (chance(0.08)) {
      const created = start + between(10_000, 60_000);
      const assigned = created + between(10_000, 600_000);
      const closed = assigned + between(60_000, 1_200_000);
      const escalation: EscalationItemInput = {
        escalationId: `esc-${seed}-${n}`,
        sessionId,
        priority: pick(PRIORITIES),
        status: 'pending',
        timestamp: iso(created),
      };
      if (assigned < atMs && chance(0.85)) {
        Object.assign(escalation, { status: 'in_progress', assignedAt: iso(assigned) });
        if (closed < atMs)
          Object.assign(escalation, chance(0.97) ? { status: 'resolved', resolvedAt: iso(closed) } : { status: 'failed', failedAt: iso(closed) });
      } else if (closed < atMs && chance(0.5)) Object.assign(escalation, { status: 'failed', failedAt: iso(closed) });
      items.escalations.push(escalation);
    }
  }
  return items;
}

async function writeAll(dynamo: DynamoDBClient, table: string, items: readonly object[]): Promise<void> {
  const chunks: object[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25) as object[]);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let requests = chunks[next++]!.map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } }));
      while (requests.length > 0) {
        const response = await dynamo.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
        requests = (response.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

export interface RebuildBenchResult {
  items: number;
  itemsByTable: Record<string, number>;
  /** Items per second from the first Scan page to the last fact applied (the aggregator included). */
  rebuildItemsPerSec: number;
  /** Items per second of the command itself: Scan, decode, hand on to pulse-events. */
  rebuildCommandItemsPerSec: number;
  rebuildSeconds: number;
  eventsApplied: number;
  writeUnitsPerItem: number;
  writeRequestsPerItem: number;
  /** The aggregator's writes by kind of metrics item (key prefix), requests and units: where the cost is. */
  writesByItem: Record<string, number>;
  writeUnitsByItem: Record<string, number>;
  /** The Scan's read units, per 1,000 items, and how long the default budget takes to pay for them. */
  scanReadUnits: number;
  scanReadUnitsPer1000Items: number;
  scanSecondsAtDefaultBudget: number;
  defaultReadUnitsBudget: number;
  /** With the default pace of one pulse-events shard (a stage's default), how long the same rebuild takes. */
  secondsAtOneShardDefaultPace: number;
  driftSeconds: number;
  driftMismatches: number;
  driftItemsPerSec: number;
  driftReadUnits: number;
}

/** Seeds the tables, rebuilds into a fresh metrics table, then checks drift; figures as RebuildBenchResult. */
export async function rebuildBench(options: RebuildBenchOptions): Promise<RebuildBenchResult> {
  const segments = options.segments ?? 4;
  const engine = await startDynaliteChild();
  const dynamo = localDynamoClient(engine.endpoint, { maxAttempts: 10 });
  const meter = new DynamoMeter(dynamo);
  try {
    const suffix = randomUUID().slice(0, 8);
    const tableNames: ProducerTableNames = { 'chat-sessions': `chat-sessions-${suffix}`, messages: `messages-${suffix}`, escalations: `escalations-${suffix}` };
    const items = producerTablesMix(options.items, options.seed, options.atMs);
    log(`   writing ${items.sessions.length} sessions, ${items.messages.length} messages, ${items.escalations.length} escalations to dynalite`);
    for (const table of ['chat-sessions', 'messages', 'escalations'] as const) await createTable(dynamo, tableNames[table], PRODUCER_TABLE_KEYS[table]);
    await writeAll(dynamo, tableNames['chat-sessions'], items.sessions);
    await writeAll(dynamo, tableNames.messages, items.messages);
    await writeAll(dynamo, tableNames.escalations, items.escalations);
    const total = items.sessions.length + items.messages.length + items.escalations.length;

    const pipeline = await BenchPipeline.create({ dynamo, tableName: `metrics-${suffix}`, nowMs: options.atMs, pulseShards: options.pulseShards ?? 4 });
    const settings = {
      ...pipeline.settings,
      producerTables: { chatSessions: tableNames['chat-sessions'], messages: tableNames.messages, escalations: tableNames.escalations },
    };

    // The command, pacers wide open to measure the mechanism; then the aggregator applies what it put on pulse-events.
    const before: MeterCounts = meter.snapshot();
    const started = nowMs();
    const outcome = await rebuildSegments(
      {
        dynamo,
        forwarder: pipeline.forwarder,
        deadLetters: new MemoryDeadLetters(),
        tableNames,
        readPacer: new Pacer(1e9),
        eventPacer: new Pacer(1e9),
        now: Date.now,
      },
      planScan(tableNames, segments),
    );
    const commandMs = nowMs() - started;
    // process() drains pulse-events after the telemetry it is given: one host sample sets it going.
    await pipeline.process([HOST_SAMPLE(options.atMs)], APPLY_BATCH_SIZE);
    const rebuildMs = nowMs() - started;
    const spent = DynamoMeter.since(before, meter.snapshot());
    log(`   rebuild: ${total} items in ${round(rebuildMs / 1000)} s (the command alone ${round(commandMs / 1000)} s), ${outcome.eventsApplied} events`);

    const driftStarted = nowMs();
    const drift = await checkDrift(
      { dynamo, store: pipeline.store, settings, readPacer: new Pacer(1e9), now: Date.now },
      { atMs: options.atMs, segments, otherSources: false },
    );
    const driftMs = nowMs() - driftStarted;
    log(`   drift: ${round(driftMs / 1000)} s, ${drift.report.mismatches.length} mismatch(es) ${JSON.stringify(drift.report.mismatches.slice(0, 3))}`);

    const scanSecondsAtDefault = outcome.readUnits / DEFAULT_SCAN_READ_UNITS;
    return {
      items: total,
      itemsByTable: outcome.itemsRead,
      rebuildItemsPerSec: Math.round(total / (rebuildMs / 1000)),
      rebuildCommandItemsPerSec: Math.round(total / (commandMs / 1000)),
      rebuildSeconds: round(rebuildMs / 1000),
      eventsApplied: outcome.eventsApplied,
      writeUnitsPerItem: round(spent.writeUnits / total),
      writeRequestsPerItem: round(spent.writeRequests / total),
      writesByItem: spent.writesByItem,
      writeUnitsByItem: Object.fromEntries(Object.entries(spent.writeUnitsByItem).map(([item, units]) => [item, round(units)])),
      scanReadUnits: round(outcome.readUnits),
      scanReadUnitsPer1000Items: round((outcome.readUnits / total) * 1000),
      scanSecondsAtDefaultBudget: round(scanSecondsAtDefault),
      defaultReadUnitsBudget: DEFAULT_SCAN_READ_UNITS,
      secondsAtOneShardDefaultPace: round(Math.max(scanSecondsAtDefault, outcome.eventsApplied / EVENTS_PER_SECOND_PER_SHARD)),
      driftSeconds: round(driftMs / 1000),
      driftMismatches: drift.report.mismatches.length,
      driftItemsPerSec: Math.round(total / (driftMs / 1000)),
      driftReadUnits: round(drift.readUnits),
    };
  } finally {
    dynamo.destroy();
    await engine.close();
  }
}

/** The two figures of issue 10 for bench/results.json, and the rest beside them. */
export const rebuildFigures = (result: RebuildBenchResult) => ({
  rebuildItemsPerSec: result.rebuildItemsPerSec,
  driftSeconds100k: result.driftSeconds,
  rebuildWriteUnitsPerItem: result.writeUnitsPerItem,
  rebuildCommandItemsPerSec: result.rebuildCommandItemsPerSec,
  rebuildScanReadUnitsPer1000Items: result.scanReadUnitsPer1000Items,
  rebuildDetails: result,
});

if (require.main === module) {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, items: { type: 'string' }, seed: { type: 'string', default: '20260310' } },
  });
  const items = Number(values.items ?? (values.quick ? 20_000 : 100_000));
  log(`rebuild and drift over ${items} producer items`);
  rebuildBench({ items, seed: Number(values.seed), atMs: Date.parse('2026-03-10T00:55:00Z') }).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(rebuildFigures(result), null, 2)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
