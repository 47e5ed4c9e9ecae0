import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the stack keeps what must outlive it. On disk: dynalite's tables, kinesalite's streams,
 * and `in-flight/` (the change capture's and EventBridge's journals, the Kinesis mappings'
 * checkpoints), so that neither a stop at its deadline nor a `kill -9` loses a record a producer
 * was told was accepted.
 */
export type Persistence = { kind: 'disk'; dynamodbPath: string; kinesisPath: string; inFlightDir: string; fresh: boolean } | { kind: 'memory'; why: string };

/** The journals and checkpoints of `in-flight/`, by name. */
export const inFlightFiles = (inFlightDir: string) => ({
  changeCapture: join(inFlightDir, 'change-capture.jsonl'),
  eventBridge: join(inFlightDir, 'eventbridge.jsonl'),
  kinesisCheckpoints: join(inFlightDir, 'kinesis-checkpoints.json'),
});

/**
 * On disk dynalite needs classic-level's native binding and kinesalite leveldown's; npm may skip
 * install scripts, but both packages ship prebuilt binaries for common platforms, so they usually
 * load anyway. If one does not, the stack still runs — in memory, and says so.
 */
export function choosePersistence(inMemory: boolean, stateDir: string): Persistence {
  if (inMemory) return { kind: 'memory', why: '--in-memory' };
  for (const binding of ['classic-level', 'leveldown']) {
    try {
      require(binding);
    } catch (error) {
      return {
        kind: 'memory',
        why: `${binding} (the engines' on-disk store) does not load here: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      };
    }
  }
  const dynamodbPath = join(stateDir, 'dynamodb');
  return { kind: 'disk', dynamodbPath, kinesisPath: join(stateDir, 'kinesis'), inFlightDir: join(stateDir, 'in-flight'), fresh: !existsSync(dynamodbPath) };
}
