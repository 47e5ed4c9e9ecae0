/**
 * CPU profiles taken in-process with the inspector (what `node --cpu-prof` writes), summed up
 * by self time: per function, and per area of code, so the report can say what bounds a figure.
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileSummary {
  /** Share of sampled time (0–1) per area: zod, aws-sdk, fold, store, gc, idle… */
  areas: Record<string, number>;
  /** The functions with the most self time, with their share. */
  top: { fn: string; share: number }[];
}

const AREAS: [string, RegExp][] = [
  ['zod (validation)', /node_modules\/zod\//],
  ['aws-sdk + smithy (requests)', /node_modules\/@(aws-sdk|smithy|aws-crypto)\//],
  ['fold (aggregators/)', /\/aggregators\//],
  ['store (store/)', /\/store\//],
  ['functions + pipeline + schemas', /\/(functions|pipeline|schemas|streams|read-model)\//],
  ['bench harness', /\/bench\//],
  ['other node_modules', /node_modules\//],
  ['node internals (http, streams, crypto)', /^node:|^internal\//],
];

function areaOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(idle)' || functionName === '(program)') return functionName === '(idle)' ? 'idle (waiting on I/O)' : 'v8 (program)';
  for (const [area, pattern] of AREAS) if (pattern.test(url)) return area;
  return url === '' ? 'v8 builtins (JSON, RegExp, Map…)' : 'other';
}

/** Runs `work` under the sampling profiler and summarises where the time went. */
export async function profiled<T>(work: () => Promise<T>): Promise<{ result: T; profile: ProfileSummary }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await work() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
  session.disconnect();
  if (!outcome.ok) throw outcome.error;
  const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const areas: Record<string, number> = {};
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const area = areaOf(node);
    areas[area] = (areas[area] ?? 0) + hits / total;
    const file = node.callFrame.url.replace(/^.*\//, '');
    const name = `${node.callFrame.functionName || '(anonymous)'} ${file ? `${file}:${node.callFrame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits / total);
  }
  const share = (x: number) => Math.round(x * 1000) / 1000;
  return {
    result: outcome.value,
    profile: {
      areas: Object.fromEntries(
        Object.entries(areas)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => [k, share(v)]),
      ),
      top: [...byFunction]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([fn, v]) => ({ fn, share: share(v) })),
    },
  };
}
