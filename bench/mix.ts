/**
 * The standard ADA Clara mix, seeded: what the chatbot's producers emit, in time order.
 *
 * - Conversations arrive at random (Poisson); 65 % English, 35 % Spanish; users come back (a
 *   shared pool), 10 % are anonymous; regions from a short list, 15 % without one.
 * - Each has 1–6 turns: a user message, then a bot message 0.2–15 s later carrying its
 *   processing time; one `conversation.activity`; 85 % end 30 s–5 min after the last turn.
 * - 8 % escalate: created (priorities low/medium/high/critical, some legacy `urgent`); 85 % are
 *   assigned within 10 min and then resolved (97 %) or failed within 20 min; the others are
 *   abandoned (failed) within 10–40 min. Every escalation closes within the hour.
 * - Telemetry per bot reply: the chat API's `request.completed` (~1 % 5xx, ~2 % 4xx) and one or
 *   two `function.invocation`s (chat processor, RAG query). Three hosts send a
 *   `system.sample` every 10 s.
 *
 * That is about 19.6 events per conversation: half of them about an entity (conversation or
 * escalation), half telemetry.
 */
import type { CanonicalEventInput } from '../schemas/canonical-events';
import { seededRandom } from './stats';

export interface MixOptions {
  seed: number;
  /** How many events: the last `count` events up to `endMs`. */
  count: number;
  endMs: number;
  /** Average event rate the timestamps are spread at. */
  eventsPerSecond: number;
  /** Which events to keep (all by default); the others are drawn all the same, so the kept ones do not change. */
  keep?: (type: CanonicalEventInput['type']) => boolean;
}

const EVENTS_PER_CONVERSATION = 19.6;
/** The longest a conversation of this mix lasts (6 turns of up to 105 s, then its end): how far back it starts. */
const LONGEST_CONVERSATION_MS = 20 * 60_000;
const LANGUAGES = ['en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'en', 'es', 'es', 'es', 'es', 'es', 'es', 'es'];
const REGIONS = ['US-TX', 'US-CA', 'US-FL', 'US-NY', 'US-IL', 'US-AZ', 'US-GA', 'PR'];
const HOSTS = ['chat-api-1', 'chat-api-2', 'rag-1'];
const SAMPLES_PER_SECOND = HOSTS.length / 10;

type EventBody = CanonicalEventInput extends infer E ? (E extends unknown ? Omit<E, 'eventId' | 'occurredAt'> : never) : never;

export function standardMix(options: MixOptions): CanonicalEventInput[] {
  const random = seededRandom(options.seed);
  const between = (min: number, max: number) => min + random() * (max - min);
  const chance = (p: number) => random() < p;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  // Conversations start from well before the window, so that it opens on a steady state: at
  // 10,000 events/s, 100k events are 10 s of traffic from some 300k conversations under way.
  const windowMs = (options.count / options.eventsPerSecond) * 1000 * 1.3;
  const windowStart = options.endMs - windowMs;
  const startMs = windowStart - LONGEST_CONVERSATION_MS;
  const conversationsPerMs = Math.max(0, options.eventsPerSecond - SAMPLES_PER_SECOND) / EVENTS_PER_CONVERSATION / 1000;
  const userPool = Math.max(50, Math.round(((windowMs + LONGEST_CONVERSATION_MS) * conversationsPerMs) / 3));

  const drafts: { at: number; body: EventBody }[] = [];
  const emit = (at: number, body: EventBody) => {
    if (at >= windowStart && at <= options.endMs && (options.keep?.(body.type) ?? true)) drafts.push({ at: Math.round(at), body });
  };

  let conversations = 0;
  for (let t = startMs; t < options.endMs; t += -Math.log(1 - random()) / conversationsPerMs) {
    const conversationId = `c-${options.seed}-${++conversations}`;
    const anonymous = chance(0.1);
    emit(t, {
      type: 'conversation.started',
      conversationId,
      language: pick(LANGUAGES),
      ...(!anonymous && { userId: `u-${options.seed}-${Math.floor(random() * userPool)}` }),
      ...(chance(0.85) && { region: pick(REGIONS) }),
    });
    let at = t;
    const turns = 1 + Math.floor(random() * 6);
    const escalateAt = chance(0.08) ? Math.floor(random() * turns) : -1;
    for (let turn = 0; turn < turns; turn++) {
      at += between(5_000, 90_000);
      emit(at, { type: 'message.sent', conversationId, messageId: `${conversationId}-m${turn}u`, sender: 'user' });
      const processingTimeMs = Math.round(Math.min(15_000, Math.max(150, Math.exp(between(5.5, 8.2)))));
      at += processingTimeMs;
      emit(at, { type: 'message.sent', conversationId, messageId: `${conversationId}-m${turn}b`, sender: 'bot', processingTimeMs });
      const status = chance(0.01) ? 500 : chance(0.02) ? 429 : 200;
      emit(at, { type: 'request.completed', service: 'chat-api', latencyMs: processingTimeMs + Math.round(between(20, 120)), statusCode: status });
      emit(at, {
        type: 'function.invocation',
        functionName: 'ada-clara-chat-processor',
        durationMs: Math.round(processingTimeMs * 0.9),
        error: status >= 500,
        throttled: chance(0.002),
      });
      if (chance(0.75))
        emit(at, {
          type: 'function.invocation',
          functionName: 'ada-clara-rag-query',
          durationMs: Math.round(between(80, 900)),
          error: false,
          throttled: false,
        });
      if (turn === escalateAt) escalate(`${conversationId}-e`, conversationId, at);
    }
    emit(at + between(1_000, 30_000), { type: 'conversation.activity', conversationId });
    if (chance(0.85)) emit(at + between(30_000, 300_000), { type: 'conversation.ended', conversationId });
  }

  function escalate(escalationId: string, conversationId: string, createdAt: number): void {
    const priority = chance(0.03) ? 'urgent' : pick(['low', 'low', 'medium', 'medium', 'medium', 'high', 'high', 'critical'] as const);
    emit(createdAt + 500, { type: 'escalation.created', escalationId, conversationId, priority });
    if (chance(0.85)) {
      const assignedAt = createdAt + between(10_000, 600_000);
      emit(assignedAt, { type: 'escalation.assigned', escalationId });
      emit(assignedAt + between(60_000, 1_200_000), { type: chance(0.97) ? 'escalation.resolved' : 'escalation.failed', escalationId });
    } else {
      emit(createdAt + between(600_000, 2_400_000), { type: 'escalation.failed', escalationId });
    }
  }

  for (let t = Math.ceil(startMs / 10_000) * 10_000; t <= options.endMs; t += 10_000) {
    for (const source of HOSTS) {
      emit(t + between(0, 500), {
        type: 'system.sample',
        source,
        cpuPercent: Math.round(between(15, 70) * 4) / 4,
        memoryPercent: Math.round(between(40, 75) * 4) / 4,
        diskPercent: Math.round(between(30, 35) * 4) / 4,
        ...(chance(0.8) && { networkLatencyMs: Math.round(between(2, 40)) }),
      });
    }
  }

  drafts.sort((a, b) => a.at - b.at);
  const kept = drafts.slice(Math.max(0, drafts.length - options.count));
  return kept.map(({ at, body }, i) => ({ eventId: `e-${options.seed}-${i}`, occurredAt: new Date(at).toISOString(), ...body }) as CanonicalEventInput);
}

/** How the mix splits by event type (for the report). */
export function mixShares(events: readonly CanonicalEventInput[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;
  return Object.fromEntries(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([type, n]) => [type, Math.round((n / events.length) * 1000) / 1000]),
  );
}
