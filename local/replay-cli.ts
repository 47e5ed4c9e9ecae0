import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors';
import { canonicalEventSchema, type CanonicalEvent } from '../schemas/canonical-events';
import { countsAt } from '../aggregators/time';
import { localDynamoClient, localKinesisClient, startDynalite, startKinesalite } from './engines';
import { LocalPipeline } from './local-pipeline';
import { parseReplayArgs, REPLAY_USAGE, type ReplayOptions } from './replay-options';

/**
 * "What did the dashboard say at T?": folds canonical events (one JSON object a line) through
 * the real functions and store on in-memory engines, and prints the document at T on stdout.
 * Facts of minutes after T's had not happened at T, so they are left out (T's own minute counts
 * whole, as in `?at=T`: schemas/look-back.ts). Bad lines go to stderr, skipped.
 */
async function main(): Promise<number> {
  let options: ReplayOptions;
  try {
    options = parseReplayArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  const { file, atMs, timeZone, serviceLevelSeconds, batchSize } = options;

  const events: CanonicalEvent[] = [];
  let lineNumber = 0;
  let skipped = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    lineNumber++;
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    if (!parsed.ok) {
      process.stderr.write(`line ${lineNumber}: ${parsed.reason}\n`);
      skipped++;
      continue;
    }
    if (countsAt(Date.parse(parsed.event.occurredAt), atMs)) events.push(parsed.event);
  }

  const [dynamo, kinesis] = await Promise.all([startDynalite(), startKinesalite()]);
  try {
    const pipeline = await LocalPipeline.create({
      dynamo: localDynamoClient(dynamo.endpoint),
      kinesis: localKinesisClient(kinesis.endpoint),
      timeZone,
      serviceLevelSeconds,
      batchSize,
      // The replay itself runs now: its freshness is that of this run, not of T.
      now: () => Math.max(Date.now(), atMs),
    });
    await pipeline.publish(events);
    await pipeline.drain();
    process.stdout.write(`${JSON.stringify(await pipeline.read(atMs), null, 2)}\n`);
    process.stderr.write(`replayed ${events.length} event(s) up to ${new Date(atMs).toISOString()}; ${skipped} line(s) skipped\n`);
    return 0;
  } finally {
    await Promise.all([dynamo.close(), kinesis.close()]);
  }
}

function parseLine(line: string): { ok: true; event: CanonicalEvent } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = canonicalEventSchema.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'event'}: ${issue?.message ?? 'invalid'}` };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`replay failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
