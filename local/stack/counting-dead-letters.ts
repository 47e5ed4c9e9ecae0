import type { DeadLetter, DeadLetterSink } from '../../streams/dead-letters';

/** Passes letters on and counts them, so the health report can say how many there are. */
export class CountingDeadLetters implements DeadLetterSink {
  count = 0;
  constructor(private readonly inner: DeadLetterSink) {}

  async send(letters: readonly DeadLetter[]): Promise<void> {
    await this.inner.send(letters);
    this.count += letters.length;
  }
}
