/** A record that could not be used, kept with why, so nothing bad is silently dropped (SPEC §2.3). */
export interface DeadLetter {
  /** Which function and transport it came through, e.g. `kinesis-ingest`. */
  origin: string;
  reason: string;
  /** The original record, exactly as delivered. */
  record: unknown;
  at: string;
}

export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/** Keeps dead letters in memory: for tests and the replay command. */
export class MemoryDeadLetters implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
}
