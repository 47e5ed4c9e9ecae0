import type { Journal } from './journal';
import type { StreamEntry, StreamIdentity, StreamLog, TableStream, WireItem } from './table-stream';

/**
 * One line of the change capture's journal. A write to a producer table is noted as an
 * `intent` (with the item as it was) before it is passed to dynalite; its stream record, once
 * appended, settles it. So after a `kill -9` the journal tells exactly which writes may have
 * happened without their record: the restart reads those items and rebuilds the records.
 */
export type ChangeLine =
  | { t: 'stream'; table: string; identity: StreamIdentity }
  | { t: 'record'; table: string; shard: number; entry: StreamEntry; intent?: number }
  | { t: 'released'; table: string; shard: number; through: string }
  | { t: 'intent'; id: number; table: string; key: WireItem; before: WireItem | null; at: number }
  | { t: 'settled'; id: number };

export type IntentLine = Extract<ChangeLine, { t: 'intent' }>;

/** A stream as the journal left it: its identity and, per shard, the records not yet released. */
export interface RestoredStream {
  identity: StreamIdentity;
  shards: StreamEntry[][];
}

export interface RestoredChanges {
  streams: Map<string, RestoredStream>;
  /** Writes noted but never settled: the process died between passing them on and recording their outcome. */
  openIntents: IntentLine[];
}

const sequenceOf = (entry: StreamEntry): bigint => BigInt(entry.record.dynamodb?.SequenceNumber ?? '0');

/** Replays the journal's lines into what was still in flight when it was last written. */
export function restoreChanges(lines: readonly ChangeLine[]): RestoredChanges {
  const streams = new Map<string, RestoredStream>();
  const intents = new Map<number, IntentLine>();
  for (const line of lines) {
    switch (line.t) {
      case 'stream':
        if (!streams.has(line.table)) streams.set(line.table, { identity: line.identity, shards: line.identity.shardIds.map(() => []) });
        break;
      case 'record':
        streams.get(line.table)?.shards[line.shard]?.push(line.entry);
        if (line.intent !== undefined) intents.delete(line.intent);
        break;
      case 'released': {
        const shard = streams.get(line.table)?.shards[line.shard];
        const through = BigInt(line.through);
        while (shard?.[0] && sequenceOf(shard[0]) <= through) shard.shift();
        break;
      }
      case 'intent':
        intents.set(line.id, line);
        break;
      case 'settled':
        intents.delete(line.id);
        break;
    }
  }
  return { streams, openIntents: [...intents.values()] };
}

/**
 * The change capture's journal: the streams' records not yet passed on and the writes whose
 * outcome is not yet recorded. The streams report to it (it is their StreamLog); the proxy
 * notes and settles writes.
 */
export class ChangeCaptureJournal implements StreamLog {
  private readonly streams = new Map<string, TableStream>();
  private readonly intents = new Map<number, IntentLine>();
  private nextIntent: number;

  constructor(
    private readonly journal: Journal<ChangeLine>,
    restoredIntents: readonly IntentLine[],
  ) {
    for (const intent of restoredIntents) this.intents.set(intent.id, intent);
    this.nextIntent = Math.max(0, ...restoredIntents.map((intent) => intent.id)) + 1;
  }

  /** Starts journaling a stream (its identity first, so a restart recreates the same stream). */
  attach(stream: TableStream): void {
    this.streams.set(stream.tableName, stream);
    this.journal.append({ t: 'stream', table: stream.tableName, identity: stream.identity });
  }

  /** Notes a write about to be passed on, with the item as it was before; returns the note's id. */
  intend(table: string, key: WireItem, before: WireItem | undefined): number {
    const line: IntentLine = { t: 'intent', id: this.nextIntent++, table, key, before: before ?? null, at: Date.now() };
    this.journal.append(line);
    this.intents.set(line.id, line);
    return line.id;
  }

  /** The write's outcome is known and needs no stream record (it failed, changed nothing, or was not processed). */
  settle(id: number): void {
    if (!this.intents.delete(id)) return;
    this.journal.append({ t: 'settled', id });
    this.rewriteIfDue();
  }

  appended(table: string, shard: number, entry: StreamEntry, intent: number | undefined): void {
    this.journal.append({ t: 'record', table, shard, entry, ...(intent !== undefined && { intent }) });
    if (intent !== undefined) this.intents.delete(intent);
  }

  released(table: string, shard: number, through: string): void {
    this.journal.append({ t: 'released', table, shard, through });
    this.rewriteIfDue();
  }

  /** Rewrites the file to what is still in flight now, and closes it (a clean stop leaves a file of a few lines). */
  close(): void {
    this.rewrite();
    this.journal.close();
  }

  private rewriteIfDue(): void {
    const streams = [...this.streams.values()];
    const live = this.intents.size + streams.reduce((sum, stream) => sum + stream.unreleased().reduce((n, shard) => n + shard.length, 0), 0);
    if (this.journal.wantsRewrite(live)) this.rewrite();
  }

  private rewrite(): void {
    const streams = [...this.streams.values()];
    const intents = this.intents;
    this.journal.rewrite(
      (function* () {
        for (const stream of streams) {
          yield { t: 'stream', table: stream.tableName, identity: stream.identity } as const;
          for (const [shard, entries] of stream.unreleased().entries()) {
            for (const entry of entries) yield { t: 'record', table: stream.tableName, shard, entry } as const;
          }
        }
        yield* intents.values();
      })(),
    );
  }
}

export interface IntentOutcome {
  /** Writes that had happened: their stream records were rebuilt from the table. */
  rebuilt: number;
  /** Writes that had not happened (or changed nothing): no record was owed. */
  notWritten: number;
  /** Writes whose item could not be read: their records, if any were owed, are lost. */
  unknown: string[];
}

/**
 * Settles the writes a killed process left open: each item is read as it is now, and if it is
 * not as it was before the write, the write happened and its stream record is appended now,
 * with the old image the journal kept. Runs before the proxy listens, so no other write to
 * these items can come in between.
 */
export async function settleOpenIntents(
  intents: readonly IntentLine[],
  journal: ChangeCaptureJournal,
  streamOf: (table: string) => TableStream | undefined,
  readItem: (table: string, key: WireItem) => Promise<WireItem | undefined>,
): Promise<IntentOutcome> {
  const outcome: IntentOutcome = { rebuilt: 0, notWritten: 0, unknown: [] };
  for (const intent of intents) {
    const stream = streamOf(intent.table);
    let now: WireItem | undefined;
    try {
      if (!stream) throw new Error(`no stream for table ${intent.table}`);
      now = await readItem(intent.table, intent.key);
    } catch (error) {
      outcome.unknown.push(`${intent.table} ${JSON.stringify(intent.key)}: ${String(error)}`);
      journal.settle(intent.id);
      continue;
    }
    if (stream.append({ keys: intent.key, oldImage: intent.before ?? undefined, newImage: now }, intent.at, intent.id)) outcome.rebuilt++;
    else {
      outcome.notWritten++;
      journal.settle(intent.id);
    }
  }
  return outcome;
}
