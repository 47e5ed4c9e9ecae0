import type { z } from 'zod';
import { canonicalEventSchema, type CanonicalEvent } from './canonical-events';

/** What a transport decoder makes of one delivered record; bad input is a value, never a throw. */
export type Decoded = { ok: true; events: CanonicalEvent[] } | { ok: false; reason: string };

/**
 * The largest record payload we accept. EventBridge caps an event at 256 KiB; holding Kinesis and
 * DynamoDB Streams to the same limit means a fact that fits one transport fits them all.
 */
export const MAX_RECORD_BYTES = 256 * 1024;

/** SPEC §1: producers' clocks may run up to 5 minutes ahead of ours; beyond that the event is invalid. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/** Reasons travel to the dead-letter queue and the logs: one line, short enough to read at a glance. */
export const MAX_REASON_CHARS = 300;

export const accepted = (events: CanonicalEvent[]): Decoded => ({ ok: true, events });

export function rejected(reason: string): Decoded {
  const line = reason.replace(/\s+/g, ' ').trim();
  return { ok: false, reason: line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line };
}

/** `where.path: message; …` for each zod issue, so the reason names the field and what is wrong with it. */
export function describeIssues(error: z.ZodError, where: string): string {
  return error.issues
    .map((issue) => {
      const path = [where, ...issue.path.map(String)].filter((part) => part !== '').join('.');
      // zod lists all eleven event types for a bad discriminator, which would crowd out the other issues.
      const message = issue.code === 'invalid_union' && 'discriminator' in issue ? 'not a canonical event type' : issue.message;
      return `${path}: ${message}`;
    })
    .join('; ');
}

/** The reason a payload of `bytes` is refused, or undefined when it is within the limit. */
export function oversize(bytes: number, what: string): string | undefined {
  return bytes > MAX_RECORD_BYTES ? `${what} is ${bytes} bytes, above the limit of ${MAX_RECORD_BYTES}` : undefined;
}

/** As `oversize`, measuring `value` as the UTF-8 JSON that Lambda delivered it in. */
export function oversizeJson(value: unknown, what: string): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    // Only a JavaScript caller can hand us something JSON cannot hold (a BigInt, a cycle).
    return `${what} is not JSON`;
  }
  return oversize(Buffer.byteLength(json ?? ''), what);
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Validates candidate events against the canonical schema and the future limit. `where` names the
 * part of the record the candidates came from, so that reasons point at it (`detail.occurredAt: …`).
 */
export function validateEvents(candidates: readonly unknown[], now: Date, where: string): Decoded {
  const events: CanonicalEvent[] = [];
  for (const candidate of candidates) {
    const parsed = canonicalEventSchema.safeParse(candidate);
    if (!parsed.success) return rejected(describeIssues(parsed.error, where));
    events.push(parsed.data);
  }
  const future = events.find((event) => Date.parse(event.occurredAt) - now.getTime() > MAX_FUTURE_SKEW_MS);
  if (future) {
    return rejected(
      `${where ? `${where}.` : ''}occurredAt ${future.occurredAt} of ${future.type} is in the future ` +
        `(more than ${MAX_FUTURE_SKEW_MS / 60000} minutes after ${now.toISOString()})`,
    );
  }
  return accepted(events);
}
