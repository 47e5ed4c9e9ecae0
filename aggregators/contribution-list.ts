import type { CounterKey } from './counters';
import { addDelta, type Deltas } from './deltas';
import type { MinuteKeys } from './interned-keys';

/**
 * An entity's contributions as a list, in the order `contributionsOf` adds them, each entry
 * tagged with its part (a counter name's family: the starts, the live series, …) and its
 * minute. Within a part the minutes strictly increase, so two lists of the same kind of entity
 * line up by (part, minute) and their difference takes one merge, with no Map built for either
 * side: most of the fold's time went into building and differencing those Maps.
 *
 * A list is reused (the fold keeps two, for the states before and after a record): `clear()`
 * then `add`/`cover`, and it is read before the next `clear()`.
 */
export class ContributionList {
  length = 0;
  /** False once an entry broke the order the merge relies on; then only `toDeltas` may read the list. */
  ordered = true;
  private readonly parts: number[] = [];
  private readonly minutes: number[] = [];
  private readonly keys: CounterKey[] = [];
  private readonly amounts: number[] = [];
  private coverPart = 0;
  private coverKeys: MinuteKeys | undefined;
  /** Bound once: addCoverage calls it for every entry, and a closure per call was garbage per event. */
  private readonly emitCovered = (minute: number, delta: number): void => this.add(this.coverPart, minute, this.coverKeys!.keyAt(minute), delta);

  clear(): void {
    this.length = 0;
    this.ordered = true;
  }

  add(part: number, minute: number, key: CounterKey, amount: number): void {
    if (amount === 0) return; // as addDelta: a zero is no counter
    const i = this.length;
    if (i > 0 && !(this.parts[i - 1]! < part || (this.parts[i - 1] === part && this.minutes[i - 1]! < minute))) this.ordered = false;
    this.parts[i] = part;
    this.minutes[i] = minute;
    this.keys[i] = key;
    this.amounts[i] = amount;
    this.length = i + 1;
  }

  /** The emitter for `addCoverage` that adds its entries to this list under `part`, keyed by `keys`. */
  coverer(part: number, keys: MinuteKeys): (minute: number, delta: 1 | -1) => void {
    this.coverPart = part;
    this.coverKeys = keys;
    return this.emitCovered;
  }

  /** The contributions as `contributionsOf` gives them: the same additions, in the same order. */
  toDeltas(): Deltas {
    const deltas: Deltas = new Map();
    for (let i = 0; i < this.length; i++) addDelta(deltas, this.keys[i]!, this.amounts[i]!);
    return deltas;
  }

  /**
   * `differenceOf(before.toDeltas(), after.toDeltas())` for ordered lists whose parts never share
   * a counter name (so a key is in one part only, and once): the counters that changed in the
   * order of `after`, then those only `before` has, in its order. Undefined for a list out of order.
   */
  static difference(before: ContributionList, after: ContributionList): Deltas | undefined {
    if (!before.ordered || !after.ordered) return undefined;
    const result: Deltas = new Map();
    for (let i = 0, j = 0; i < after.length; i++) {
      j = before.seek(j, after.parts[i]!, after.minutes[i]!);
      const amount = after.amounts[i]!;
      if (j < before.length && before.keys[j] === after.keys[i]) {
        if (amount !== before.amounts[j]) result.set(after.keys[i]!, amount - before.amounts[j]!);
      } else result.set(after.keys[i]!, amount);
    }
    for (let j = 0, i = 0; j < before.length; j++) {
      i = after.seek(i, before.parts[j]!, before.minutes[j]!);
      if (!(i < after.length && after.keys[i] === before.keys[j])) result.set(before.keys[j]!, -before.amounts[j]!);
    }
    return result;
  }

  /** From `from` on, the first entry at or after (part, minute). */
  private seek(from: number, part: number, minute: number): number {
    let i = from;
    while (i < this.length && (this.parts[i]! < part || (this.parts[i] === part && this.minutes[i]! < minute))) i++;
    return i;
  }
}
