import { resolve } from 'node:path';
import { DEFAULT_SCAN_READ_UNITS, DEFAULT_SCAN_SEGMENTS } from '../config/reconcile-settings';
import { localTarget, type ReconcileTarget, stageTarget } from './reconcile-target';

/** The flags `npm run rebuild` and `npm run drift` share: where, and how fast. */
export const TARGET_FLAGS = {
  stage: { type: 'string' },
  region: { type: 'string' },
  'state-dir': { type: 'string' },
  'read-units': { type: 'string' },
  segments: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const TARGET_USAGE = `  --stage NAME          a deployed stage: names from its stack's outputs (clara-pulse-NAME),
                        region and credentials from the usual AWS environment; default: the local stack
  --region REGION       the stage's region, if not the environment's
  --state-dir DIR       where the local stack's stack.json is (default .local)
  --read-units N        read capacity units per second for the whole Scan (default ${DEFAULT_SCAN_READ_UNITS})
  --segments N          parallel Scan segments per table (default ${DEFAULT_SCAN_SEGMENTS})`;

/** A number flag above 0 (integers only if asked); a RangeError naming the flag otherwise. */
export function positive(text: string | undefined, flag: string, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`--${flag}: expected a${integer ? ' whole' : ''} number above 0, got ${JSON.stringify(text)}`);
  }
  return value;
}

export interface TargetValues {
  stage?: string | undefined;
  region?: string | undefined;
  'state-dir'?: string | undefined;
}

export const targetOf = (values: TargetValues): Promise<ReconcileTarget> =>
  values.stage ? stageTarget(values.stage, values.region) : localTarget(resolve(values['state-dir'] ?? '.local'));

/** Runs a command's main: exits with its code, or with `failureCode` and the error's message on stderr. */
export function runMain(name: string, main: () => Promise<number>, failureCode = 1): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(failureCode);
    },
  );
}

/** A number flag of 0 or more; a RangeError naming the flag otherwise. */
export function nonNegative(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`--${flag}: expected a number of 0 or more, got ${JSON.stringify(text)}`);
  return value;
}
