import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type Persistence = { kind: 'disk'; path: string; fresh: boolean } | { kind: 'memory'; why: string };

/**
 * Where dynalite keeps its tables. On disk it needs classic-level's native binding; npm may
 * skip install scripts, but the package ships prebuilt binaries for common platforms, so it
 * usually loads anyway. If it does not, the stack still runs — in memory, and says so.
 */
export function choosePersistence(inMemory: boolean, stateDir: string): Persistence {
  if (inMemory) return { kind: 'memory', why: '--in-memory' };
  try {
    require('classic-level');
  } catch (error) {
    return {
      kind: 'memory',
      why: `classic-level (dynalite's on-disk store) does not load here: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  }
  const path = join(stateDir, 'dynamodb');
  return { kind: 'disk', path, fresh: !existsSync(path) };
}
