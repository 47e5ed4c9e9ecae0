import { StreamWriteError } from '../../errors';
import { Pacer } from '../../reconcile/pacer';
import { TimeOrderedHandOver } from '../../reconcile/time-ordered-hand-over';
import type { PulseRecord } from '../../schemas/pulse-events';

const record = (minute: number): PulseRecord => ({
  source: 'dynamodb-streams',
  enteredAt: 0,
  event: {
    eventId: `m-${minute}`,
    type: 'message.sent',
    occurredAt: new Date(Date.UTC(2026, 2, 10, 0, minute)).toISOString(),
    conversationId: `c-${minute % 3}`,
    messageId: `m-${minute}`,
    sender: 'user',
  },
});

const minutesOf = (records: readonly PulseRecord[]) => records.map((r) => new Date(r.event.occurredAt).getUTCMinutes());

describe('handing a rebuild’s events on in time order', () => {
  it('holds them until it has `capacity`, then puts them on oldest first; flush puts on the rest', async () => {
    // Prepare
    const calls: PulseRecord[][] = [];
    const handOver = new TimeOrderedHandOver({ forward: async (records) => void calls.push([...records]) }, new Pacer(1e9), 4);

    // Act
    await handOver.add([record(30), record(5)]);
    const heldBack = calls.length;
    await handOver.add([record(50), record(1), record(20)]);
    await handOver.add([record(7)]);
    await handOver.flush();

    // Assess
    expect(heldBack).toBe(0);
    expect(calls.map(minutesOf)).toEqual([[1, 5, 20, 30, 50], [7]]);
    expect(handOver.handedOn).toBe(6);
  });

  it('waits out a stream that keeps refusing records, but stops at anything else', async () => {
    // Prepare
    let refusals = 1;
    const handed: PulseRecord[] = [];
    const throttled = new TimeOrderedHandOver(
      {
        forward: async (records) => {
          if (refusals-- > 0) throw new StreamWriteError('1 record(s) not accepted');
          handed.push(...records);
        },
      },
      new Pacer(1e9),
    );
    const broken = new TimeOrderedHandOver({ forward: () => Promise.reject(new Error('access denied')) }, new Pacer(1e9));

    // Act
    await throttled.add([record(1)]);
    await throttled.flush();
    await broken.add([record(2)]);

    // Assess
    expect(minutesOf(handed)).toEqual([1]);
    await expect(broken.flush()).rejects.toThrow('access denied');
  });
});
