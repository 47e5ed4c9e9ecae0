import { readFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StateDirectoryBusyError } from '../../errors';

/** What the lock file says of the run that holds (or held) it. */
export interface LockHolder {
  pid: number;
  persistence: 'disk' | 'memory';
  startedAt: string;
}

export interface StateLock {
  /** The run before this one, if it ended without a clean stop (its lock was still there). */
  unstopped: LockHolder | undefined;
  release(): Promise<void>;
}

/** Whether `pid` runs. A zombie (killed, not yet reaped by its new parent) does not: it holds nothing any more. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (command) state …"; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): the signal's answer stands
  }
};

/**
 * Whether the lock's holder still runs. This process holds it if it took it since it started
 * (another stack in the same process, as tests run them); a pid from before this process started
 * is a pid reused, as in a restarted container.
 */
function holds(holder: LockHolder): boolean {
  if (holder.pid !== process.pid) return alive(holder.pid);
  return Date.parse(holder.startedAt) >= Date.now() - process.uptime() * 1000;
}

/**
 * One stack per state directory: two would share the tables, the journals and stack.json. The
 * lock is a file holding the owner's pid, removed by a clean stop; one left by a process that is
 * gone means that run ended without a clean stop — which the new run reports, and recovers from.
 */
export async function lockStateDir(stateDir: string, persistence: LockHolder['persistence']): Promise<StateLock> {
  const path = join(stateDir, 'stack.lock');
  const mine: LockHolder = { pid: process.pid, persistence, startedAt: new Date().toISOString() };
  let unstopped: LockHolder | undefined;
  for (;;) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(`${JSON.stringify(mine)}\n`);
      await file.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: LockHolder | undefined;
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    } catch {
      holder = undefined; // half-written by a run killed as it started
    }
    if (holder && holds(holder)) {
      throw new StateDirectoryBusyError(
        `another local stack (pid ${holder.pid}, started ${holder.startedAt}) runs on ${stateDir}: stop it first, or give this one --state-dir DIR` +
          ` (if no stack runs, that pid belongs to something else: delete ${path})`,
      );
    }
    unstopped = holder ?? { pid: 0, persistence: 'disk', startedAt: 'unknown' };
    await rm(path, { force: true });
  }
  return { unstopped, release: () => rm(path, { force: true }) };
}
