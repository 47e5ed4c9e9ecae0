import { hourItem, lateItem, minuteItem, SEAL_PANE_MINUTES, SEALED_ATTRIBUTE, sealedPaneItem, sealedSummaryAttribute } from '../../store/layout';
import { isSettled, ReaderMemory } from '../../store/reader-memory';

const PANE = 29_553_060; // a pane's first minute (a multiple of 30)
const paneWith = (minutes: number) => Object.fromEntries(Array.from({ length: minutes }, (_, i) => [sealedSummaryAttribute(PANE + i), '{}']));

describe('what a reader keeps between reads', () => {
  it('takes a minute item as settled once sealed, and a pane once it holds all its minutes', () => {
    expect(isSettled(minuteItem(PANE), { msg: 3 })).toBe(false);
    expect(isSettled(minuteItem(PANE), { msg: 3, [SEALED_ATTRIBUTE]: 1 })).toBe(true);
    expect(isSettled(sealedPaneItem(PANE), paneWith(SEAL_PANE_MINUTES - 1))).toBe(false);
    expect(isSettled(sealedPaneItem(PANE), paneWith(SEAL_PANE_MINUTES))).toBe(true);
  });

  it('never takes an item that later writes still reach as settled, sealed or not', () => {
    expect(isSettled(lateItem(PANE), { msg: 1, [SEALED_ATTRIBUTE]: 1 })).toBe(false);
    expect(isSettled(hourItem(492_551), { l0: 1, [SEALED_ATTRIBUTE]: 1 })).toBe(false);
    expect(isSettled('G#escalations', { pend: 1, [SEALED_ATTRIBUTE]: 1 })).toBe(false);
  });

  it('decodes a kept pane once and whole; a pane it does not keep, as far as a read needs and again once it changed', () => {
    const memory = new ReaderMemory();
    const full = { ...paneWith(SEAL_PANE_MINUTES), w: JSON.stringify({ 'lv:en': [0, 1, 40, -1] }) };
    memory.remember(sealedPaneItem(PANE), full);
    const needs = { fromMinute: PANE + 20, entriesFrom: PANE + 30 };
    const kept = memory.paneOf(PANE, full, needs);
    expect(memory.paneOf(PANE, full, needs)).toBe(kept);
    expect(kept.facts.size).toBe(SEAL_PANE_MINUTES);

    const open = { ...paneWith(SEAL_PANE_MINUTES - 2), w: full.w };
    const once = memory.paneOf(PANE, open, needs);
    expect(once.facts.size).toBe(SEAL_PANE_MINUTES - 2 - 20);
    expect(memory.paneOf(PANE, { ...open }, needs)).toBe(once); // fetched again, unchanged
    const grown = memory.paneOf(PANE, { ...paneWith(SEAL_PANE_MINUTES - 1), w: full.w }, needs);
    expect(grown.facts.size).toBe(SEAL_PANE_MINUTES - 1 - 20);
    expect(memory.paneOf(PANE, { ...open, w: '{}' }, needs).entries.size).toBe(0);
    expect(memory.paneOf(PANE, open, { ...needs, fromMinute: PANE + 10 }).facts.size).toBe(SEAL_PANE_MINUTES - 2 - 10);
  });

  it('builds the counters of the same panes at the same minute once', () => {
    const memory = new ReaderMemory();
    const pane = memory.paneOf(PANE, paneWith(3), { fromMinute: PANE, entriesFrom: PANE });
    let built = 0;
    const build = () => new Map([[`m|${PANE + built++}|msg`, 1]]);
    const first = memory.paneCountersAt(PANE + 40, [pane], build);
    expect(memory.paneCountersAt(PANE + 40, [pane], build)).toBe(first);
    expect(memory.paneCountersAt(PANE + 41, [pane], build)).not.toBe(first);
    const other = memory.paneOf(PANE, paneWith(4), { fromMinute: PANE, entriesFrom: PANE });
    expect(memory.paneCountersAt(PANE + 41, [other], build)).toEqual(new Map([[`m|${PANE + 2}|msg`, 1]]));
    expect(built).toBe(3);
  });

  it('keeps only settled items, up to its capacity, letting the one kept longest go', () => {
    const memory = new ReaderMemory(2);
    memory.remember(minuteItem(1), { msg: 1 });
    expect(memory.settledItem(minuteItem(1))).toBeUndefined();
    for (const minute of [1, 2, 3]) memory.remember(minuteItem(minute), { msg: minute, [SEALED_ATTRIBUTE]: 1 });
    expect(memory.settledCount).toBe(2);
    expect(memory.settledItem(minuteItem(1))).toBeUndefined();
    expect(memory.settledItem(minuteItem(3))).toEqual({ msg: 3, [SEALED_ATTRIBUTE]: 1 });
  });
});
