/**
 * "Something new may be there": a poller waits on it instead of sleeping a fixed time. A
 * notification while nobody waits is remembered, so a write made during a poll is never missed.
 */
export class Signal {
  private pending = false;
  private waiters: (() => void)[] = [];

  notify(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves at the next notification (at once if one came since the last wait) or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== wake);
        resolve();
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }
}
