import { countAt } from '../../aggregators/coverage';
import { MinuteName, minuteCounter, SERIES_BLOCK_MINUTES, seriesCounter } from '../../aggregators/counters';
import { DEFAULT_SERVICE_LEVEL_SECONDS, type FoldContext } from '../../aggregators/entity-contributions';
import { userKey } from '../../aggregators/entity-routing';
import { foldEntityBatch, type LaneRecord, type StoredEntity } from '../../aggregators/fold-lane';
import { DEFAULT_LABEL_POLICY } from '../../aggregators/labels';
import { padSequence } from '../../aggregators/sequence';
import { canonicalEventSchema, type CanonicalEventInput } from '../../schemas/canonical-events';
import type { PulseEvent } from '../../schemas/pulse-events';

const LANE = 'pulse/shard-0';
const UTC: FoldContext = { timeZone: 'UTC', labels: DEFAULT_LABEL_POLICY, serviceLevelSeconds: DEFAULT_SERVICE_LEVEL_SECONDS };
const record = (seq: number, event: CanonicalEventInput): LaneRecord => ({ seq: String(seq), event: canonicalEventSchema.parse(event) });
const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

describe('foldEntityBatch', () => {
  it('gives a record no deltas when the stored state already holds it (a retried batch)', () => {
    // Prepare
    const start = record(1, { eventId: 'a', type: 'conversation.started', occurredAt: '2026-01-01T10:00:00Z', conversationId: 'c', language: 'en' });
    const first = foldEntityBatch([start], new Map(), UTC, LANE);
    const write = first.entityWrites[0]!;
    const stored = new Map<string, StoredEntity>([[write.key, { state: write.state, appliedSeq: write.appliedSeq }]]);

    // Act
    const again = foldEntityBatch([start], stored, UTC, LANE);

    // Assess
    expect(first.units).toHaveLength(1);
    expect(again.units).toEqual([]);
    expect(again.entityWrites).toEqual([]);
  });

  it('counts a repeated event once: the second copy changes no state', () => {
    const message = { eventId: 'm', type: 'message.sent', occurredAt: '2026-01-01T10:00:05Z', conversationId: 'c', messageId: 'm1', sender: 'user' } as const;
    const fold = foldEntityBatch([record(1, message), record(2, { ...message, eventId: 'm-again' })], new Map(), UTC, LANE);
    expect(fold.units).toHaveLength(1);
    expect(fold.units[0]!.deltas.get(minuteCounter(minute(message.occurredAt), MinuteName.messages))).toBe(1);
  });

  it('takes a conversation out of the live windows from the minute it ends, whatever the order', () => {
    const started = { eventId: 's', type: 'conversation.started', occurredAt: '2026-01-01T10:00:00Z', conversationId: 'c', language: 'es' } as const;
    const ended = { eventId: 'e', type: 'conversation.ended', occurredAt: '2026-01-01T10:03:00Z', conversationId: 'c' } as const;
    // The live total at each minute of the hour, from the entries the fold gave.
    const liveByMinute = (records: LaneRecord[]) => {
      const entries = new Map<number, number>();
      for (const unit of foldEntityBatch(records, new Map(), UTC, LANE).units) {
        for (let m = 600; m < 660; m++) {
          const key = seriesCounter(minute('2026-01-01T00:00:00Z') + m, 'live');
          entries.set(m, (entries.get(m) ?? 0) + (unit.deltas.get(key) ?? 0));
        }
      }
      return Array.from({ length: 60 }, (_, i) => countAt(entries, 600 + i, SERIES_BLOCK_MINUTES));
    };
    // Live from its start (10:00) until the minute it ended (10:03), as the document at each minute's end says.
    const untilEnd = [1, 1, 1, ...Array(57).fill(0)];
    expect(liveByMinute([record(1, started)]).slice(0, 30)).toEqual(Array(30).fill(1));
    expect(liveByMinute([record(1, started), record(2, ended)])).toEqual(untilEnd);
    expect(liveByMinute([record(1, ended), record(2, started)])).toEqual(untilEnd);
  });

  it('withdraws a stale activity minute from the user when an earlier start arrives late', () => {
    // A retried start at 10:25 arrives first; the real (earlier) start at 10:10 arrives later.
    const late = record(1, {
      eventId: 'b',
      type: 'conversation.started',
      occurredAt: '2026-01-01T10:25:00Z',
      conversationId: 'c',
      userId: 'u',
      language: 'en',
    });
    const early = record(2, {
      eventId: 'a',
      type: 'conversation.started',
      occurredAt: '2026-01-01T10:10:00Z',
      conversationId: 'c',
      userId: 'u',
      language: 'en',
    });
    const first = foldEntityBatch([late], new Map(), UTC, LANE);
    const stored = new Map(first.entityWrites.map((w) => [w.key, { state: w.state, appliedSeq: w.appliedSeq }]));

    const second = foldEntityBatch([early], stored, UTC, LANE);

    const share = second.forwards.map((f) => f.share).find((s) => s.userId === 'u')!;
    expect(share.start).toBe(Date.parse('2026-01-01T10:10:00Z'));
    expect(share.activity).toEqual([minute('2026-01-01T10:10:00Z')]);
    expect(share.revision).toBe(`${LANE}|${padSequence('2')}`);
  });

  it('keeps the newest share of each conversation in the user state and ignores a stale one', () => {
    const share = (seq: number, activity: number[]): LaneRecord => ({
      seq: String(seq),
      event: {
        eventId: `share-${seq}`,
        type: 'user.share',
        occurredAt: '2026-01-01T10:00:00Z',
        userId: 'u',
        conversationId: 'c',
        revision: `${LANE}|${padSequence(String(seq))}`,
        start: Date.parse('2026-01-01T10:00:00Z'),
        activity,
      } satisfies PulseEvent,
    });
    const fold = foldEntityBatch([share(5, [1, 2]), share(3, [1, 2, 99])], new Map(), UTC, LANE);
    const user = fold.entityWrites.find((w) => w.key === userKey('u'))!.state;
    expect(user).toMatchObject({ kind: 'user', conversations: { c: { activity: [1, 2] } } });
  });
});
