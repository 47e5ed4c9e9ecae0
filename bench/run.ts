/**
 * `npm run bench [-- --quick] [-- --seed N]`: every figure of issue 9's Targets (bench/targets.ts),
 * seeded, beside the naive baselines in the same run; writes bench/results.json and
 * bench/results.md. `-- --only <step>` runs one step (fold, writes, quiet, …) and prints its
 * figures without writing either file.
 *
 * Nothing here is a pass/fail test: the figures are reported against their targets. To measure
 * something more, write a step (bench/steps.ts shows the shape) and add it to `steps` below on a
 * line of its own.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderMarkdown } from './report';
import { peakRssMb, log, round } from './stats';
import { foldStep, freshnessStep, memoryStep, quietStep, readStep, rebuildStep, type StepResult, sustainedStep, writeStep } from './steps';
import { TARGETS, type TargetKey, type Verdict, verdictOf } from './targets';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '20260310' }, only: { type: 'string' } },
});
const quick = values.quick;
const seed = Number(values.seed);

const plan = quick
  ? {
      fold: { events: 40_000, youngEvents: 50_000, reps: 3 },
      writes: { events: 12_000, reps: 1, naiveEvents: 1_500, batchSizes: [100, 1000], requestCostRequests: 1_000 },
      sustained: { warmMinutes: 4, meteredMinutes: 1 },
      quiet: { historyHours: 8, meteredEvents: 600 },
      read: { sizes: [1_000, 10_000, 100_000], reads: 100 },
      freshness: { probes: 15 },
      memory: { events: 10_000 },
      rebuild: { items: 20_000 },
    }
  : {
      fold: { events: 150_000, youngEvents: 200_000, reps: 5 },
      writes: { events: 15_000, reps: 3, naiveEvents: 5_000, batchSizes: [100, 500, 1000], requestCostRequests: 3_000 },
      sustained: { warmMinutes: 8, meteredMinutes: 2 },
      quiet: { historyHours: 24, meteredEvents: 600 },
      read: { sizes: [10_000, 100_000, 1_000_000], reads: 200 },
      freshness: { probes: 45 },
      memory: { events: 20_000 },
      rebuild: { items: 100_000 },
    };

/** The steps, one per line, run in this order; each one's figures become top-level keys of results.json. */
const steps = {
  fold: () => foldStep(seed, plan.fold),
  writes: () => writeStep(seed, plan.writes),
  sustained: () => sustainedStep(seed, plan.sustained),
  quiet: () => quietStep(seed, plan.quiet, quick),
  read: () => readStep(seed, plan.read, quick),
  freshness: () => freshnessStep(seed, plan.freshness),
  memory: () => memoryStep(seed, plan.memory),
  rebuild: () => rebuildStep(seed, plan.rebuild),
};

/** Figures made of two steps' figures. */
const ratios = (writes: Awaited<ReturnType<typeof steps.writes>>, sustained: Awaited<ReturnType<typeof steps.sustained>>) => ({
  figures: { naiveToBatch1000WcuRatio: round(writes.figures.naiveWcuPerEvent / sustained.figures.wcuPerEventBatch1000) },
  details: {},
  notes: [],
});

const runSteps = async () => {
  const fold = await steps.fold();
  const writes = await steps.writes();
  const sustained = await steps.sustained();
  return { fold, writes, sustained, ratios: ratios(writes, sustained), ...(await restOfSteps()) };
};

const restOfSteps = async () => ({
  quiet: await steps.quiet(),
  read: await steps.read(),
  freshness: await steps.freshness(),
  memory: await steps.memory(),
  rebuild: await steps.rebuild(),
});

/** `--only <step>`: one step's figures on stdout, for working on one part; results.json needs every step, so it is left as it is. */
async function runOne(name: string): Promise<void> {
  if (!Object.hasOwn(steps, name)) throw new Error(`--only: no step "${name}"; the steps are ${Object.keys(steps).join(', ')}`);
  log(`${quick ? 'quick' : 'full'} plan, step ${name} only, seed ${seed}; bench/results.json is not written`);
  const step = await steps[name as keyof typeof steps]();
  console.log(JSON.stringify(step.figures, null, 2));
}

async function main(): Promise<void> {
  if (values.only !== undefined) return runOne(values.only);
  const started = Date.now();
  log(`${quick ? 'quick' : 'full'} run, seed ${seed}`);
  const results = assemble(started, await runSteps());
  await writeFile(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(__dirname, 'results.md'), renderMarkdown(results));
  log(`done in ${results.durationSeconds} s: bench/results.json, bench/results.md`);
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type AnyStep = StepResult<Record<string, number>, unknown>;

/** results.json: the run, the figures first with their verdicts, every other figure, then the details. */
function assemble<S extends Record<string, AnyStep>>(started: number, steps: S) {
  const figures = Object.assign({}, ...Object.values(steps).map((step) => step.figures)) as UnionToIntersection<S[keyof S]['figures']>;
  const all = figures as Record<string, number>;
  const missing = TARGETS.filter(({ key }) => typeof all[key] !== 'number').map(({ key }) => key);
  if (missing.length > 0) throw new Error(`no step measured ${missing.join(', ')}`);
  const targetFigures = Object.fromEntries(TARGETS.map(({ key }) => [key, all[key]!])) as Record<TargetKey, number>;
  const verdicts = Object.fromEntries(TARGETS.map((target) => [target.key, verdictOf(target, all[target.key]!)])) as Record<TargetKey, Verdict>;
  const results = {
    quick,
    seed,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      memoryGb: Math.round(totalmem() / 2 ** 30),
    },
    ranAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    notes: [
      'Engines on 127.0.0.1: dynalite in a child process (its own core) per step; the functions in this process; Kinesis shards in memory, fed by the deployed forwarder. Every figure is seeded; times are medians or percentiles of repeated runs.',
      ...Object.values(steps).flatMap((step) => step.notes),
    ],
    ...targetFigures,
    verdicts,
    ...(all as object),
    benchProcessPeakRssMb: Math.round(peakRssMb()),
    details: Object.fromEntries(Object.entries(steps).map(([name, step]) => [name, step.details])) as { [K in keyof S]: S[K]['details'] },
  };
  return results as typeof results & typeof figures;
}

export type BenchResults = ReturnType<typeof assemble<Awaited<ReturnType<typeof runSteps>>>>;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
