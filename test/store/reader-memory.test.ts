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

  it('decodes a kept pane once and whole; a pane it does not keep, for the read alone and as far as it needs', () => {
    const memory = new ReaderMemory();
    const full = { ...paneWith(SEAL_PANE_MINUTES), w: JSON.stringify({ 'lv:en': [0, 1, 40, -1] }) };
    memory.remember(sealedPaneItem(PANE), full);
    const needs = { fromMinute: PANE + 20, entriesFrom: PANE + 30 };
    const kept = memory.paneOf(PANE, full, needs);
    expect(memory.paneOf(PANE, full, needs)).toBe(kept);
    expect(kept.facts.size).toBe(SEAL_PANE_MINUTES);

    const open = { ...paneWith(SEAL_PANE_MINUTES - 1), w: full.w };
    const once = memory.paneOf(PANE, open, needs);
    expect(memory.paneOf(PANE, open, needs)).not.toBe(once);
    expect(once.facts.size).toBe(SEAL_PANE_MINUTES - 1 - 20);
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
