/**
 * 6. Memory: run in a process of its own (as a Lambda invocation has), so that its peak RSS is
 * that of the work alone. `fold`: validate + fold the events at the given batch size.
 * `handler`: the ingest and aggregator functions on those batches, against dynalite at the
 * given endpoint. Prints one JSON line: the peak RSS, and the RSS (and peak) before the work began
 * (modules loaded, events generated).
 *
 *   tsx bench/memory-child.ts fold|handler <seed> <batch> <events> <events per second> [dynalite endpoint]
 */
import { localDynamoClient } from '../local/engines';
import { foldAll } from './fold-bench';
import { BenchPipeline } from './harness';
import { standardMix } from './mix';

const [mode, seedText, batchText, eventsText, rateText, endpoint] = process.argv.slice(2);
const atMs = Date.parse('2026-03-10T00:55:00Z');

async function main(): Promise<void> {
  const events = standardMix({ seed: Number(seedText), count: Number(eventsText), endMs: atMs, eventsPerSecond: Number(rateText) });
  const batch = Number(batchText);
  if (mode === 'handler' && !endpoint) throw new Error('handler needs a dynalite endpoint');
  const dynamo = mode === 'handler' ? localDynamoClient(endpoint!) : undefined;
  const pipeline = dynamo ? await BenchPipeline.create({ dynamo, tableName: `memory-${batch}`, nowMs: atMs }) : undefined;
  const beforeMb = process.memoryUsage().rss / 1024 / 1024;
  const peakBeforeMb = process.resourceUsage().maxRSS / 1024;
  if (pipeline) await pipeline.process(events, batch);
  else foldAll(events, batch);
  dynamo?.destroy();
  process.stdout.write(`${JSON.stringify({ mode, batch, events: events.length, beforeMb, peakBeforeMb, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
