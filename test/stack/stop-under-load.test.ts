import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countOnceSettled,
  given_npm_start,
  invocationsOf,
  readDocument,
  type RunningStack,
  when_eventbridge_accepts,
  when_kinesis_acknowledges,
  when_the_messages_table_acknowledges,
} from './npm-start';

/**
 * `npm start` stopped while simulated traffic runs, three ways, each followed by a restart on the
 * same state: every record a producer was told was accepted must be counted. The stack runs as a
 * person runs it (npm, then node), so that what npm and the terminal do with signals is tested too.
 */
describe('npm start, stopped under load, loses nothing it accepted', () => {
  let stateDir: string;
  let running: RunningStack | undefined;
  const say = (line: string) => console.log(line);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'clara-pulse-stop-'));
  });

  afterAll(async () => {
    // A test that failed half-way leaves its stack running: end it, whole group.
    if (running && running.child.exitCode === null) {
      try {
        process.kill(-running.child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      await running.exited;
    }
    await rm(stateDir, { recursive: true, force: true });
  });

  /** Stops the stack with `signal` sent to `target` and waits for npm to end; returns what it printed. */
  async function when_it_is_stopped(stack: RunningStack, target: 'npm alone' | 'the process group', signal: NodeJS.Signals): Promise<string> {
    process.kill(target === 'npm alone' ? stack.child.pid! : -stack.child.pid!, signal);
    const code = await stack.exited;
    // npm ends with the stack's own exit code; a stack killed by a runner would leave it none (null).
    expect({ code, output: stack.output().split('\n').slice(-6) }).toMatchObject({ code: 0 });
    return stack.output();
  }

  it('counts every acknowledged Kinesis record after SIGTERM to the npm start process alone', async () => {
    // Prepare: the stack under simulated load, a burst of telemetry acknowledged.
    running = await given_npm_start(stateDir, '--rate', '300', '--seed', '1');
    const acknowledged = await when_kinesis_acknowledges(running.info, 'ada-clara-rag-query', 2000);

    // Act: SIGTERM to npm only, as `kill PID` or a service manager sends it; then a restart on the same state.
    const printed = await when_it_is_stopped(running, 'npm alone', 'SIGTERM');
    running = await given_npm_start(stateDir, '--rate', '300', '--seed', '2');
    const counted = await countOnceSettled(running.info, invocationsOf('ada-clara-rag-query'), acknowledged);

    // Assess
    say(`SIGTERM to npm alone under load: ${counted} of ${acknowledged} acknowledged records counted after the restart`);
    expect(printed).toContain('stopped cleanly: everything accepted is in the metrics table');
    expect({ acknowledged, counted }).toEqual({ acknowledged: 2000, counted: 2000 });
  });

  it('counts every acknowledged Kinesis record after SIGINT to the process group, as a terminal sends Ctrl-C', async () => {
    // Prepare: the stack the last test restarted is still running, under load.
    running = running?.child.exitCode === null ? running : await given_npm_start(stateDir, '--rate', '300');
    const acknowledged = await when_kinesis_acknowledges(running.info, 'ada-clara-ingest', 2000);

    // Act
    const printed = await when_it_is_stopped(running, 'the process group', 'SIGINT');
    running = await given_npm_start(stateDir, '--no-simulate');
    const counted = await countOnceSettled(running.info, invocationsOf('ada-clara-ingest'), acknowledged);

    // Assess
    say(`SIGINT to the process group under load: ${counted} of ${acknowledged} acknowledged records counted after the restart`);
    expect(printed).toContain('stopped cleanly: everything accepted is in the metrics table');
    expect(printed).not.toContain('quitting now');
    expect({ acknowledged, counted }).toEqual({ acknowledged: 2000, counted: 2000 });
    await when_it_is_stopped(running, 'npm alone', 'SIGTERM');
  });

  it('counts every record acknowledged on any transport after kill -9, and says at the restart what it took up again', async () => {
    // Prepare: a stack of its own (no simulator, so the message count is exactly ours), bursts on all three transports at once.
    const killDir = await mkdtemp(join(tmpdir(), 'clara-pulse-kill-'));
    try {
      running = await given_npm_start(killDir, '--no-simulate');
      const before = (await readDocument(running.info)).messagesLastHour;
      const [messages, events, records] = await Promise.all([
        when_the_messages_table_acknowledges(running.info, 'kill-9', 600),
        when_eventbridge_accepts(running.info, 'ada-clara-ingest', 300),
        when_kinesis_acknowledges(running.info, 'ada-clara-rag-query', 2000),
      ]);

      // Act: no stop at all — the whole group killed the moment the last write was acknowledged.
      process.kill(-running.child.pid!, 'SIGKILL');
      await running.exited;
      running = await given_npm_start(killDir, '--no-simulate');
      const counted = {
        messages: await countOnceSettled(running.info, (d) => d.messagesLastHour - before, messages),
        events: await countOnceSettled(running.info, invocationsOf('ada-clara-ingest'), events),
        records: await countOnceSettled(running.info, invocationsOf('ada-clara-rag-query'), records),
      };
      const recovery = ((await (await fetch(`${running.info.api}/health`)).json()) as { recovery: unknown }).recovery;

      // Assess
      say(`kill -9: counted ${JSON.stringify(counted)} of ${JSON.stringify({ messages, events, records })}; recovery ${JSON.stringify(recovery)}`);
      expect(counted).toEqual({ messages, events, records });
      expect(running.output()).toMatch(/the last run \(pid \d+\) ended without a clean stop.* nothing lost/);
      expect(recovery).toMatchObject({ lost: { journalLinesUnreadable: 0, writesUndetermined: [], unknownCount: null } });
      await when_it_is_stopped(running, 'npm alone', 'SIGTERM');
    } finally {
      await rm(killDir, { recursive: true, force: true });
    }
  });
});
