import {
  type CounterKey,
  dayCounter,
  type DayName,
  type GaugeChangeName,
  gaugeCounter,
  MinuteName,
  minuteCounter,
  performanceCounter,
  SERIES_BLOCK_MINUTES,
  type SeriesName,
  seriesCounter,
  WINDOW_BLOCK_MINUTES,
  windowCounter,
} from '../aggregators/counters';
import { blockStartOf } from '../aggregators/coverage';
import { localHourOfMinute, minuteOf } from '../aggregators/time';

/** A counter split at its bars: `<family>|<at>|<name>`. */
interface FamilyEntry {
  counter: CounterKey;
  value: number;
  at: string;
  name: string;
}

/**
 * The domain counters of a snapshot, read the ways the document needs them: sums over minutes,
 * windowed counts from difference arrays, today up to a minute, gauges and the queue at a minute.
 * A missing counter is 0.
 */
export class SnapshotCounters {
  /** The counters by family (`m`, `w`, `q`…), split once: a document scans several families, each a few times. */
  private byFamily: Map<string, FamilyEntry[]> | undefined;

  constructor(private readonly counters: ReadonlyMap<CounterKey, number>) {}

  private family(letter: string): readonly FamilyEntry[] {
    if (!this.byFamily) {
      this.byFamily = new Map();
      for (const [counter, value] of this.counters) {
        const bar = counter.indexOf('|', 2);
        if (counter[1] !== '|' || bar < 0) continue; // gauges (`g|<name>`) are only ever looked up whole
        const entry = { counter, value, at: counter.slice(2, bar), name: counter.slice(bar + 1) };
        const entries = this.byFamily.get(counter[0]!);
        if (entries) entries.push(entry);
        else this.byFamily.set(counter[0]!, [entry]);
      }
    }
    return this.byFamily.get(letter) ?? [];
  }

  get(counter: CounterKey): number {
    return this.counters.get(counter) ?? 0;
  }

  minutes(minutes: readonly number[], name: string): number {
    return minutes.reduce((total, minute) => total + this.get(minuteCounter(minute, name)), 0);
  }

  performance(minutes: readonly number[], name: string): number {
    return minutes.reduce((total, minute) => total + this.get(performanceCounter(minute, name)), 0);
  }

