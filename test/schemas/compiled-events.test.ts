import fc from 'fast-check';
import { canonicalEventSchema, canonicalEventUnion as uncompiled } from '../../schemas/canonical-events';

/** The compiled event schema against the same union uncompiled: same verdict, same output (key order too), same issues and messages. */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300) * 3;

const base = { eventId: 'e-1', occurredAt: '2026-03-10T10:00:00.000Z' };
const valid: Record<string, unknown>[] = [
  { ...base, type: 'conversation.started', conversationId: 'c', language: 'en', userId: 'u', region: 'PR' },
  { ...base, type: 'conversation.activity', conversationId: 'c' },
  { ...base, type: 'conversation.ended', conversationId: 'c' },
  { ...base, type: 'message.sent', conversationId: 'c', messageId: 'm', sender: 'bot', processingTimeMs: 812 },
  { ...base, type: 'escalation.created', escalationId: 'x', conversationId: 'c', priority: 'urgent' },
  { ...base, type: 'escalation.assigned', escalationId: 'x' },
  { ...base, type: 'escalation.resolved', escalationId: 'x' },
  { ...base, type: 'escalation.failed', escalationId: 'x' },
  { ...base, type: 'request.completed', service: 'chat-api', latencyMs: 120, statusCode: 503 },
  { ...base, type: 'system.sample', source: 'h', cpuPercent: 12.5, memoryPercent: 40, diskPercent: 30, networkLatencyMs: 3 },
  { ...base, type: 'function.invocation', functionName: 'f', durationMs: 80, error: false, throttled: true },
];
const fields = [...new Set(valid.flatMap((event) => Object.keys(event))), 'extra'];
const oddValue = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  'x',
  'x'.repeat(513),
  '😀',
  'en',
  'urgent',
  'low',
  'bot',
  'message.sent',
  '2026-03-10T10:00:00Z',
  '2026-03-10T10:00:00.000+01:00',
  '2026-02-30T10:00:00Z',
  'yesterday',
  -1,
  0,
  -0,
  1.5,
  100,
  600,
  101,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  [],
  {},
);
/** A valid event with a few fields removed or set to something else. */
const nearlyValid = fc
  .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.constantFrom(...fields), fc.option(oddValue, { nil: 'delete' as const })), { maxLength: 3 }))
  .map(([event, changes]) => {
    const changed: Record<string, unknown> = { ...event };
    for (const [field, value] of changes) {
      if (value === 'delete') delete changed[field];
      else changed[field] = value;
    }
    return changed;
  });

const outcome = (result: ReturnType<typeof uncompiled.safeParse>) =>
  result.success ? JSON.stringify(result.data) : `${JSON.stringify(result.error.issues)}\n${result.error.message}`;

describe('canonicalEventSchema (compiled)', () => {
  it('accepts, outputs and rejects exactly as the uncompiled union does', () => {
    fc.assert(
      fc.property(fc.oneof(nearlyValid, oddValue), (input) => {
        expect(outcome(canonicalEventSchema.safeParse(input))).toBe(outcome(uncompiled.safeParse(input)));
      }),
      { numRuns: RUNS },
    );
  });
});
