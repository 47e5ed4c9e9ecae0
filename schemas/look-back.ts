import { z } from 'zod';

/** How far back `?at=` may look (SPEC §4.1): the buckets it needs are kept 49 h (store/layout.ts). */
export const LOOK_BACK_LIMIT_MS = 48 * 3_600_000;
/** Producers' clocks may run ahead this much (SPEC §1); an `at` beyond it has not happened. */
export const LOOK_AHEAD_LIMIT_MS = 5 * 60_000;

const instant = z.iso.datetime({
  offset: true,
  error: 'at must be an ISO-8601 instant with a zone, such as 2026-11-26T14:05:00Z or 2026-11-26T15:05:00+01:00',
});

/**
 * The `at` query parameter, checked against the server clock `nowMs`: the instant in epoch ms,
 * or the reason it cannot be answered (for a 400).
 */
export function lookBackInstant(at: string, nowMs: number): { ok: true; atMs: number } | { ok: false; error: string } {
  const parsed = instant.safeParse(at);
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'at is not a time' };
  const atMs = Date.parse(parsed.data);
  if (atMs < nowMs - LOOK_BACK_LIMIT_MS) return { ok: false, error: `at is more than 48 hours back (the server's time is ${new Date(nowMs).toISOString()})` };
  if (atMs > nowMs + LOOK_AHEAD_LIMIT_MS)
    return { ok: false, error: `at is more than 5 minutes ahead (the server's time is ${new Date(nowMs).toISOString()})` };
  return { ok: true, atMs };
}
