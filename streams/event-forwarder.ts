import type { PulseRecord } from '../schemas/pulse-events';

/**
 * Puts events on the internal `pulse-events` stream, partitioned by entity, so that each
 * entity has exactly one writer. At least once: a repeat is harmless because applying an
 * event twice leaves an entity's state as it was.
 */
export interface EventForwarder {
  forward(records: readonly PulseRecord[]): Promise<void>;
}
