import { startStack } from './stack/stack';
import { parseStackArgs, USAGE } from './stack/options';
import { banner } from './stack/stack-info';

/** `npm start`: the whole Clara Pulse pipeline on 127.0.0.1, with a live dashboard. */
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
    const simulated = health.simulator ? ` · simulator ${health.simulator.phase}, ${health.simulator.writesPerSecond} writes/s` : '';
    console.log(`health: ${health.status}${health.problems.length ? ` (${health.problems.join('; ')})` : ''} · dead letters ${health.deadLetters}${simulated}`);
  }, 60_000);

  let stoppingSince: number | undefined;
  const stop = async (signal: string) => {
    if (stoppingSince !== undefined) {
      // npm and tsx pass the terminal's signal on, so one Ctrl-C can arrive twice: only a later one means "now".
      if (Date.now() - stoppingSince < 1000) return;
      console.log('stopping already; press Ctrl-C once more to quit at once');
      process.once(signal, () => process.exit(130));
      return;
    }
    stoppingSince = Date.now();
    clearInterval(status);
    console.log(`\n${signal}: stopping — producers first, then the pipeline drains, then the engines close`);
    try {
      await stack.stop();
      console.log('stopped cleanly');
      process.exitCode = 0;
    } catch (error) {
      console.error('stop failed:', error);
      process.exitCode = 1;
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
