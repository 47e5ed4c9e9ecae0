/**
 * Counter keys `<family>|<minute>|<name>`, the same string object each time for the same minute
 * and name. The fold recomputes an entity's contributions whole at each event, so it asks for
 * the same keys over and over; a freshly built string must be flattened and hashed before a Map
 * can find it, one handed out before carries its hash already (and makes no garbage).
 */

/**
 * How many recent minutes of keys are kept per name (a power of two): the fold's events and the
 * windows they touch lie within a few hours of each other.
 */
const KEPT_MINUTES = 256;
/** Names are bounded by the label allow-lists; this only guards the cache against a runaway caller. */
const KEPT_NAMES = 10_000;

/** One name's keys by minute, in slots of `minute mod KEPT_MINUTES`; a newer minute takes over its slot. */
export class MinuteKeys {
  private readonly minutes = new Float64Array(KEPT_MINUTES).fill(Number.NaN);
  private readonly keys: (string | undefined)[] = new Array(KEPT_MINUTES);

  constructor(
    private readonly family: string,
    private readonly name: string,
  ) {}

  keyAt(minute: number): string {
    // Any number indexes a slot; the full minute is compared, so a slot never answers for another.
    const slot = minute & (KEPT_MINUTES - 1);
    if (this.minutes[slot] === minute) return this.keys[slot]!;
    const key = `${this.family}|${minute}|${this.name}`;
    this.minutes[slot] = minute;
    this.keys[slot] = key;
    return key;
  }
}

/** A family's keys by name: `keysOf(name)` once, then `keyAt(minute)` for each minute, spares a lookup by name per key. */
export function internedMinuteKeys(family: string): (name: string) => MinuteKeys {
  const byName = new Map<string, MinuteKeys>();
  return (name) => {
    let keys = byName.get(name);
    if (keys === undefined) {
      if (byName.size >= KEPT_NAMES) byName.clear();
      keys = new MinuteKeys(family, name);
      byName.set(name, keys);
    }
    return keys;
  };
}

/** Inputs remembered per name builder before it starts over (labels, bins and slots are bounded; this guards the rest). */
const KEPT_INPUTS = 10_000;

/**
 * A counter name builder that hands back the string it built before for the same input, so the
 * lookup of that name's keys finds it by a hash it already carries.
 */
export function memoizedName<I extends string | number>(build: (input: I) => string): (input: I) => string {
  const built = new Map<I, string>();
  return (input) => {
    let name = built.get(input);
    if (name === undefined) {
      if (built.size >= KEPT_INPUTS) built.clear();
      name = build(input);
      built.set(input, name);
    }
    return name;
  };
}
