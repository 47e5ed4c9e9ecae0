import { isLastFiveMinutesFact, MINUTE_PREFIX } from '../aggregators/counters';
import { quantile } from '../aggregators/quantile-sketch';
import {
  freshnessOf,
  isCounterAttribute,
  lateItem,
  lateMarkerAttribute,
  minuteItem,
  paneStartOf,
  SEALED_ATTRIBUTE,
  sealedP95Attribute,
  sealedPaneItem,
  sealedSummaryAttribute,
  SUMMARY_IN_MINUTE_ITEM,
} from './layout';

/**
 * Sealing (docs/metrics-model.md, "Sealing"): pure rules of what a sealed minute keeps in its
 * pane, and where a read finds each minute of its hour. No I/O here.
 */

type StoredItem = Record<string, unknown>;

/** A summary larger than this stays in its minute item: a pane holds 30, under DynamoDB's 400 KB. */
const SUMMARY_LIMIT_BYTES = 4096;

/** A minute sealed at least this long after it ended: batches still in flight for it rarely arrive later. */
export const SEAL_DELAY_MINUTES = 2;

/**
 * What a pane keeps of a sealed minute: the minute item's counters except those read over the last
 * 5 minutes only (the read fetches those minute items anyway), its freshness stamps, and the p95
 * of its sketch, which the last hour's series shows. Attributes keep their minute-item names, so a
 * read decodes a summary as it decodes the item.
 */
export function summarizeMinute(item: StoredItem): { summary: Record<string, number | string> | typeof SUMMARY_IN_MINUTE_ITEM; p95: number | null } {
  const summary: Record<string, number | string> = {};
  const bins = new Map<string, number>();
  let bytes = 0;
  for (const [attribute, value] of Object.entries(item)) {
    if (typeof value === 'number' && attribute.startsWith(MINUTE_PREFIX.responseBin) && !attribute.includes('@')) {
      bins.set(attribute.slice(MINUTE_PREFIX.responseBin.length), value);
    }
    const kept = (isCounterAttribute(attribute, value) && !isLastFiveMinutesFact(attribute)) || isFreshnessStamp(attribute, value);
    if (!kept || value === 0) continue;
    summary[attribute] = value as number | string;
    bytes += attribute.length + String(value).length;
  }
  return { summary: bytes > SUMMARY_LIMIT_BYTES ? SUMMARY_IN_MINUTE_ITEM : summary, p95: quantile(bins, 0.95) };
}

const isFreshnessStamp = (attribute: string, value: unknown): boolean => typeof value === 'string' && freshnessOf({ [attribute]: value }).length > 0;

export const isSealed = (item: StoredItem | undefined): boolean => item?.[SEALED_ATTRIBUTE] !== undefined;

/** Where a read finds one minute: its pane's summary, or its items (the minute item and, after a late write, its late item). */
export type MinuteSource =
  | { minute: number; from: 'pane'; summary: Record<string, unknown>; p95: number | null }
  | { minute: number; from: 'items'; keys: string[] };

/**
 * Where each minute of `minutes` is read from, given the panes and hour items a read fetched
 * first. A minute comes from its pane when it was sealed there and nothing arrived for it since;
 * otherwise from its minute item (unsealed, or its summary too large) plus its late item.
 */
export function minuteSources(minutes: readonly number[], items: ReadonlyMap<string, StoredItem>): MinuteSource[] {
  return minutes.map((minute) => {
    const marker = lateMarkerAttribute(minute);
    const late = items.get(marker.key)?.[marker.attribute] !== undefined;
    const pane = items.get(sealedPaneItem(paneStartOf(minute)));
    const summary = pane?.[sealedSummaryAttribute(minute)];
    if (!late && typeof summary === 'object' && summary !== null) {
      const p95 = pane?.[sealedP95Attribute(minute)];
      return { minute, from: 'pane', summary: summary as Record<string, unknown>, p95: typeof p95 === 'number' ? p95 : null };
    }
    return { minute, from: 'items', keys: late ? [minuteItem(minute), lateItem(minute)] : [minuteItem(minute)] };
  });
}
