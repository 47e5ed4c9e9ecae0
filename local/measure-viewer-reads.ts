/**
 * Measures what dashboards cost the metrics table: DynamoDB requests per minute, as each
 * function's store counts its own, with 1 and with 20 dashboards watching — pushed (one stream
 * each, the page today) and, for comparison, polling GET /admin/realtime every 2 s (the page
 * before pushed updates). The simulator is off, so every request comes from the read side.
 *
 *   npm run measure:viewers [-- --seconds 60]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { STREAM_PATH } from './stack/api-server';
import type { MetricsTableUsage } from './stack/local-functions';
import { FUNCTION_NAMES } from './stack/names';
import { localStackOptions } from './stack/options';
import { type Stack, startStack } from './stack/stack';

type Mode = 'pushed' | 'polling every 2 s';

interface Outcome {
  mode: Mode;
  viewers: number;
  /** Metrics-table requests per minute, by function. */
  perMinute: Record<string, number>;
  readUnitsPerMinute: number;
  /** Documents each viewer received per minute (the slowest viewer). */
  documentsPerViewerMinute: number;
}

/** A dashboard that holds the event stream open and counts the documents it is handed. */
function streamingViewer(stack: Stack, signal: AbortSignal): { documents: () => number } {
  let documents = 0;
  void (async () => {
    const response = await fetch(`${stack.info.api}${STREAM_PATH}`, { headers: { authorization: `Bearer ${stack.info.adminToken}` }, signal });
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) documents += decoder.decode(chunk, { stream: true }).split('event: document').length - 1;
  })().catch(() => undefined);
  return { documents: () => documents };
}

/** A dashboard as it was: GET /admin/realtime every 2 s. */
function pollingViewer(stack: Stack, signal: AbortSignal): { documents: () => number } {
  let documents = 0;
  const timer = setInterval(() => {
    fetch(`${stack.info.api}/admin/realtime`, { headers: { authorization: `Bearer ${stack.info.adminToken}` }, signal })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.ok) documents++;
      })
      .catch(() => undefined);
  }, 2000);
  signal.addEventListener('abort', () => clearInterval(timer));
  return { documents: () => documents };
}

const sum = (usage: Record<string, MetricsTableUsage>, pick: (u: MetricsTableUsage) => number) => Object.values(usage).reduce((total, u) => total + pick(u), 0);

async function measure(mode: Mode, viewers: number, seconds: number): Promise<Outcome> {
  const stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-measure-'));
  const stack = await startStack(localStackOptions(stateDir));
  const controller = new AbortController();
  try {
    const watching = Array.from({ length: viewers }, () => (mode === 'pushed' ? streamingViewer : pollingViewer)(stack, controller.signal));
    await new Promise((resolve) => setTimeout(resolve, 5000)); // connected, first tick done
    const before = stack.health().metricsTable;
    const documentsBefore = watching.map((viewer) => viewer.documents());
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = stack.health().metricsTable;
    const perMinute = (count: number) => Math.round((count * 600) / seconds) / 10;
    return {
      mode,
      viewers,
      perMinute: Object.fromEntries(
        Object.keys(after)
          .map((name) => [name.replace('clara-pulse-local-', ''), perMinute(after[name]!.requests - (before[name]?.requests ?? 0))] as const)
          .filter(([, n]) => n > 0),
      ),
      readUnitsPerMinute: perMinute(sum(after, (u) => u.readUnits) - sum(before, (u) => u.readUnits)),
      documentsPerViewerMinute: perMinute(Math.min(...watching.map((viewer, i) => viewer.documents() - documentsBefore[i]!))),
    };
  } finally {
    controller.abort();
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
  const seconds = Number(values.seconds);
  const outcomes: Outcome[] = [];
  for (const mode of ['pushed', 'polling every 2 s'] as const) {
    for (const viewers of [1, 20]) {
      console.error(`measuring ${viewers} viewer(s), ${mode}, for ${seconds} s…`);
      outcomes.push(await measure(mode, viewers, seconds));
    }
  }
  const name = (fn: string) => fn.replace('clara-pulse-local-', '');
  const reader = (o: Outcome) => o.perMinute[name(o.mode === 'pushed' ? FUNCTION_NAMES.realtimePusher : FUNCTION_NAMES.realtimeRead)] ?? 0;
  console.log(`Metrics-table requests per minute, measured over ${seconds} s on one machine (simulator off: every request is the read side's).\n`);
  console.log(
    '| dashboards | how they get the document | requests/min by the reader | by the tick | all functions | read units/min | documents per dashboard/min |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const o of outcomes) {
    const all = Math.round(Object.values(o.perMinute).reduce((a, b) => a + b, 0) * 10) / 10;
    console.log(
      `| ${o.viewers} | ${o.mode} | ${reader(o)} (${o.mode === 'pushed' ? 'realtimePusher' : 'realtimeRead'}) | ${o.perMinute[name(FUNCTION_NAMES.tick)] ?? 0} | ${all} | ${o.readUnitsPerMinute} | ${o.documentsPerViewerMinute} |`,
    );
  }
}

void main();
