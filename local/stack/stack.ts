import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRODUCER_TABLE_KEYS } from '../../schemas/producer-items';
import { EVENT_BRIDGE_SOURCES } from '../../schemas/transports/eventbridge';
import { injectThrottling, seededRandom } from '../chaos';
import { FileDeadLetters } from '../file-dead-letters';
import { startSimulator, type Simulator } from '../simulator/simulator';
import { startApi } from './api-server';
import { startChangeCapture, type CapturedTable } from './change-capture-proxy';
import { ChaosDice } from './chaos-dice';
import { CountingDeadLetters } from './counting-dead-letters';
import { eventSources } from './event-sources';
import { startEventBridge } from './eventbridge-endpoint';
import { healthReport } from './health';
import { localFunctions } from './local-functions';
import { localSettings, STACK_NAMES } from './names';
import type { StackOptions } from './options';
import { choosePersistence } from './persistence';
import { localDynamoClient } from '../engines';
import { removeStackFile, stackInfo, writeStackFile, type StackInfo } from './stack-info';
import { startEngines } from './start-engines';
import { TableStream } from './table-stream';
import { startTicking } from './ticker';

export interface Stack {
  info: StackInfo;
  /** Lines worth printing under the banner (persistence, chaos, simulator). */
  notes: string[];
  health(): ReturnType<typeof healthReport>;
  stop(): Promise<void>;
}

const STREAM_SHARDS_PER_TABLE = 2;

/** Starts the whole pipeline on 127.0.0.1 and returns once it accepts writes and reads. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const startedAt = Date.now();
  const notes: string[] = [];
  await mkdir(options.stateDir, { recursive: true });
  const persistence = choosePersistence(options.inMemory, options.stateDir);
  if (persistence.kind === 'disk') notes.push(`tables kept in ${persistence.path} (--in-memory to start clean)`);
  else if (persistence.why === '--in-memory') notes.push('in memory: nothing is kept after a stop');
  else notes.push(`WARNING: tables are in memory and will NOT survive a restart — ${persistence.why}`);

  const engines = await startEngines(persistence, options.kinesisPort);
  const stoppers: (() => Promise<void>)[] = [() => engines.close()];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch((error: unknown) => options.log(`stop: ${String(error)}`));
  };
  try {
    const settings = localSettings(options.timeZone);
    const dice =
      options.chaos.crash + options.chaos.throttle + options.chaos.duplicate > 0 ? new ChaosDice(options.chaos, seededRandom(options.seed)) : undefined;
    if (dice) notes.push(`chaos ${JSON.stringify(options.chaos)} seed ${options.seed}`);
    // The functions' own client: the one whose calls chaos throttles, as DynamoDB would.
    const functionsDynamo = localDynamoClient(engines.dynalite.endpoint, { quickRetries: true });
    if (dice && options.chaos.throttle > 0) injectThrottling(functionsDynamo, dice.throttle);
    stoppers.push(async () => functionsDynamo.destroy());

    const deadLetterFile = join(options.stateDir, 'dead-letters.jsonl');
    if (persistence.kind === 'memory') await writeFile(deadLetterFile, '');
    const deadLetters = new CountingDeadLetters(new FileDeadLetters(deadLetterFile));
    const functions = localFunctions({ settings, dynamo: functionsDynamo, kinesis: engines.kinesis, deadLetters, chaos: dice, log: options.log });

    const { chatSessions, messages, escalations } = settings.producerTables;
    const captured = new Map<string, CapturedTable>([
      [chatSessions, { stream: new TableStream(chatSessions, STREAM_SHARDS_PER_TABLE), keyNames: PRODUCER_TABLE_KEYS['chat-sessions'] }],
      [messages, { stream: new TableStream(messages, STREAM_SHARDS_PER_TABLE), keyNames: PRODUCER_TABLE_KEYS.messages }],
      [escalations, { stream: new TableStream(escalations, STREAM_SHARDS_PER_TABLE), keyNames: PRODUCER_TABLE_KEYS.escalations }],
    ]);
    const sources = eventSources({
      functions,
      tableStreams: [...captured.values()].map((table) => table.stream),
      kinesis: engines.kinesis,
      kinesisPuts: engines.kinesisPuts,
      deadLetters,
      chaos: dice,
      timing: options.timing,
      log: options.log,
    });
    sources.start();
    stoppers.push(() => sources.stopAndDrain());

    const proxy = await startChangeCapture({ upstream: engines.dynalite.endpoint, tables: captured, port: options.dynamodbPort, log: options.log });
    stoppers.push(() => proxy.close());
    const eventBridge = await startEventBridge({
      port: options.eventBridgePort,
      buses: [STACK_NAMES.eventBusName],
      rules: [
        {
          name: `${STACK_NAMES.eventBusName}-ingest-sources`,
          busName: STACK_NAMES.eventBusName,
          sources: EVENT_BRIDGE_SOURCES,
          target: sources.deliverToIngest,
        },
      ],
    });
    stoppers.push(() => eventBridge.close());

    const ticker = startTicking(functions, options.timing.tickIntervalMs, options.log);
    stoppers.push(async () => ticker.stop());

    const adminToken = randomBytes(24).toString('base64url');
    let simulator: Simulator | undefined;
    const health = () =>
      healthReport({ startedAt, persistence, sources, proxy, eventBridge, functions, deadLetters, dice, seed: options.seed, ticker, simulator });
    const api = await startApi({
      port: options.apiPort,
      adminToken,
      read: functions.realtimeRead,
      health,
      dashboardDir: join(__dirname, '..', 'dashboard'),
      log: options.log,
    });
    stoppers.push(() => api.close());

    const info = stackInfo(
      { api: api.endpoint, dynamodb: proxy.endpoint, kinesis: engines.kinesalite.endpoint, eventbridge: eventBridge.endpoint },
      adminToken,
      deadLetterFile,
    );
    await writeStackFile(options.stateDir, info);
    stoppers.push(() => removeStackFile(options.stateDir));

    if (options.simulate) {
      // A first start gets a day of history, so returning users and the last hour have shape at once.
      const backfill = persistence.kind === 'memory' || persistence.fresh;
      simulator = startSimulator({ info, rate: options.rate, seed: options.seed, backfill, timeZone: options.timeZone, log: options.log });
      const running = simulator;
      stoppers.push(() => running.stop());
      notes.push(
        `simulating ADA Clara at about ${options.rate} writes/s${backfill ? ', after writing a day of history' : ''} (--no-simulate to stop, --rate N)`,
      );
    }
    return { info, notes, health, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
