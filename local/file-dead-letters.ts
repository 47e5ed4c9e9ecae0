import { createReadStream } from 'node:fs';
import { appendFile, chmod, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../streams/dead-letters';

/**
 * A record bigger than this (as JSON) is cut in the file, with its size noted: the file is for a
 * person to read, and a 300 KB record would bury every other letter. The records themselves stay
 * in their stream (24 h) or table for a replay.
 */
export const MAX_RECORD_CHARS = 16 * 1024;

/** What a cut record is written as, instead of itself. */
export interface TruncatedRecord {
  truncated: true;
  /** Size of the record's JSON text, in bytes, before it was cut. */
  originalBytes: number;
  /** The first MAX_RECORD_CHARS characters of that text (ids and sequence numbers come first in Lambda's records). */
  head: string;
}

function writable(letter: DeadLetter): DeadLetter {
  const text = JSON.stringify(letter.record) ?? 'undefined';
  if (text.length <= MAX_RECORD_CHARS) return letter;
  const record: TruncatedRecord = { truncated: true, originalBytes: Buffer.byteLength(text), head: text.slice(0, MAX_RECORD_CHARS) };
  return { ...letter, record };
}

/**
 * The local stack's dead-letter queue: one JSON line per letter in a file only its owner can
 * read (records hold what producers wrote). Letters are only ever appended: a start, clean or
 * in memory, failed or not, never empties the file; moving it away is how a person says "handled".
 */
export class FileDeadLetters implements DeadLetterSink {
  /** Letters appended by this process. */
  added = 0;
  last: { at: string; origin: string; reason: string } | undefined;

  /** A sink that appends to `path` (created owner-only); `open` also counts the letters already there. */
  constructor(
    readonly path: string,
    /** Letters the file already held when it was opened (known after `open`). */
    readonly earlier = 0,
  ) {}

  /** The stack's way in: the file made owner-only even if an older version left it readable, and its letters counted. */
  static async open(path: string): Promise<FileDeadLetters> {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(path, 'a', 0o600);
    await file.close();
    // A file left by an older version may be readable by others.
    await chmod(path, 0o600);
    return new FileDeadLetters(path, await countLines(path));
  }

  /** Letters taken out of the file since it was opened (a redrive). */
  private taken = 0;
  /** Appends and take-outs one at a time: a letter appended while the file is rewritten would be lost. */
  private turn: Promise<unknown> = Promise.resolve();

  /** Letters in the file now. */
  get count(): number {
    return this.earlier + this.added - this.taken;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /**
   * Takes the letters of one origin out of the file, for a redrive: they move to `<path>.redriven`
   * (kept, owner-only, for the record), the others stay. Cut records stay too: they cannot be sent
   * again whole.
   */
  take(origin: string): Promise<DeadLetter[]> {
    return this.inTurn(async () => {
      const letters = (await readFile(this.path, 'utf8'))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as DeadLetter);
      const isWhole = (letter: DeadLetter) => !(typeof letter.record === 'object' && letter.record !== null && 'truncated' in letter.record);
      const taken = letters.filter((letter) => letter.origin === origin && isWhole(letter));
      if (taken.length === 0) return [];
      const lines = (list: DeadLetter[]) => list.map((letter) => `${JSON.stringify(letter)}\n`).join('');
      await appendFile(`${this.path}.redriven`, lines(taken), { mode: 0o600 });
      const rest = `${this.path}.rest`;
      await writeFile(rest, lines(letters.filter((letter) => !taken.includes(letter))), { mode: 0o600 });
      await rename(rest, this.path);
      this.taken += taken.length;
      return taken;
    });
  }

  send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return Promise.resolve();
    return this.inTurn(async () => {
      const file = await open(this.path, 'a', 0o600);
      try {
        await file.appendFile(letters.map((letter) => `${JSON.stringify(writable(letter))}\n`).join(''));
      } finally {
        await file.close();
      }
      this.added += letters.length;
      const newest = letters.at(-1)!;
      this.last = { at: newest.at, origin: newest.origin, reason: newest.reason };
    });
  }
}

/** Lines of a file, read in chunks: a dead-letter file may have grown large. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}
