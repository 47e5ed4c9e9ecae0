import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './names';

/** One entry of a PutEvents request (JSON 1.1: `Time` arrives as epoch seconds). */
export interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
}

export type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The bus an entry names (by name or ARN); PutEvents without one uses `default`. */
export const busNameOf = (entry: PutEventsEntry): string =>
  typeof entry.EventBusName === 'string' && entry.EventBusName !== '' ? (entry.EventBusName.split(':event-bus/')[1] ?? entry.EventBusName) : 'default';

const invalid = (parameter: string, reason: string): EntryResult => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
});

/** An ISO instant without milliseconds, as EventBridge writes `time`. */
const eventTime = (time: unknown): string | undefined => {
  const ms = typeof time === 'number' ? time * 1000 : typeof time === 'string' ? Date.parse(time) : Date.now();
  return Number.isFinite(ms) ? new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z') : undefined;
};

/**
 * The event EventBridge delivers to a target for one accepted entry — the envelope Lambda
 * receives on AWS — or the per-entry error PutEvents reports instead.
 */
export function envelopeOf(entry: PutEventsEntry): { event: EventBridgeEvent<string, unknown> } | { error: EntryResult } {
  if (typeof entry.Source !== 'string' || entry.Source === '') return { error: invalid('Source', 'Source is a required argument.') };
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return { error: invalid('DetailType', 'DetailType is a required argument.') };
  if (typeof entry.Detail !== 'string') return { error: invalid('Detail', 'Detail is a required argument.') };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  if (!detail || typeof detail !== 'object' || Array.isArray(detail)) return { error: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  const time = eventTime(entry.Time);
  if (!time) return { error: invalid('Time', 'not a timestamp.') };
  const resources = Array.isArray(entry.Resources) ? entry.Resources.filter((r): r is string => typeof r === 'string') : [];
  return {
    event: {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT,
      time,
      region: LOCAL_REGION,
      resources,
      detail,
    },
  };
}
