/**
 * Windowed distinct counts as difference arrays (window slicing, "panes"). An entity active in
 * minute a is in the `width`-minute window of every minute a … a + width − 1; its covered
 * minutes form runs. A run adds +1 where it starts and −1 after it ends, so the count at minute
 * q is the prefix sum of the entries up to q: a change of activity moves O(1) entries instead
 * of rewriting every minute of the window.
 *
 * Runs are cut at block starts (every `block` minutes): each piece starts with its own +1, and a
 * piece that ends with its block needs no −1. The count at q is then the sum of the entries from
 * the start of q's block to q, so no sum ever needs an entry from before that block.
 */
export function addCoverage(
  activity: readonly number[],
  width: number,
  block: number,
  emit: (minute: number, delta: 1 | -1) => void,
  /** Cover only minutes from this one on (returning users count from the day after their first). */
  from = Number.NEGATIVE_INFINITY,
  /** Cover only minutes before this one (a conversation is not live from the minute it ended). */
  until = Number.POSITIVE_INFINITY,
): void {
  let runStart: number | undefined;
  let runEnd = 0;
  // An index loop, not for…of: the iterator was this fold's hottest line in a profile.
  for (let i = 0; i < activity.length; i++) {
    const minute = activity[i]!;
    if (runStart !== undefined && minute <= runEnd + 1) {
      runEnd = Math.max(runEnd, minute + width - 1);
      continue;
    }
    if (runStart !== undefined) emitRun(runStart, Math.min(runEnd, until - 1), block, emit, from);
    runStart = minute;
    runEnd = minute + width - 1;
  }
  if (runStart !== undefined) emitRun(runStart, Math.min(runEnd, until - 1), block, emit, from);
}

function emitRun(start: number, end: number, block: number, emit: (minute: number, delta: 1 | -1) => void, from: number): void {
  for (let pieceStart = Math.max(start, from); pieceStart <= end; ) {
    const blockEnd = blockStartOf(pieceStart, block) + block - 1;
    const pieceEnd = Math.min(end, blockEnd);
    emit(pieceStart, 1);
    if (pieceEnd < blockEnd) emit(pieceEnd + 1, -1);
    pieceStart = pieceEnd + 1;
  }
}

export const blockStartOf = (minute: number, block: number): number => Math.floor(minute / block) * block;

/** The count at `minute` from entries by minute: the sum from the start of its block. */
export function countAt(entries: ReadonlyMap<number, number>, minute: number, block: number): number {
  let total = 0;
  for (let m = blockStartOf(minute, block); m <= minute; m++) total += entries.get(m) ?? 0;
  return total;
}
