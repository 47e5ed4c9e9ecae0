import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PRODUCER_TABLE_KEYS } from '../../schemas/producer-items';
import { EVENT_BRIDGE_SOURCES } from '../../schemas/transports/eventbridge';
import { injectThrottling, seededRandom } from '../chaos';
import { localDynamoClient } from '../engines';
import { FileDeadLetters } from '../file-dead-letters';
import { startSimulator, type Simulator } from '../simulator/simulator';
import { startApi } from './api-server';
import { settleOpenIntents } from './change-capture-journal';
import { startChangeCapture, type CapturedTable } from './change-capture-proxy';
import { ChaosDice } from './chaos-dice';
import { readItem } from './dynamo-wire';
import { EVENTBRIDGE_ON_FAILURE, eventSources } from './event-sources';
import { startEventBridge } from './eventbridge-endpoint';
import { healthReport } from './health';
import { countInFlight, openInFlight } from './in-flight';
import { localFunctions } from './local-functions';
import { localSettings, STACK_NAMES } from './names';
import { DEFAULT_DRAIN_SECONDS, type StackOptions } from './options';
import { choosePersistence } from './persistence';
import { describeRecovery, recoveryOf } from './recovery';
import { removeStackFile, stackInfo, writeStackFile, type StackInfo } from './stack-info';
import { startEngines } from './start-engines';
import { lockStateDir } from './state-lock';
import { TableStream } from './table-stream';
import { startTicking } from './ticker';
import { startPushing } from './pusher';
import { ViewerStreams } from './viewer-streams';

export interface StopOptions {
  /** How long the pipeline may take to drain before the stop goes on without it (default: the stack's `drainSeconds`). */
  drainMs?: number;
  /** Told each step of the stop, and every second what the drain still waits for. */
  say?: (line: string) => void;
}

export interface StopOutcome {
  /** Everything accepted reached the metrics table before the deadline. */
  drained: boolean;
  /** What was still waiting when the deadline passed. */
  left: string[];
  /** Whether what was left is kept on disk and taken up by the next start (otherwise it is lost). */
  kept: boolean;
}

export interface Stack {
  info: StackInfo;
  /** Lines worth printing under the banner (persistence, recovery, chaos, simulator). */
  notes: string[];
  health(): ReturnType<typeof healthReport>;
  /** Whether records in flight are kept on disk, so that no stop (and no kill) loses them. */
  persistent: boolean;
  /**
   * Invokes the EventBridge function again with every event its asynchronous retries gave up on
   * (as one redrives Lambda's on-failure destination on AWS), through the same invoker, retries
   * included. The letters move to `<dead-letter file>.redriven`. Returns how many were redriven.
   */
  redriveEventBridgeFailures(): Promise<number>;
  /** Producers first, then the pipeline drains (within a deadline), then the engines close. */
  stop(options?: StopOptions): Promise<StopOutcome>;
}

interface Step {
  /** What the step does, as a stop reports it. */
  name: string;
  run: () => Promise<void>;
}

const STREAM_SHARDS_PER_TABLE = 2;
/** Well inside the page's 30 s of tolerated silence. */
const VIEWER_HEARTBEAT_MS = 15_000;

