/**
 * Per-key mutual exclusion: a write's old image, the write and its new image must not
 * interleave with another write of the same item, or the stream would show the wrong change.
 */
export class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Takes every key, in sorted order so that two multi-key writes never wait on each other in a cycle. */
  async acquire(keys: readonly string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const key of [...new Set(keys)].sort()) releases.push(await this.acquireOne(key));
    return () => {
      for (const release of releases) release();
    };
  }

  private async acquireOne(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
