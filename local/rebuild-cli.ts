import { parseArgs } from 'node:util';
import { DEFAULT_SCAN_READ_UNITS, DEFAULT_SCAN_SEGMENTS } from '../config/reconcile-settings';
import { positive, runMain, TARGET_FLAGS, TARGET_USAGE, targetOf } from './reconcile-args';
import { fanOutRebuild, runRebuild } from './reconcile-commands';

const USAGE = `Usage: npm run --silent rebuild -- [options]

Reads the producer tables with parallel Scan segments and applies every item's facts through the
same idempotent path as live traffic. Safe during live traffic, twice, and rerun after a crash.
Progress on stderr; one JSON summary on stdout.

${TARGET_USAGE}
  --events-per-second N records per second onto pulse-events (default: 500 per open shard)
  --fan-out             with --stage: hand the segments to the deployed rebuildSegment function
  -h, --help            this text
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { ...TARGET_FLAGS, 'events-per-second': { type: 'string' }, 'fan-out': { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = {
    readUnits: positive(values['read-units'], 'read-units', DEFAULT_SCAN_READ_UNITS),
    segments: positive(values.segments, 'segments', DEFAULT_SCAN_SEGMENTS, true),
    ...(values['events-per-second'] !== undefined && { eventsPerSecond: positive(values['events-per-second'], 'events-per-second', 1) }),
  };
  const target = await targetOf(values);
  try {
    const summary = values['fan-out'] ? await fanOutRebuild(target, options) : await runRebuild(target, options, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    target.close();
  }
}

runMain('rebuild', main);
