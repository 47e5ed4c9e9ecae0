import { parseArgs } from 'node:util';
import { z } from 'zod';
import { assertTimeZone } from '../aggregators/time';
import { parseServiceLevelSeconds } from '../config/settings';
import { ConfigurationError, UsageError } from '../errors';

export const REPLAY_USAGE = 'usage: npm run --silent replay -- <events.ndjson> --at <ISO instant> [--time-zone <IANA zone>] [--batch-size N]';

/** Lambda's largest batch for a Kinesis mapping. */
const MAX_BATCH_SIZE = 10_000;

const isTimeZone = (zone: string): boolean => {
  try {
    assertTimeZone(zone);
    return true;
  } catch {
    return false;
  }
};

/** Each option's rule, under the flag that sets it (so a message names what to change). */
const replayOptionsSchema = z.object({
  file: z.string({ error: 'the events file (one canonical event a line) is required' }).min(1),
  '--at': z.iso.datetime({
    offset: true,
    error: 'expected a full ISO-8601 instant with seconds and a zone, such as 2026-11-26T14:05:00Z or 2026-11-26T15:05:00+01:00',
  }),
  '--time-zone': z.string().refine(isTimeZone, 'not an IANA time zone, such as Europe/Madrid or UTC'),
  '--batch-size': z.coerce
    .number({ error: 'expected a whole number of records' })
    .int('expected a whole number of records')
    .min(1, 'a batch holds at least 1 record')
    .max(MAX_BATCH_SIZE, `a batch holds at most ${MAX_BATCH_SIZE} records (Lambda's limit)`),
});

export interface ReplayOptions {
  file: string;
  atMs: number;
  timeZone: string;
  /** SERVICE_LEVEL_SECONDS, as the functions read it. */
  serviceLevelSeconds: number;
  batchSize: number;
}

/** SERVICE_LEVEL_SECONDS from the environment, as the functions read it; a bad value is a usage error naming the key. */
function serviceLevelSecondsOf(env: Record<string, string | undefined>): number {
  try {
    return parseServiceLevelSeconds(env);
  } catch (error) {
    if (error instanceof ConfigurationError) throw new UsageError('environment', error.message);
    throw error;
  }
}

const readArgs = (argv: readonly string[]) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { at: { type: 'string' }, 'time-zone': { type: 'string' }, 'batch-size': { type: 'string' } },
  });

/**
 * Reads the replay command line once, with zod; throws a UsageError naming the flag. `--at 1`
 * or `--at 2026-11-26` is refused: a bare number or date would be read as some instant nobody
 * meant (JavaScript reads `1` as 2001-01-01).
 */
export function parseReplayArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): ReplayOptions {
  let parsed: ReturnType<typeof readArgs>;
  try {
    parsed = readArgs(argv);
  } catch (error) {
    // node:util's own wording is clear; its error code prefix is noise here.
    throw new UsageError('replay', (error instanceof Error ? error.message : String(error)).replace(/^\w*Error \[\w+\]: /, ''));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError('replay', `one events file, not ${positionals.length}: ${positionals.join(' ')}`);
  const result = replayOptionsSchema.safeParse({
    file: positionals[0],
    '--at': values.at ?? '',
    '--time-zone': values['time-zone'] ?? env.METRICS_TIME_ZONE ?? 'UTC',
    '--batch-size': values['batch-size'] ?? '500',
  });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const flag = String(issue.path[0] ?? 'replay');
    const given = flag === 'file' ? undefined : { '--at': values.at, '--time-zone': values['time-zone'], '--batch-size': values['batch-size'] }[flag];
    throw new UsageError(flag === 'file' ? '<events.ndjson>' : flag, `${issue.message}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`);
  }
  const options = result.data;
  return {
    file: options.file,
    atMs: Date.parse(options['--at']),
    timeZone: options['--time-zone'],
    serviceLevelSeconds: serviceLevelSecondsOf(env),
    batchSize: options['--batch-size'],
  };
}
