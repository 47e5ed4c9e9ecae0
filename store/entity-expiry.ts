import { statusOf } from '../aggregators/entity-contributions';
import type { EntityState } from '../aggregators/entity-state';
import { epochMsOf, MINUTE_MS } from '../aggregators/time';
import { BUCKET_RETENTION_SECONDS } from './layout';

const CONVERSATION_RETENTION_SECONDS = 14 * 86400;
const USER_RETENTION_SECONDS = 400 * 86400;
const FACT_RETENTION_SECONDS = 3 * 86400;

const seconds = (epochMs: number) => Math.floor(epochMs / 1000);
const lastOf = (values: readonly number[]) => values[values.length - 1] ?? 0;

/**
 * When an entity item may be deleted by TTL, or undefined to keep it. Open escalations are
 * kept for good: their gauges must never lose the item that explains them.
 */
export function entityExpiresAt(state: EntityState): number | undefined {
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