  /** Facts of a family (`m|`, `p|`) whose names start with `prefix`, summed over `minutes` by the rest of the name. */
  minutesByPrefix(minutes: readonly number[], prefix: string, family: 'm|' | 'p|' = 'm|'): Map<string, number> {
    const wanted = new Set(minutes.map(String));
    const totals = new Map<string, number>();
    for (const { at, name, value } of this.family(family[0]!)) {
      if (!wanted.has(at) || !name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      totals.set(rest, (totals.get(rest) ?? 0) + value);
    }
    return totals;
  }

  /** As `minutesByPrefix`, one map per minute of `minutes` (in one pass over the counters). */
  byMinute(minutes: readonly number[], prefix: string): Map<string, number>[] {
    const first = minutes[0] ?? 0;
    const maps = minutes.map(() => new Map<string, number>());
    for (const { at, name, value } of this.family('m')) {
      const map = maps[Number(at) - first];
      if (!map || !name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      map.set(rest, (map.get(rest) ?? 0) + value);
    }
    return maps;
  }

  /**
   * A windowed count at `minute`: the difference-array entries from the start of its block. A
   * read while a batch commits may see part of it — a run's +1 and −1 can sit in two items —
   * so a count can dip below zero for that instant; a count is never reported below zero, and
   * once the commit lands it is exact again.
   */
  window(minute: number, name: string): number {
    let total = 0;
    for (let m = blockStartOf(minute, WINDOW_BLOCK_MINUTES); m <= minute; m++) total += this.get(windowCounter(m, name));
    return Math.max(0, total);
  }

  /** Windowed counts at `minute` of every label of a family (`lv:`, `ar:`). */
  windowByLabel(minute: number, prefix: string): Map<string, number> {
    const from = blockStartOf(minute, WINDOW_BLOCK_MINUTES);
    const totals = new Map<string, number>();
    for (const { at, name, value } of this.family('w')) {
      const atMinute = Number(at);
      if (atMinute < from || atMinute > minute || !name.startsWith(prefix)) continue;
      const label = name.slice(prefix.length);
      totals.set(label, (totals.get(label) ?? 0) + value);
    }
    return totals;
  }

  /** A series total (live, active) at every minute of `minute`'s hour up to it, oldest first. */
  seriesUpTo(minute: number, name: SeriesName): number[] {
    const values: number[] = [];
    let total = 0;
    for (let m = blockStartOf(minute, SERIES_BLOCK_MINUTES); m <= minute; m++) {
      total += this.get(seriesCounter(m, name));
      values.push(Math.max(0, total)); // as for window(): a read mid-commit never shows a negative count
    }
    return values;
  }

  /** A series total at each of `minutes` (consecutive, oldest first): the hours they span, each summed from its start. */
  seriesAt(minutes: readonly number[], name: SeriesName): number[] {
    const last = minutes[minutes.length - 1]!;
    const first = minutes[0]!;
    const values = [...this.seriesUpTo(blockStartOf(last, SERIES_BLOCK_MINUTES) - 1, name), ...this.seriesUpTo(last, name)];
    const from = blockStartOf(last, SERIES_BLOCK_MINUTES) - SERIES_BLOCK_MINUTES;
    return values.slice(first - from);
  }

  /** A fact of today up to minute `now` (local hours before now's, then the minutes of now's hour). */
  todayUpTo(now: number, timeZone: string, name: DayName): number {
    const { date, hour, hourStartMinute } = localHourOfMinute(now, timeZone);
    let total = 0;
    for (let h = 0; h < hour; h++) total += this.get(dayCounter(date, h, name));
    for (let m = hourStartMinute; m <= now; m++) total += this.get(minuteCounter(m, MinuteName.dayFact(name)));
    return total;
  }

  /** A gauge at the end of minute `now`: its value at read time less its changes in later minutes. */
  gaugeAt(now: number, timeZone: string, gauge: string, change: GaugeChangeName): number {
    const { date, hour, hourStartMinute } = localHourOfMinute(now, timeZone);
    let later = 0;
    const prefix = `${change}:`;
    for (const { at, name, value } of this.family('d')) {
      if (!name.startsWith(prefix)) continue;
      if (at > date || (at === date && Number(name.slice(prefix.length)) >= hour)) later += value;
    }
    for (let m = hourStartMinute; m <= now; m++) later -= this.get(minuteCounter(m, MinuteName.dayFact(change)));
    return Math.max(0, this.get(gaugeCounter(gauge)) - later);
  }

  /**
   * The pending escalations at the end of minute `now`, from the queue fetched: those still
   * pending, and (looking back) those that left it after `now`. Oldest first, ties by id.
   */
  pendingAt(now: number, lookBack: boolean): { createdAt: number; priority: string; escalationId: string }[] {
    const pending = [];
    for (const { counter, value } of [...this.family('q'), ...this.family('x')]) {
      if (value <= 0) continue;
      const family = counter[0];
      const [, , createdAt = '', priority = '', ...id] = counter.split('|');
      const created = Number(createdAt);
      if (lookBack && minuteOf(created) > now) continue; // not created yet then
      if (family === 'x' && minuteOf(created) + value <= now) continue; // it had left by then (its value: the minutes it was pending)
      pending.push({ createdAt: created, priority, escalationId: id.join('|') });
    }
    return pending.sort((a, b) => a.createdAt - b.createdAt || (a.escalationId < b.escalationId ? -1 : a.escalationId > b.escalationId ? 1 : 0));
  }
}
