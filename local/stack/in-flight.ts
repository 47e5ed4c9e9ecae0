import { pendingEvents, type InvokerLine } from './async-invoker';
import { ChangeCaptureJournal, type ChangeLine, restoreChanges, type RestoredChanges } from './change-capture-journal';
import { CheckpointFile } from './checkpoints';
import type { EventBridgeTargetEvent } from './event-sources';
import { Journal } from './journal';
import { inFlightFiles, type Persistence } from './persistence';

/**
 * What was accepted and not yet in the metrics table when the last run ended, as the journals
 * of `in-flight/` kept it: taken up again by this run.
 */
export interface InFlight {
  changeCapture: ChangeCaptureJournal;
  restoredChanges: RestoredChanges;
  eventBridgeJournal: Journal<InvokerLine<EventBridgeTargetEvent>>;
  restoredEvents: EventBridgeTargetEvent[];
  checkpoints: CheckpointFile;
  /** Journal lines that did not parse (torn by a machine crash): what they held is lost, and said so. */
  unreadableLines: number;
  close(): void;
}

/** Opens (or creates) the journals and checkpoints of an on-disk stack and reads back what they hold. */
export function openInFlight(persistence: Extract<Persistence, { kind: 'disk' }>): InFlight {
  const files = inFlightFiles(persistence.inFlightDir);
  const changes = Journal.open<ChangeLine>(files.changeCapture);
  const events = Journal.open<InvokerLine<EventBridgeTargetEvent>>(files.eventBridge);
  const restoredChanges = restoreChanges(changes.lines);
  const changeCapture = new ChangeCaptureJournal(changes.journal, restoredChanges.openIntents);
  const checkpoints = new CheckpointFile(files.kinesisCheckpoints);
  return {
    changeCapture,
    restoredChanges,
    eventBridgeJournal: events.journal,
    restoredEvents: pendingEvents(events.lines),
    checkpoints,
    unreadableLines: changes.unreadable + events.unreadable,
    close: () => {
      checkpoints.flush();
      changeCapture.close();
      events.journal.close();
    },
  };
}

/** Stream records and events an on-disk run left in its journals (read only: an `--in-memory` run leaves them for the next on-disk one). */
export function countInFlight(inFlightDir: string): number {
  const files = inFlightFiles(inFlightDir);
  const { streams, openIntents } = restoreChanges(Journal.read<ChangeLine>(files.changeCapture).lines);
  const records = [...streams.values()].reduce((sum, stream) => sum + stream.shards.reduce((n, shard) => n + shard.length, 0), 0);
  return records + openIntents.length + pendingEvents(Journal.read<InvokerLine<EventBridgeTargetEvent>>(files.eventBridge).lines).length;
}
