import { startStack } from './stack/stack';
import { DEFAULT_DRAIN_SECONDS, parseStackArgs, USAGE } from './stack/options';
import { banner } from './stack/stack-info';

/**
 * `npm start`: the whole Clara Pulse pipeline on 127.0.0.1, with a live dashboard. npm runs this
 * file with `exec node --import tsx`, so SIGINT and SIGTERM reach this process itself; a runner
 * that relays signals (and kills its child when the relay is not confirmed in time, as tsx's
 * does under load) would cut the drain short.
 */
async function main(): Promise<void> {
  let options: ReturnType<typeof parseStackArgs>;
  try {
    options = parseStackArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const stack = await startStack(options);
  console.log(banner(stack.info, stack.notes));

  // One health line a minute, so a terminal left open shows whether all is well.
  const status = setInterval(() => {
    const health = stack.health();
    const simulator = health.simulator;
    const simulated = simulator
      ? ` · simulator ${simulator.phase}, ${simulator.lastMinute} writes/s over the last minute (aiming at ${simulator.aimingAt})`
      : '';
    console.log(
      `health: ${health.status}${health.problems.length ? ` (${health.problems.join('; ')})` : ''} · dead letters ${health.deadLetters.count}${simulated}`,
    );
  }, 60_000);

  const drainSeconds = options.drainSeconds ?? DEFAULT_DRAIN_SECONDS;
  const whereLeftovers = stack.persistent ? `kept in ${options.stateDir} and taken up at the next start` : 'LOST: this run keeps nothing (in memory)';
  let stoppingSince: number | undefined;
  const stop = (signal: string) => {
    if (stoppingSince !== undefined) {
      // A terminal's Ctrl-C reaches the whole process group and npm passes it on too: one Ctrl-C can arrive twice.
      if (Date.now() - stoppingSince < 1000) return;
      console.log(`${signal} again: quitting now; what was not yet drained is ${whereLeftovers}`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    clearInterval(status);
    console.log(
      `\n${signal}: stopping — producers first, then the pipeline drains (at most ${drainSeconds} s, --drain-seconds), then the engines close; ${signal} again quits at once`,
    );
    stack.stop({ say: (line) => console.log(line) }).then(
      (outcome) => {
        if (outcome.drained) console.log('stopped cleanly: everything accepted is in the metrics table');
        else console.log(`stopped at the drain deadline; still waiting were: ${outcome.left.join('; ')} — ${whereLeftovers}`);
        process.exitCode = outcome.drained || outcome.kept ? 0 : 1;
        // Everything is closed; should a stray handle keep the process up, it still ends.
        setTimeout(() => process.exit(), 5000).unref();
      },
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
