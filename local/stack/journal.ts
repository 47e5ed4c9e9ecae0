import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Lines written since the last rewrite before the file is rewritten from the live state (at least; see `wantsRewrite`). */
const REWRITE_AFTER_LINES = 10_000;

/**
 * An append-only file of JSON lines that outlives the process. Each line goes out in one
 * write(2) before the caller answers its client, so once a producer has its answer the line is
 * the kernel's: `kill -9` cannot take it back (only losing the machine could, which the local
 * stack does not guard against). Now and then the owner rewrites it from its live state, so the
 * file stays about the size of what is in flight, not of everything that ever passed.
 */
export class Journal<L> {
  private linesSinceRewrite: number;
  private closed = false;

  private constructor(
    readonly path: string,
    private fd: number,
    linesInFile: number,
  ) {
    this.linesSinceRewrite = linesInFile;
  }

  /** Reads a journal's lines without opening it for writing; a line that does not parse is counted, not returned. */
  static read<L>(path: string): { lines: L[]; unreadable: number } {
    const lines: L[] = [];
    let unreadable = 0;
    if (!existsSync(path)) return { lines, unreadable };
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (text === '') continue;
      try {
        lines.push(JSON.parse(text) as L);
      } catch {
        // Only a torn last line is expected (the machine, not the process, went down mid-write).
        unreadable++;
      }
    }
    return { lines, unreadable };
  }

  /** Opens (or creates, owner-only) the journal at `path`, with the lines it holds. */
  static open<L>(path: string): { journal: Journal<L>; lines: L[]; unreadable: number } {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { lines, unreadable } = Journal.read<L>(path);
    return { journal: new Journal<L>(path, openSync(path, 'a', 0o600), lines.length), lines, unreadable };
  }

  append(line: L): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
    this.linesSinceRewrite++;
  }

  /** Whether the file has grown well past `liveLines`, the lines a rewrite would keep; amortised, a rewrite costs O(1) per line. */
  wantsRewrite(liveLines: number): boolean {
    return this.linesSinceRewrite > Math.max(REWRITE_AFTER_LINES, 2 * liveLines);
  }

  /** Replaces the file by `lines`. Atomic: a kill during the rewrite leaves the old file whole. */
  rewrite(lines: Iterable<L>): void {
    const temp = `${this.path}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    let count = 0;
    try {
      let chunk = '';
      for (const line of lines) {
        chunk += `${JSON.stringify(line)}\n`;
        count++;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = '';
        }
      }
      writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.linesSinceRewrite = count;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