/**
 * Starts the whole pipeline on 127.0.0.1 and returns once it accepts writes and reads. A start
 * that fails undoes only what it did: it deletes no journal, dead letter or other run's file.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const startedAt = Date.now();
  const notes: string[] = [];
  await mkdir(options.stateDir, { recursive: true });
  const persistence = choosePersistence(options.inMemory, options.stateDir);
  // First, before anything is touched: one stack per state directory.
  const lock = await lockStateDir(options.stateDir, persistence.kind);
  if (persistence.kind === 'disk') notes.push(`tables, streams and records in flight kept in ${options.stateDir} (--in-memory to start clean)`);
  else if (persistence.why === '--in-memory') notes.push('in memory: nothing is kept after a stop');
  else notes.push(`WARNING: tables are in memory and will NOT survive a restart — ${persistence.why}`);

  // Undone in reverse order by a stop, or by a start that fails part-way.
  const steps: Step[] = [{ name: 'releasing the state directory', run: () => lock.release() }];
  const drain = { signal: new AbortController().signal, outcome: { drained: true, left: [] as string[] } };
  const runSteps = async (say: (line: string) => void) => {
    for (const step of steps.splice(0).reverse()) {
      say(`stopping: ${step.name}`);
      await step.run().catch((error: unknown) => options.log(`stop: ${step.name}: ${String(error)}`));
    }
  };
  try {
    const engines = await startEngines(persistence, options.kinesisPort);
    steps.push({ name: 'closing dynalite and kinesalite', run: () => engines.close() });
    const inFlight = persistence.kind === 'disk' ? openInFlight(persistence) : undefined;
    if (inFlight) steps.push({ name: 'closing the in-flight journals', run: async () => inFlight.close() });

    const settings = localSettings(options.timeZone, options.serviceLevelSeconds);
    const dice =
      options.chaos.crash + options.chaos.throttle + options.chaos.duplicate > 0 ? new ChaosDice(options.chaos, seededRandom(options.seed)) : undefined;
    if (dice) notes.push(`chaos ${JSON.stringify(options.chaos)} seed ${options.seed}`);
    // The functions' own client: the one whose calls chaos throttles, as DynamoDB would.
    const functionsDynamo = localDynamoClient(engines.dynalite.endpoint, { quickRetries: true });
    if (dice && options.chaos.throttle > 0) injectThrottling(functionsDynamo, dice.throttle);
    steps.push({ name: "closing the functions' DynamoDB client", run: async () => functionsDynamo.destroy() });

    const deadLetterFile = join(options.stateDir, 'dead-letters.jsonl');
    const deadLetters = await FileDeadLetters.open(deadLetterFile);
    const functions = localFunctions({ settings, dynamo: functionsDynamo, kinesis: engines.kinesis, deadLetters, chaos: dice, log: options.log });

    const { chatSessions, messages, escalations } = settings.producerTables;
    const captured = new Map<string, CapturedTable>(
      (
        [
          [chatSessions, PRODUCER_TABLE_KEYS['chat-sessions']],
          [messages, PRODUCER_TABLE_KEYS.messages],
          [escalations, PRODUCER_TABLE_KEYS.escalations],
        ] as const
      ).map(([tableName, keyNames]) => {
        // The same stream as before a restart, with the records it had not passed on.
        const restored = inFlight?.restoredChanges.streams.get(tableName);
        const stream = new TableStream(tableName, STREAM_SHARDS_PER_TABLE, {
          ...(restored && { identity: restored.identity, restored: restored.shards }),
          ...(inFlight && { log: inFlight.changeCapture }),
        });
        inFlight?.changeCapture.attach(stream);
        return [tableName, { stream, keyNames }];
      }),
    );
    const sources = eventSources({
      functions,
      tableStreams: [...captured.values()].map((table) => table.stream),
      kinesis: engines.kinesis,
      kinesisPuts: engines.kinesisPuts,
      deadLetters,
      chaos: dice,
      timing: options.timing,
      log: options.log,
      ...(inFlight && { checkpoints: inFlight.checkpoints, eventBridgeJournal: inFlight.eventBridgeJournal }),
    });

    // Writes a killed run passed to dynalite without recording their outcome: settled before any new write can come in.
    const intents = inFlight
      ? await settleOpenIntents(
          inFlight.restoredChanges.openIntents,
          inFlight.changeCapture,
          (table) => captured.get(table)?.stream,
          (table, key) => readItem(new URL(engines.dynalite.endpoint), table, key),
        )
      : undefined;
    if (inFlight) {
      sources.eventBridge.resume(inFlight.restoredEvents);
      steps.push({ name: "rewriting EventBridge's journal to what is left", run: async () => sources.eventBridge.rewriteJournal() });
    }
    const recovery = recoveryOf({
      unstopped: lock.unstopped,
      persistence,
      inFlight,
      intents,
      leftOnDisk: persistence.kind === 'memory' ? countInFlight(join(options.stateDir, 'in-flight')) : 0,
    });
    const recovered = describeRecovery(recovery);
    if (recovered) notes.push(recovered);

    sources.start();
    steps.push({
      name: 'draining the pipeline into the metrics table',
      run: async () => {
        await sources.stopAndDrain(drain.signal);
        const left = sources.waiting();
        drain.outcome = { drained: left.length === 0, left };
      },
    });

    const proxy = await startChangeCapture({
      upstream: engines.dynalite.endpoint,
      tables: captured,
      port: options.dynamodbPort,
      ...(inFlight && { intents: inFlight.changeCapture }),
      log: options.log,
    });
    steps.push({ name: 'closing the DynamoDB endpoint', run: () => proxy.close() });
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
    steps.push({ name: 'closing the EventBridge endpoint', run: () => eventBridge.close() });

    const ticker = startTicking(functions, options.timing.tickIntervalMs, options.log, async () => deadLetters.count);
    steps.push({ name: 'stopping the 1-minute tick', run: async () => ticker.stop() });

    const adminToken = randomBytes(24).toString('base64url');
    let simulator: Simulator | undefined;
    const streams = new ViewerStreams({ maxStreamMs: options.timing.maxViewerStreamMs, heartbeatMs: VIEWER_HEARTBEAT_MS });
    const pusher = startPushing(functions, streams, options.timing.pushIntervalMs);
    steps.push({ name: 'stopping the pusher', run: () => pusher.stop() });
    const health = () =>
      healthReport({
        startedAt,
        persistence,
        recovery,
        sources,
        proxy,
        eventBridge,
        functions,
        deadLetters,
        dice,
        seed: options.seed,
        ticker,
        viewers: { streams, pusher },
        simulator,
      });
    const redriveEventBridgeFailures = async () => {
      const letters = await deadLetters.take(EVENTBRIDGE_ON_FAILURE);
      for (const letter of letters) sources.eventBridge.invoke(letter.record as Parameters<typeof sources.eventBridge.invoke>[0]);
      if (letters.length > 0) options.log(`redriving ${letters.length} EventBridge event(s) from the dead-letter file`);
      return letters.length;
    };
    const api = await startApi({
      port: options.apiPort,
      adminToken,
      read: functions.realtimeRead,
      describe: functions.apiDescription,
      streams,
      health,
      redrive: redriveEventBridgeFailures,
      dashboardDir: join(__dirname, '..', 'dashboard'),
      log: options.log,
    });
    steps.push({ name: 'closing the HTTP API', run: () => api.close() });

    const info = stackInfo(
      {
        api: api.endpoint,
        dynamodb: proxy.endpoint,
        dynamodbDirect: engines.dynalite.endpoint,
        kinesis: engines.kinesalite.endpoint,
        eventbridge: eventBridge.endpoint,
      },
      adminToken,
      deadLetterFile,
    );
    await writeStackFile(options.stateDir, info);
    steps.push({ name: 'removing stack.json', run: () => removeStackFile(options.stateDir) });

    if (options.simulate) {
      // A first start gets a day of history, so returning users and the last hour have shape at once.
      const backfill = persistence.kind === 'memory' || persistence.fresh;
      simulator = startSimulator({ info, rate: options.rate, seed: options.seed, backfill, timeZone: options.timeZone, log: options.log });
      const running = simulator;
      steps.push({ name: 'stopping the simulator', run: () => running.stop() });
      notes.push(
        `simulating ADA Clara, aiming at ${options.rate} writes/s${backfill ? ', after writing a day of history' : ''} (/health shows what it delivers; --no-simulate, --rate N)`,
      );
    }

    const stop = async (stopOptions: StopOptions = {}): Promise<StopOutcome> => {
      const say = stopOptions.say ?? (() => undefined);
      const deadline = AbortSignal.timeout(stopOptions.drainMs ?? (options.drainSeconds ?? DEFAULT_DRAIN_SECONDS) * 1000);
      drain.signal = deadline;
      // Every second of the drain, what it still waits for.
      const progress = setInterval(() => {
        const waiting = sources.waiting();
        if (waiting.length > 0) say(`  waiting for: ${waiting.join('; ')}`);
      }, 1000);
      try {
        await runSteps(say);
      } finally {
        clearInterval(progress);
      }
      return { ...drain.outcome, kept: persistence.kind === 'disk' };
    };
    return { info, notes, health, persistent: persistence.kind === 'disk', stop, redriveEventBridgeFailures };
  } catch (error) {
    // Nothing accepted yet to wait for; what was restored stays in the journals.
    drain.signal = AbortSignal.abort();
    await runSteps(() => undefined);
    throw error;
  }
}
