import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { parseEntityState } from '../schemas/entity-states';
import type { JournalEntry } from './metrics-store';

/**
 * Compressed bytes per journal item. DynamoDB allows 400 KB per item; a batch whose entries pass
 * this is split over several items.
 */
const MAX_ITEM_BYTES = 300 * 1024;

type Row = [key: string, appliedSeq: string, lastEventAt: number, state: unknown];

/**
 * A batch's journal entries as item bodies, in order. Deflated because states repeat their field
 * names and ids: a body is about a fifth of its JSON, and a write is billed per KB.
 */
export function encodeJournal(entries: readonly JournalEntry[]): Uint8Array[] {
  if (entries.length === 0) return [];
  const rows: Row[] = entries.map((entry) => [entry.key, entry.appliedSeq, entry.lastEventAt, entry.state]);
  const body = deflateRawSync(JSON.stringify(rows), { level: 1 });
  if (body.length <= MAX_ITEM_BYTES || entries.length === 1) return [body];
  const half = Math.ceil(entries.length / 2);
  return [...encodeJournal(entries.slice(0, half)), ...encodeJournal(entries.slice(half))];
}

/** The entries of one item body; every state is checked as an entity item's is. */
export function decodeJournal(body: Uint8Array): JournalEntry[] {
  const rows = JSON.parse(inflateRawSync(body).toString('utf8')) as Row[];
  return rows.map(([key, appliedSeq, lastEventAt, state]) => ({ key, appliedSeq, lastEventAt, state: parseEntityState(state) }));
}
