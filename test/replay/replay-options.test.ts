import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UsageError } from '../../errors';
import { parseReplayArgs } from '../../local/replay-options';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = 'examples/morning.ndjson';

describe('the replay command line', () => {
  it('reads a good one', () => {
    expect(parseReplayArgs([EXAMPLE, '--at', '2026-11-26T15:05:00+01:00', '--batch-size', '50', '--time-zone', 'Europe/Madrid'], {})).toEqual({
      file: EXAMPLE,
      atMs: Date.parse('2026-11-26T14:05:00Z'),
      timeZone: 'Europe/Madrid',
      serviceLevelSeconds: 120,
      batchSize: 50,
    });
    expect(parseReplayArgs([EXAMPLE, '--at', '2026-11-26T14:05:00Z'], { SERVICE_LEVEL_SECONDS: '90' })).toMatchObject({ serviceLevelSeconds: 90 });
    expect(() => parseReplayArgs([EXAMPLE, '--at', '2026-11-26T14:05:00Z'], { SERVICE_LEVEL_SECONDS: 'soon' })).toThrow(
      /^environment: configuration SERVICE_LEVEL_SECONDS: /,
    );
    expect(parseReplayArgs([EXAMPLE, '--at', '2026-11-26T14:05:00Z'], { METRICS_TIME_ZONE: 'America/Chicago' })).toMatchObject({
      timeZone: 'America/Chicago',
      batchSize: 500,
    });
  });

  it.each([
    [['--batch-size', '0'], '--batch-size', /at least 1 record \(got "0"\)/],
    [['--batch-size=-5'], '--batch-size', /at least 1 record/],
    [['--batch-size', '-5'], 'replay', /Option '--batch-size' argument is ambiguous/],
    [['--batch-size', 'abc'], '--batch-size', /whole number of records \(got "abc"\)/],
    [['--batch-size', '2.5'], '--batch-size', /whole number/],
    [['--batch-size', '20000'], '--batch-size', /at most 10000/],
    [['--at', '1'], '--at', /full ISO-8601 instant.*\(got "1"\)/],
    [['--at', '2026-11-26'], '--at', /full ISO-8601 instant/],
    [['--at', '2026-11-26T14:05:00'], '--at', /with seconds and a zone/],
    [['--at', '2026-02-30T00:00:00Z'], '--at', /full ISO-8601 instant/],
    [['--time-zone', 'Mars/Olympus'], '--time-zone', /not an IANA time zone/],
  ])('refuses %j, naming %s', (flags, flag, message) => {
    const args = flags.includes('--at') ? [EXAMPLE, ...flags] : [EXAMPLE, '--at', '2026-11-26T14:05:00Z', ...flags];
    const parse = () => parseReplayArgs(args, {});
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(new RegExp(`^${flag}: .*${message.source}`));
  });

  it('refuses a missing file, a missing --at and an unknown flag', () => {
    expect(() => parseReplayArgs(['--at', '2026-11-26T14:05:00Z'], {})).toThrow(/^<events.ndjson>: the events file/);
    expect(() => parseReplayArgs([EXAMPLE], {})).toThrow(/^--at: expected a full ISO-8601 instant/);
    expect(() => parseReplayArgs([EXAMPLE, '--at', '2026-11-26T14:05:00Z', '--bacth-size', '5'], {})).toThrow(/^replay: Unknown option '--bacth-size'/);
  });

  it('ends at once with exit 2 and the reason, where it used to hang (npm run replay -- … --batch-size abc)', async () => {
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'local/replay-cli.ts', EXAMPLE, '--at', '2026-11-26T14:05:00Z', '--batch-size', 'abc'],
      {
        cwd: ROOT,
      },
    );
    await expect(run).rejects.toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^--batch-size: expected a whole number of records/) });
  });
});
