import type { IntentOutcome } from './change-capture-journal';
import type { InFlight } from './in-flight';
import type { Persistence } from './persistence';
import type { LockHolder } from './state-lock';

/** What this start found of the last run, and took up again or had to give up: shown in the banner and in /health. */
export interface Recovery {
  /** The last run, if it ended without a clean stop (killed, or its machine went down). */
  unstopped: { pid: number; persistence: LockHolder['persistence'] } | null;
  takenUp: { streamRecords: number; eventBridgeEvents: number; rebuiltFromTables: number };
  /** What is known lost, exactly; `unknownCount` when a run that kept nothing on disk was killed. */
  lost: { journalLinesUnreadable: number; writesUndetermined: string[]; unknownCount: string | null };
  /** Records an on-disk run left for later, while this run (in memory) does not take them up. */
  leftForTheNextOnDiskStart: number;
}

export function recoveryOf(inputs: {
  unstopped: LockHolder | undefined;
  persistence: Persistence;
  inFlight: InFlight | undefined;
  intents: IntentOutcome | undefined;
  leftOnDisk: number;
}): Recovery {
  const { inFlight, intents, unstopped } = inputs;
  const restoredRecords = inFlight
    ? [...inFlight.restoredChanges.streams.values()].reduce((sum, stream) => sum + stream.shards.reduce((n, shard) => n + shard.length, 0), 0)
    : 0;
  return {
    unstopped: unstopped ? { pid: unstopped.pid, persistence: unstopped.persistence } : null,
    takenUp: { streamRecords: restoredRecords, eventBridgeEvents: inFlight?.restoredEvents.length ?? 0, rebuiltFromTables: intents?.rebuilt ?? 0 },
    lost: {
      journalLinesUnreadable: inFlight?.unreadableLines ?? 0,
      writesUndetermined: intents?.unknown ?? [],
      unknownCount: unstopped?.persistence === 'memory' ? 'the last run kept everything in memory: what it had accepted and not yet counted is gone' : null,
    },
    leftForTheNextOnDiskStart: inputs.leftOnDisk,
  };
}

/** One banner line, or none when there is nothing to say (a first start, or a clean stop that left nothing). */
export function describeRecovery(recovery: Recovery): string | undefined {
  const { takenUp, lost } = recovery;
  const taken = [
    takenUp.streamRecords && `${takenUp.streamRecords} stream record(s)`,
    takenUp.eventBridgeEvents && `${takenUp.eventBridgeEvents} EventBridge event(s)`,
    takenUp.rebuiltFromTables && `${takenUp.rebuiltFromTables} stream record(s) rebuilt from their table`,
  ].filter(Boolean);
  const losses = [
    lost.journalLinesUnreadable && `${lost.journalLinesUnreadable} unreadable journal line(s)`,
    lost.writesUndetermined.length && `${lost.writesUndetermined.length} write(s) whose item could not be read`,
    lost.unknownCount,
  ].filter(Boolean);
  const parts = [
    recovery.unstopped && `the last run (pid ${recovery.unstopped.pid}) ended without a clean stop`,
    taken.length > 0 && `taken up again: ${taken.join(', ')}`,
    recovery.unstopped?.persistence === 'disk' && 'Kinesis resumes at its checkpoints',
    losses.length > 0 ? `LOST: ${losses.join('; ')}` : (recovery.unstopped || taken.length > 0) && 'nothing lost',
    recovery.leftForTheNextOnDiskStart > 0 &&
      `${recovery.leftForTheNextOnDiskStart} record(s) an on-disk run left in flight wait for the next start without --in-memory`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
