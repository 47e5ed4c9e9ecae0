import type { Simulator } from '../simulator/simulator';
import type { ChaosDice } from './chaos-dice';
import type { ChangeCaptureProxy } from './change-capture-proxy';
import type { CountingDeadLetters } from './counting-dead-letters';
import type { EventBridgeEndpoint } from './eventbridge-endpoint';
import type { EventSources } from './event-sources';
import type { LocalFunctions } from './local-functions';
import type { Persistence } from './persistence';
import type { Pusher } from './pusher';
import type { Ticker } from './ticker';
import type { ViewerStreams } from './viewer-streams';

export interface HealthInputs {
  startedAt: number;
  persistence: Persistence;
  sources: EventSources;
  proxy: ChangeCaptureProxy;
  eventBridge: EventBridgeEndpoint;
  functions: LocalFunctions;
  deadLetters: CountingDeadLetters;
  dice: ChaosDice | undefined;
  seed: number;
  ticker: Ticker;
  viewers: { streams: ViewerStreams; pusher: Pusher };
  simulator: Simulator | undefined;
}

/** GET /health: is every part running, how much is waiting, and what went wrong last. */
export function healthReport(inputs: HealthInputs) {
  const { sources } = inputs;
  const problems = [
    ...[sources.telemetry, sources.pulse].filter((poller) => poller.lastError).map((poller) => `${poller.name}: ${poller.lastError}`),
    ...(inputs.ticker.lastError ? [`tick: ${inputs.ticker.lastError}`] : []),
    ...(inputs.viewers.pusher.lastError ? [`pusher: ${inputs.viewers.pusher.lastError}`] : []),
  ];
  return {
    status: problems.length === 0 ? 'ok' : 'degraded',
    problems,
    uptimeSeconds: Math.round((Date.now() - inputs.startedAt) / 1000),
    persistence: inputs.persistence.kind === 'disk' ? { kind: 'disk', path: inputs.persistence.path } : { kind: 'memory', why: inputs.persistence.why },
    changeCapture: {
      streamRecords: inputs.proxy.captured,
      mappings: Object.fromEntries(sources.streamSources.map((source) => [source.tableName, { backlog: source.backlog, ...source.stats }])),
    },
    eventBridge: { ...inputs.eventBridge.stats, asyncPending: sources.eventBridge.pending, async: sources.eventBridge.stats },
    functions: inputs.functions.stats,
    /** Per function, what its calls to the metrics table cost so far (requests as the store counts them). */
    metricsTable: inputs.functions.metricsTableUsage(),
    deadLetters: inputs.deadLetters.count,
    lastTick: inputs.ticker.last ?? null,
    viewers: { watching: inputs.viewers.streams.count, lastPushRun: inputs.viewers.pusher.last ?? null },
    chaos: inputs.dice ? { rates: inputs.dice.rates, seed: inputs.seed, injected: inputs.dice.tally } : null,
    simulator: inputs.simulator?.stats ?? null,
  };
}
