import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import type { EventBridgeEvent } from 'aws-lambda';
import { z } from 'zod';
import { describeIssues, oversizeJson, rejected, validateEvents, type Decoded } from '../decode-result';

/** The `source` names producers put on the bus; the serverless.yml rules match the same names. */
export const EVENT_BRIDGE_SOURCES = ['ada-clara.chat', 'ada-clara.escalation', 'ada-clara.telemetry'] as const;
export type EventBridgeSource = (typeof EVENT_BRIDGE_SOURCES)[number];

const envelopeSchema = EventBridgeSchema.extend({ source: z.enum(EVENT_BRIDGE_SOURCES) });

/** The one canonical event that an EventBridge event carries as `detail` (SPEC §2.2). */
export function decodeEventBridgeEvent(event: EventBridgeEvent<string, unknown>, now: Date): Decoded {
  const envelope = envelopeSchema.safeParse(event);
  if (!envelope.success) return rejected(describeIssues(envelope.error, 'event'));
  const tooLarge = oversizeJson(envelope.data.detail, 'detail');
  if (tooLarge) return rejected(tooLarge);

  const decoded = validateEvents([envelope.data.detail], now, 'detail');
  const detailType = envelope.data['detail-type'];
  const type = decoded.ok ? decoded.events[0]?.type : undefined;
  // Rules route on detail-type; an event whose detail says otherwise would be counted by the wrong rule.
  if (decoded.ok && type !== detailType) return rejected(`detail-type "${detailType}" does not match detail.type "${type}"`);
  return decoded;
}
