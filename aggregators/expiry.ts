import type { EntityState } from './entity-state';
import { BUCKET_RETENTION_SECONDS, CONVERSATION_RETENTION_SECONDS, FACT_RETENTION_SECONDS, USER_RETENTION_SECONDS } from './metrics-items';
import { epochMsOf, MINUTE_MS } from './time';
import { statusOf } from './entity-contributions';

const seconds = (epochMs: number) => Math.floor(epochMs / 1000);
const lastOf = (values: readonly number[]) => values[values.length - 1] ?? 0;

/**
 * When an entity item may be deleted by TTL, or undefined to keep it. Open escalations are
 * kept for good: their gauges must never lose the item that explains them.
 */
export function expiresAtOf(state: EntityState): number | undefined {
  switch (state.kind) {
    case 'conversation':
      return seconds(Math.max(lastOf(state.activity) * MINUTE_MS, lastOf(state.ends))) + CONVERSATION_RETENTION_SECONDS;
    case 'user': {
      const lastActive = Math.max(0, ...Object.values(state.conversations).map((share) => lastOf(share.activity)));
      return seconds(lastActive * MINUTE_MS) + USER_RETENTION_SECONDS;
    }
    case 'escalation': {
      const status = statusOf(state);
      if (status === 'pending' || status === 'in_progress') return undefined;
      return seconds(Math.max(lastOf(state.resolved), lastOf(state.failed))) + CONVERSATION_RETENTION_SECONDS;
    }
    case 'fact':
      return seconds(epochMsOf(state.event.occurredAt)) + FACT_RETENTION_SECONDS + BUCKET_RETENTION_SECONDS;
  }
}
