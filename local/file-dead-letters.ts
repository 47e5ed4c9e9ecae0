import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeadLetter, DeadLetterSink } from '../streams/dead-letters';

/** The local stack's dead-letter queue: one JSON line per letter, in a file anyone can read. */
export class FileDeadLetters implements DeadLetterSink {
  constructor(private readonly path: string) {}

  async send(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, letters.map((letter) => `${JSON.stringify(letter)}\n`).join(''));
  }
}
