import { hourItem, lateItem, minuteItem, paneStartOf, sealedPaneItem } from '../../store/layout';
import { minuteCounter } from '../../aggregators/counters';
import { addPaneEntries, addToPane, lastEntryMinuteOf, minuteReads, type Pane, paneAttributes, paneCounters, paneOf } from '../../store/sealed-minutes';

const PANE = 29_553_060; // a pane's first minute (a multiple of 30)

/** A pane's entries as `<name>@<minutes after the pane's start>`. */
const entriesOf = (pane: Pane): Record<string, number> =>
  Object.fromEntries([...pane.entries].flatMap(([name, byOffset]) => [...byOffset].map(([offset, n]) => [`${name}@${offset}`, n])));
const HOUR = Math.floor(PANE / 60);

describe('panes of sealed minutes', () => {
  it('merges window entries by the minute they count at, so a run carried on from minute to minute leaves one +1 and one −1', () => {
    const pane = paneOf(PANE, undefined);
    // A conversation active in minutes 3 and 4: the first minute writes its run (+1 at 3, −1 after 29 more);
    // the next minute moves the run's end one minute on (+1 where the old −1 was, −1 one later).
    addToPane(pane, PANE + 3, { 'lv:en@0': 1, 'lv:en@30': -1, msg: 2 });
    addToPane(pane, PANE + 4, { 'lv:en@29': 1, 'lv:en@30': -1, msg: 1, 'h:12': 1, botN: 1 });
    expect(entriesOf(pane)).toEqual({ 'lv:en@3': 1, 'lv:en@34': -1 });
    expect(pane.facts.get(PANE + 4)).toEqual({ msg: 1 }); // the sketch and the response-time sums stay in the minute item
    expect(pane.p95.has(PANE + 4)).toBe(true);

    const counters = new Map<string, number>();
    addPaneEntries(PANE, pane, counters);
    expect(Object.fromEntries(counters)).toEqual({ [`w|${PANE + 3}|lv:en`]: 1, [`w|${PANE + 34}|lv:en`]: -1 });
  });

  it('keeps the newest stamp of each lane, and reads back what it wrote', () => {
    const pane = paneOf(PANE, undefined);
    addToPane(pane, PANE + 1, { 'f:kinesis:ab1': '100|2000|5', msg: 1 });
    addToPane(pane, PANE, { 'f:kinesis:ab1': '90|1000|5', sealed: 1, 'w:ab1': '000' });
    const stored = { ...paneAttributes(pane, [PANE, PANE + 1]), v: 1 };
    const again = paneOf(PANE, stored);
    expect(again.stamps.get('f:kinesis:ab1')).toBe('100|2000|5');
    expect(again.facts.get(PANE)).toEqual({}); // sealed, with nothing to count: bookkeeping is not a fact
    expect(again.facts.get(PANE + 1)).toEqual({ msg: 1 });
    expect(again.version).toBe(1);
  });

  it('writes its entries as arrays per name, and still reads panes written with one key per entry', () => {
    const pane = paneOf(PANE, undefined);
    addToPane(pane, PANE + 3, { 'lv:en@0': 1, 'lv:en@30': -1, 'uniq@0': 1, 'uniq@30': -1 });
    const stored = paneAttributes(pane, [PANE + 3]);
    expect(JSON.parse(String(stored.w))).toEqual({ 'lv:en': [3, 1, 33, -1], uniq: [3, 1, 33, -1] });
    const written = { 'lv:en@3': 1, 'lv:en@33': -1, 'uniq@3': 1, 'uniq@33': -1 };
    expect(entriesOf(paneOf(PANE, stored))).toEqual(written);
    expect(entriesOf(paneOf(PANE, { ...stored, w: JSON.stringify(written) }))).toEqual(written);
  });
});

describe('what a read decodes of a pane', () => {
  // Minute 3 of the pane: a run's +1 there and its −1 thirty minutes on; minute 29: a run that reaches the next block.
  const stored = () => {
    const pane = paneOf(PANE, undefined);
    addToPane(pane, PANE + 3, { 'lv:en@0': 1, 'lv:en@30': -1, msg: 2 });
    addToPane(pane, PANE + 29, { 'lv:es@0': 1, 'lv:es@30': -1, msg: 1 });
    return { ...paneAttributes(pane, [PANE + 3, PANE + 29]), v: 1 };
  };

  it('decodes the facts of the minutes from the first one read, and the entries while they can still count', () => {
    const needs = { fromMinute: PANE + 10, entriesFrom: lastEntryMinuteOf(PANE) };
    const pane = paneOf(PANE, stored(), needs);
    expect([...pane.facts.keys()]).toEqual([PANE + 29]);
    expect(entriesOf(pane)).toEqual({ 'lv:en@3': 1, 'lv:en@33': -1, 'lv:es@29': 1, 'lv:es@59': -1 });
    expect(lastEntryMinuteOf(PANE)).toBe(PANE + 59); // an entry rides at most 30 minutes ahead of the minute it counts at
  });

  it('leaves out the entries of a pane that all count before the block a read sums from, and those that count before it', () => {
    expect(paneOf(PANE, stored(), { fromMinute: PANE, entriesFrom: lastEntryMinuteOf(PANE) + 1 }).entries.size).toBe(0);
    const counters = new Map<string, number>();
    addPaneEntries(PANE, paneOf(PANE, stored()), counters, PANE + 30);
    expect(Object.fromEntries(counters)).toEqual({ [`w|${PANE + 33}|lv:en`]: -1, [`w|${PANE + 59}|lv:es`]: -1 });
  });
});

describe('where a read finds each minute', () => {
  const lastHour = Array.from({ length: 60 }, (_, i) => PANE + i); // a read at PANE + 59
  const sealedPane = () => {
    const pane = paneOf(PANE, undefined);
    for (let minute = PANE; minute < PANE + 30; minute++) addToPane(pane, minute, { msg: 1, 'h:5': 1 });
    return pane;
  };

  it('takes sealed minutes from their pane, with the minute item only for the facts of the last 5 minutes', () => {
    const panes = new Map([[PANE, sealedPane()]]);
    const reads = minuteReads(lastHour, panes, new Map());
    expect(reads[0]).toEqual({ minute: PANE, p95: expect.any(Number), items: [] });
    const fromPanes = paneCounters(panes, lastHour, PANE + 30);
    expect(fromPanes.get(minuteCounter(PANE, 'msg'))).toBe(1);
    expect(fromPanes.get(minuteCounter(PANE + 29, 'msg'))).toBe(1);
    expect(fromPanes.has(minuteCounter(PANE + 30, 'msg'))).toBe(false);
    // The second pane was never sealed: its minutes come from their items whole.
    expect(reads[30]).toEqual({ minute: PANE + 30, items: [{ key: minuteItem(PANE + 30) }] });
    expect(paneStartOf(lastHour[59]!)).toBe(PANE + 30);
  });

  it('adds the late item, and the minute item for its sketch, once a minute has a late marker; the pane p95 is then not used', () => {
    const panes = new Map([[PANE, sealedPane()]]);
    const items = new Map([[hourItem(HOUR), { x0: 1 }]]);
    expect(sealedPaneItem(PANE)).toBe(`Z#${PANE}`);
    const [first] = minuteReads(lastHour, panes, items);
    expect(first).toEqual({
      minute: PANE,
      items: [{ key: minuteItem(PANE), onlyLastFiveMinutesFacts: true }, { key: lateItem(PANE) }],
    });
  });
});
