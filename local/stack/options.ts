import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { parseServiceLevelSeconds } from '../../config/settings';
import { NO_CHAOS, parseChaos, type ChaosRates } from '../chaos';

/** Everything that shapes one run of the local stack. Ports of 0 mean "any free port". */
export interface StackOptions {
  apiPort: number;
  dynamodbPort: number;
  kinesisPort: number;
  eventBridgePort: number;
  /** Start clean and keep nothing; otherwise dynalite keeps its tables under `stateDir`. */
  inMemory: boolean;
  /** Where stack.json, the dead-letter file and (unless in memory) the tables live. */
  stateDir: string;
  simulate: boolean;
  /** Simulated producer writes per second, across the three transports. */
  rate: number;
  chaos: ChaosRates;
  /** Seeds the chaos dice (and the simulator), so a run can be repeated. */
  seed: number;
  timeZone: string;
  /** SERVICE_LEVEL_SECONDS, as on AWS; 120 unless given. */
  serviceLevelSeconds?: number;
  /** How long a stop waits for the pipeline to drain before it closes anyway (on disk, what is left is kept for the next start); default 30. */
  drainSeconds?: number;
  timing: StackTiming;
  log: (line: string) => void;
}

/**
 * Lambda's pollers, compressed: AWS polls a shard about once a second and retries an
 * asynchronous invocation after about 1 and 2 minutes; locally everything is faster so that a
 * write shows on the dashboard within a second or two.
 */
export interface StackTiming {
  /** How long an idle shard waits before it is polled again, unless told of a put sooner. */
  pollIntervalMs: number;
  /** MaximumBatchingWindow of the mappings: how long a partial batch may wait for more records. */
  batchingWindowMs: number;
  /** Delays before the two retries of a failed asynchronous (EventBridge) invocation. */
  asyncRetryDelaysMs: readonly [number, number];
  tickIntervalMs: number;
  /** Pushed documents: at most one read of the document per interval, whatever the number of viewers. */
  pushIntervalMs: number;
  /** How long a viewer's stream may stay open before the server ends it (API Gateway: 2 h); the page reconnects. */
  maxViewerStreamMs: number;
}

export const DEFAULT_DRAIN_SECONDS = 30;

export const DEFAULT_TIMING: StackTiming = {
  pollIntervalMs: 1000,
  batchingWindowMs: 20,
  asyncRetryDelaysMs: [1000, 2000],
  tickIntervalMs: 60_000,
  pushIntervalMs: 1000,
  maxViewerStreamMs: 2 * 3600 * 1000,
};

/**
 * A stack for a test, a benchmark or a measurement: every port chosen by the OS, in memory,
 * simulator off, no chaos; `overrides` says what differs.
 */
export const localStackOptions = (stateDir: string, overrides: Partial<StackOptions> = {}): StackOptions => ({
  apiPort: 0,
  dynamodbPort: 0,
  kinesisPort: 0,
  eventBridgePort: 0,
  inMemory: true,
  stateDir,
  simulate: false,
  rate: 1,
  chaos: NO_CHAOS,
  seed: 1,
  timeZone: 'UTC',
  timing: DEFAULT_TIMING,
  log: () => undefined,
  ...overrides,
});

export const USAGE = `Usage: npm start -- [options]

  --port N              HTTP API and dashboard port (default 3000)
  --in-memory           start clean and keep nothing (default: tables kept under .local/)
  --no-simulate         no simulated ADA Clara traffic
  --rate N              simulated producer writes per second (default 10)
  --chaos SPEC          inject faults, e.g. crash=0.1,throttle=0.05,duplicate=0.1
  --seed N              seed of the chaos dice and the simulator (default: random)
  --dynamodb-port N     DynamoDB endpoint for producers (default 8000; 0 = any free port)
  --kinesis-port N      Kinesis endpoint (default 4567)
  --eventbridge-port N  EventBridge endpoint (default 4010)
  --state-dir DIR       where state and stack.json live (default .local)
  --drain-seconds N     how long a stop waits for the pipeline to drain (default 30)
  -h, --help            this text
`;

const port = (text: string | undefined, fallback: number, flag: string): number => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`${flag}: not a port: ${text}`);
  return value;
};

/** Reads the command line of `npm start`; throws a RangeError naming the bad flag. */
export function parseStackArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): StackOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      'in-memory': { type: 'boolean', default: false },
      simulate: { type: 'boolean', default: true },
      'no-simulate': { type: 'boolean', default: false },
      rate: { type: 'string' },
      chaos: { type: 'string' },
      seed: { type: 'string' },
      'dynamodb-port': { type: 'string' },
      'kinesis-port': { type: 'string' },
      'eventbridge-port': { type: 'string' },
      'state-dir': { type: 'string' },
      'drain-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const rate = values.rate === undefined ? 10 : Number(values.rate);
  if (!(rate > 0 && rate <= 1000)) throw new RangeError(`--rate: expected events per second between 0 and 1000, got ${values.rate}`);
  const seed = values.seed === undefined ? randomInt(1, 2 ** 31 - 1) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new RangeError(`--seed: not an integer: ${values.seed}`);
  const drainSeconds = values['drain-seconds'] === undefined ? DEFAULT_DRAIN_SECONDS : Number(values['drain-seconds']);
  if (!(Number.isFinite(drainSeconds) && drainSeconds >= 0))
    throw new RangeError(`--drain-seconds: expected seconds (0 or more), got ${values['drain-seconds']}`);
  return {
    apiPort: port(values.port, 3000, '--port'),
    dynamodbPort: port(values['dynamodb-port'], 8000, '--dynamodb-port'),
    kinesisPort: port(values['kinesis-port'], 4567, '--kinesis-port'),
    eventBridgePort: port(values['eventbridge-port'], 4010, '--eventbridge-port'),
    inMemory: values['in-memory'],
    stateDir: resolve(values['state-dir'] ?? '.local'),
    simulate: values.simulate && !values['no-simulate'],
    rate,
    chaos: values.chaos === undefined ? NO_CHAOS : parseChaos(values.chaos),
    seed,
    timeZone: env.METRICS_TIME_ZONE ?? 'UTC',
    serviceLevelSeconds: parseServiceLevelSeconds(env),
    drainSeconds,
    timing: DEFAULT_TIMING,
    log: (line) => console.log(line),
  };
}
