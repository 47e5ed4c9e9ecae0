import type { DeadLetter } from '../streams/dead-letters';
import type { PulseRecord } from '../schemas/pulse-events';
import type { Runtime } from './runtime';

export interface ForwardOutcome {
  deadLettered: number;
  forwarded: number;
  /** Set when the batch could not be passed on: every record must be delivered again. */
  error?: unknown;
}

/**
 * The ingest step of the transports that carry no entity order of their own (DynamoDB Streams
 * of the producer tables, EventBridge): park what will never decode, pass the rest to the
 * internal stream. Forwarding is idempotent downstream, so a retry of the whole batch is safe.
 */
export async function forwardBatch(runtime: Runtime, letters: readonly DeadLetter[], records: readonly PulseRecord[]): Promise<ForwardOutcome> {
  try {
    await runtime.deadLetters.send(letters);
    if (records.length > 0) await runtime.forwarder.forward(records);
    return { deadLettered: letters.length, forwarded: records.length };
  } catch (error) {
    return { deadLettered: 0, forwarded: 0, error };
  }
}
