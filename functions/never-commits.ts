import { compareSequences } from '../aggregators/sequence';
import type { BatchOutcome, ShardRecord } from '../pipeline/aggregate-batch';

/**
 * Errors that the same write will meet every time it is tried: DynamoDB refusing an item or an
 * expression over its size limits (`ValidationException`), or our own store finding a set of
 * counters that cannot fit one update. Retrying such a batch only stops its shard; throttling,
 * conflicts and outages are not in this list and are retried as they should be.
 */
const NEVER_SUCCEEDS = new Set(['ValidationException', 'ExpressionTooLargeError', 'ItemCollectionSizeLimitExceededException']);

export const canNeverSucceed = (error: unknown): boolean => error instanceof Error && NEVER_SUCCEEDS.has(error.name);

/** A record set aside because no commit that holds it can ever succeed, and why. */
export interface SetAside {
  seq: string;
  reason: string;
}

export interface IsolatedOutcome {
  /** As `aggregate` reports it, for the records not set aside: `failedFromSeq` only for a failure worth retrying. */
  outcome: BatchOutcome;
  setAside: SetAside[];
}

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Commits a shard's batch; if a part of it fails for good, halves that part until the record that
 * can never commit is alone, sets it aside and commits on past it, so one record cannot stop its
 * shard (Lambda's retries would only deliver it again and again, then give up on everything
 * behind it too). Records before the failure point are committed already (`aggregate` says so with
 * `failedFromSeq`); a failure worth retrying ends the work there and is reported as it is.
 * At most about two commits per record are spent, on this rare path only.
 */
export async function commitIsolatingNeverCommits<E>(
  records: readonly ShardRecord<E>[],
  aggregate: (records: ShardRecord<E>[]) => Promise<BatchOutcome>,
): Promise<IsolatedOutcome> {
  const setAside: SetAside[] = [];
  /** Errors of parts that committed (what went wrong after their commit), kept for the log. */
  const afterCommit: unknown[] = [];
  // Parts still to commit, in shard order; a record's events (one record may carry several) stay together.
  const parts: ShardRecord<E>[][] = [[...records]];
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part.length === 0) continue;
    const outcome = await aggregate(part);
    const failedFrom = outcome.failedFromSeq;
    if (failedFrom === undefined) {
      afterCommit.push(...outcome.errors);
      continue;
    }
    if (outcome.errors.length === 0 || !outcome.errors.every(canNeverSucceed))
      return { outcome: { ...outcome, errors: [...outcome.errors, ...afterCommit] }, setAside };
    const rest = part.filter((record) => compareSequences(record.seq, failedFrom) >= 0);
    const seqs = [...new Set(rest.map((record) => record.seq))];
    if (seqs.length <= 1) {
      setAside.push({ seq: failedFrom, reason: `can never commit: ${describe(outcome.errors[0])}` });
      continue;
    }
    const firstHalf = new Set(seqs.slice(0, Math.ceil(seqs.length / 2)));
    parts.unshift(
      rest.filter((record) => firstHalf.has(record.seq)),
      rest.filter((record) => !firstHalf.has(record.seq)),
    );
  }
  return { outcome: { errors: afterCommit }, setAside };
}
