import { parseArgs } from 'node:util';
import { DEFAULT_DRIFT_SETTLE_SECONDS, DEFAULT_SCAN_READ_UNITS, DEFAULT_SCAN_SEGMENTS } from '../config/reconcile-settings';
import { nonNegative, positive, runMain, TARGET_FLAGS, TARGET_USAGE, targetOf } from './reconcile-args';
import { runDrift } from './reconcile-commands';

const USAGE = `Usage: npm run --silent drift -- [options]

Recomputes at T every number of the document that the producer tables determine and compares it
with the served document at the same T. Prints { "at", "compared", "mismatches" } on stdout;
exits 0 when nothing drifted, 1 when something did, 2 when the check could not run.
What is compared, and how: docs/semantics.md.

${TARGET_USAGE}
  --at ISO              the instant to check (default: the end of the last whole minute
                        at least --settle seconds ago)
  --settle N            seconds left for facts in flight to land (default ${DEFAULT_DRIFT_SETTLE_SECONDS})
  --other-sources       conversations, messages or escalations also arrive outside the tables
                        (EventBridge, Kinesis): compare only what such facts cannot lower
  -h, --help            this text
`;

/** A full ISO-8601 instant with a zone, nothing Date.parse merely tolerates. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { ...TARGET_FLAGS, at: { type: 'string' }, settle: { type: 'string' }, 'other-sources': { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.at !== undefined && !(ISO_INSTANT.test(values.at) && Number.isFinite(Date.parse(values.at)))) {
    throw new RangeError(`--at: expected an ISO-8601 instant such as 2026-03-10T14:05:00Z, got ${JSON.stringify(values.at)}`);
  }
  const options = {
    ...(values.at !== undefined && { atMs: Date.parse(values.at) }),
    settleSeconds: nonNegative(values.settle, 'settle', DEFAULT_DRIFT_SETTLE_SECONDS),
    readUnits: positive(values['read-units'], 'read-units', DEFAULT_SCAN_READ_UNITS),
    segments: positive(values.segments, 'segments', DEFAULT_SCAN_SEGMENTS, true),
    otherSources: values['other-sources'],
  };
  const target = await targetOf(values);
  try {
    const report = await runDrift(target, options, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.mismatches.length === 0 ? 0 : 1;
  } finally {
    target.close();
  }
}

// 1 means drift: a check that could not run says so with another code.
runMain('drift', main, 2);
