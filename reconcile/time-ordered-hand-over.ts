import { RebuildForwardError, StreamWriteError } from '../errors';
import type { PulseRecord } from '../schemas/pulse-events';
import type { EventForwarder } from '../streams/event-forwarder';
import type { Pacer } from './pacer';

/** Records per PutRecords request, Kinesis' own limit. */
const FORWARD_CHUNK = 500;
const FORWARD_ATTEMPTS = 6;
/**
 * How many events a rebuild holds to put them in time order: about 110 MB (530 bytes each,
 * measured). A 100k-item day of ADA Clara is 125k events, so it goes on wholly in time order:
 * 20,000 at a time, each aggregator batch spanned six times more minutes, and the rebuild wrote
 * 1.14 WCU per item at 1,404 items/s instead of 0.80 at 2,388 (`npm run bench`, step 7).
 */
export const DEFAULT_HAND_OVER_EVENTS = 200_000;

/**
 * Hands a rebuild's events to pulse-events in time order, `capacity` at a time.
 *
 * A Scan reads in key-hash order, so consecutive items come from all over the day, and every
 * aggregator batch of them would touch the counters of many minutes. Held back and sorted by
 * `occurredAt`, a batch spans a few minutes instead: fewer counter items written per event. The
 * order is free to choose, since applying facts commutes (SPEC §3). What is held is lost in a
 * crash, and read again by the rerun.
 */
export class TimeOrderedHandOver {
  private held: { at: number; record: PulseRecord }[] = [];
  /** Events put on pulse-events so far. */
  handedOn = 0;

  constructor(
    private readonly forwarder: EventForwarder,
    private readonly pacer: Pacer,
    private readonly capacity = DEFAULT_HAND_OVER_EVENTS,
  ) {}

  async add(records: readonly PulseRecord[]): Promise<void> {
    for (const record of records) this.held.push({ at: Date.parse(record.event.occurredAt), record });
    if (this.held.length >= this.capacity) await this.flush();
  }

  /** Puts everything held on pulse-events, oldest first. */
  async flush(): Promise<void> {
    const batch = this.held.sort((a, b) => a.at - b.at).map((held) => held.record);
    this.held = [];
    for (let i = 0; i < batch.length; i += FORWARD_CHUNK) {
      const chunk = batch.slice(i, i + FORWARD_CHUNK);
      await this.pacer.acquire(chunk.length);
      await forwardWithRetries(this.forwarder, chunk);
      this.handedOn += chunk.length;
    }
  }
}

/**
 * A stream that keeps refusing records (throttled past the forwarder's own retries) is waited
 * out: putting the same records again is harmless downstream. Anything else stops the rebuild.
 */
async function forwardWithRetries(forwarder: EventForwarder, records: readonly PulseRecord[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await forwarder.forward(records);
      return;
    } catch (error) {
      if (!(error instanceof StreamWriteError)) throw error;
      if (attempt >= FORWARD_ATTEMPTS)
        throw new RebuildForwardError(`pulse-events did not take ${records.length} record(s) after ${attempt} attempts`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}
