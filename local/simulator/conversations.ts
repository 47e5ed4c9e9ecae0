import { randomUUID } from 'node:crypto';
import type { Producers } from './producers';
import type { TrafficModel } from './traffic-model';

/** Waits; resolves false when the simulator is stopping (the script then just ends). */
export type Sleep = (ms: number) => Promise<boolean>;

/** Where a conversation happens: the web chat writes the chat tables; the SMS line puts events on the bus. */
type Channel = 'web' | 'sms';

export interface ScriptContext {
  model: TrafficModel;
  producers: Producers;
  /** The time of a step: now for live traffic, a point in the past for the history. */
  clock: { now(): number; sleep: Sleep };
  /** Runs a script beside this one, from this one's present (its own clock, for the history). */
  spawn: (script: (ctx: ScriptContext) => Promise<void>) => void;
  counts: { conversations: number; escalations: number };
}

const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 13)}`;
const iso = (ms: number) => new Date(ms).toISOString();
const THIRTY_DAYS_S = 30 * 86_400;

/** One conversation of ADA Clara, from greeting to goodbye (or to the user just leaving). */
export async function conversation(ctx: ScriptContext, options: { userId?: string | undefined; exchanges?: number; escalate?: boolean } = {}): Promise<void> {
  const { model, producers, clock } = ctx;
  const channel: Channel = model.chance(0.8) ? 'web' : 'sms';
  const conversationId = id('sess');
  const userId = 'userId' in options ? options.userId : model.user();
  const language = model.language();
  const region = model.region();
  const start = iso(clock.now());
  ctx.counts.conversations++;
  if (channel === 'web') {
    await producers.putSession({
      sessionId: conversationId,
      userId,
      language,
      region,
      status: 'active',
      startTime: start,
      lastActivity: start,
      messageCount: 0,
      ttl: Math.floor(Date.parse(start) / 1000) + THIRTY_DAYS_S,
    });
  } else {
    producers.emit('ada-clara.chat', {
      eventId: randomUUID(),
      type: 'conversation.started',
      occurredAt: start,
      conversationId,
      ...(userId && { userId }),
      language,
      ...(region && { region }),
    });
  }

  const exchanges = options.exchanges ?? 1 + Math.floor(model.random() * 6);
  const escalateAt = (options.escalate ?? model.chance(0.12)) ? Math.floor(model.random() * exchanges) : -1;
  let messageCount = 0;
  const message = async (sender: 'user' | 'bot', processingTime?: number) => {
    const at = iso(clock.now());
    const messageId = id('msg');
    if (channel === 'web')
      await producers.putMessage({ conversationId, timestamp: at, messageId, sender, language, ...(processingTime !== undefined && { processingTime }) });
    else
      producers.emit('ada-clara.chat', {
        eventId: randomUUID(),
        type: 'message.sent',
        occurredAt: at,
        conversationId,
        messageId,
        sender,
        ...(processingTime !== undefined && { processingTimeMs: processingTime }),
      });
    const service = channel === 'web' ? 'chat-api' : 'sms-gateway';
    producers.record({
      eventId: randomUUID(),
      type: 'request.completed',
      occurredAt: at,
      service,
      latencyMs: (processingTime ?? 0) + Math.round(model.between(20, 180)),
      statusCode: model.statusCode(),
    });
    if (processingTime !== undefined) {
      producers.emit('ada-clara.telemetry', {
        eventId: randomUUID(),
        type: 'function.invocation',
        occurredAt: at,
        functionName: 'ada-clara-chat-processor',
        durationMs: processingTime + 15,
        error: model.chance(0.005),
        throttled: model.chance(0.002),
      });
    }
    messageCount++;
    return at;
  };

  for (let i = 0; i < exchanges; i++) {
    if (!(await clock.sleep(i === 0 ? model.between(2000, 8000) : model.between(8000, 45000)))) return;
    await message('user');
    const processing = model.processingTimeMs();
    if (!(await clock.sleep(processing))) return;
    const answeredAt = await message('bot', processing);
    if (channel === 'web') await producers.touchSession(conversationId, answeredAt, messageCount);
    if (i === escalateAt) ctx.spawn((forked) => escalation(forked, conversationId));
  }
  // One in five just leaves: the conversation goes quiet and drops out of the live count.
  if (model.chance(0.2) || !(await clock.sleep(model.between(5000, 30000)))) return;
  const end = iso(clock.now());
  if (channel === 'web') await producers.endSession(conversationId, end);
  else producers.emit('ada-clara.chat', { eventId: randomUUID(), type: 'conversation.ended', occurredAt: end, conversationId });
}

/** A hand-off to a human agent: pending in the queue, then assigned, then resolved (or failed). */
export async function escalation(ctx: ScriptContext, sessionId: string): Promise<void> {
  const { model, producers, clock } = ctx;
  const escalationId = id('esc');
  const priority = model.priority();
  ctx.counts.escalations++;
  await producers.putEscalation({ escalationId, sessionId, priority, status: 'pending', timestamp: iso(clock.now()) });
  producers.emit('ada-clara.telemetry', {
    eventId: randomUUID(),
    type: 'function.invocation',
    occurredAt: iso(clock.now()),
    functionName: 'ada-clara-escalation-handler',
    durationMs: Math.round(model.between(40, 400)),
    error: false,
    throttled: false,
  });
  await settle(ctx, escalationId, priority === 'critical' || priority === 'urgent', 'pending');
}

/** Moves an open escalation on to its end, as the agents' desk does. */
export async function settle(ctx: ScriptContext, escalationId: string, urgent: boolean, status: 'pending' | 'in_progress'): Promise<void> {
  const { model, producers, clock } = ctx;
  if (status === 'pending') {
    if (model.chance(0.03)) {
      if (await clock.sleep(model.between(120_000, 400_000))) await producers.moveEscalation(escalationId, 'failed', iso(clock.now()));
      return;
    }
    if (!(await clock.sleep(urgent ? model.between(10_000, 60_000) : model.between(20_000, 240_000)))) return;
    await producers.moveEscalation(escalationId, 'in_progress', iso(clock.now()));
  }
  if (!(await clock.sleep(model.between(60_000, 600_000)))) return;
  await producers.moveEscalation(escalationId, model.chance(0.92) ? 'resolved' : 'failed', iso(clock.now()));
}

/** The hosts behind ADA Clara report their load every 10 s. */
export async function hostSamples(ctx: ScriptContext, everyMs = 10_000): Promise<void> {
  const hosts = ['chat-api-1', 'chat-api-2', 'bedrock-proxy-1'];
  const load = hosts.map(() => ctx.model.between(25, 55));
  do {
    hosts.forEach((source, i) => {
      load[i] = Math.min(97, Math.max(5, load[i]! + ctx.model.between(-6, 6)));
      ctx.producers.record({
        eventId: randomUUID(),
        type: 'system.sample',
        occurredAt: iso(ctx.clock.now()),
        source,
        cpuPercent: Math.round(load[i]! * 10) / 10,
        memoryPercent: Math.round(ctx.model.between(45, 70) * 10) / 10,
        diskPercent: Math.round(ctx.model.between(35, 40) * 10) / 10,
        networkLatencyMs: Math.round(ctx.model.between(5, 40)),
      });
    });
  } while (await ctx.clock.sleep(everyMs));
}
