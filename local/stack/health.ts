import type { FileDeadLetters } from '../file-dead-letters';
import type { Simulator } from '../simulator/simulator';
import type { ChaosDice } from './chaos-dice';
import type { ChangeCaptureProxy } from './change-capture-proxy';
import type { EventBridgeEndpoint } from './eventbridge-endpoint';
import type { EventSources } from './event-sources';
import type { LocalFunctions } from './local-functions';
import type { Persistence } from './persistence';
import type { Recovery } from './recovery';
import type { Pusher } from './pusher';
import type { Ticker } from './ticker';
import type { ViewerStreams } from './viewer-streams';

export interface HealthInputs {
  startedAt: number;
  persistence: Persistence;
  recovery: Recovery;
  sources: EventSources;
  proxy: ChangeCaptureProxy;
  eventBridge: EventBridgeEndpoint;
  functions: LocalFunctions;
  deadLetters: FileDeadLetters;
  dice: ChaosDice | undefined;
  seed: number;
  ticker: Ticker;
  viewers: { streams: ViewerStreams; pusher: Pusher };
  simulator: Simulator | undefined;
}

/**
 * GET /health: is every part running, how much is waiting, and what went wrong. Anything a
 * person must look at makes it `degraded`: dead letters in the file (until it is moved away),
 * records the change capture or a restart could not account for, a failing poller or tick.
 */
export function healthReport(inputs: HealthInputs) {
  const { sources, deadLetters, recovery } = inputs;
  const lost = recovery.lost;
  const problems = [
    ...[sources.telemetry, sources.pulse].filter((poller) => poller.lastError).map((poller) => `${poller.name}: ${poller.lastError}`),
    ...sources.streamSources.filter((source) => source.lastError).map((source) => `${source.tableName} stream: ${source.lastError}`),
    ...(inputs.ticker.lastError ? [`tick: ${inputs.ticker.lastError}`] : []),
    ...(deadLetters.count > 0 ? [`${deadLetters.count} dead letter(s) in ${deadLetters.path}: read them, then move the file away`] : []),
    ...(inputs.proxy.lost > 0 ? [`change capture: ${inputs.proxy.lost} stream record(s) lost (the item could not be read after its write)`] : []),
    ...(lost.journalLinesUnreadable + lost.writesUndetermined.length > 0 || lost.unknownCount
      ? ['the last run ended without a clean stop and lost records: see recovery']
      : []),
    ...(inputs.viewers.pusher.lastError ? [`pusher: ${inputs.viewers.pusher.lastError}`] : []),
  ];
  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    problems,
    uptimeSeconds: Math.round((Date.now() - inputs.startedAt) / 1000),
    persistence:
      inputs.persistence.kind === 'disk'
        ? { kind: 'disk', dynamodb: inputs.persistence.dynamodbPath, kinesis: inputs.persistence.kinesisPath, inFlight: inputs.persistence.inFlightDir }
        : { kind: 'memory', why: inputs.persistence.why },
    recovery,
    /** Accepted and not yet in the metrics table: what a stop would wait for. */
    inFlight: sources.waiting(),
    changeCapture: {
      streamRecords: inputs.proxy.captured,
      lost: inputs.proxy.lost,
      mappings: Object.fromEntries(sources.streamSources.map((source) => [source.tableName, { backlog: source.backlog, ...source.stats }])),
    },
    eventBridge: { ...inputs.eventBridge.stats, asyncPending: sources.eventBridge.pending, async: sources.eventBridge.stats },
    functions: inputs.functions.stats,
    /** Per function, what its calls to the metrics table cost so far (requests as the store counts them). */
    metricsTable: inputs.functions.metricsTableUsage(),
    deadLetters: { count: deadLetters.count, thisRun: deadLetters.added, file: deadLetters.path, last: deadLetters.last ?? null },
    lastTick: inputs.ticker.last ?? null,
    viewers: { watching: inputs.viewers.streams.count, lastPushRun: inputs.viewers.pusher.last ?? null },
    chaos: inputs.dice ? { rates: inputs.dice.rates, seed: inputs.seed, injected: inputs.dice.tally } : null,
    simulator: inputs.simulator?.stats ?? null,
  };
}
