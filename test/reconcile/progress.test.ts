import { ScanProgress } from '../../reconcile/progress';

describe('the progress line of a rebuild or drift check', () => {
  it('says items per second, each table (done once all its segments are) and an ETA from the item counts', () => {
    // Prepare
    const progress = new ScanProgress(0, { 'chat-sessions': 2, messages: 2, escalations: 1 }, { 'chat-sessions': 1000, messages: 9000, escalations: 50 });

    // Act
    progress.read('chat-sessions', 1000);
    progress.segmentDone('chat-sessions');
    progress.segmentDone('chat-sessions');
    progress.read('messages', 3000);
    progress.read('escalations', 50);

    // Assess: 4,050 items in 2 s; 6,000 messages left at 2,025 items/s
    expect(progress.line('rebuild', 2000)).toBe(
      'rebuild 2.0 s: 4,050 items, 2,025 items/s | chat-sessions 1,000/~1,000 done | messages 3,000/~9,000 | escalations 50/~50 | ETA 3 s',
    );
  });

  it('has no ETA without item counts (DynamoDB shows 0 before its first refresh)', () => {
    const progress = new ScanProgress(0, { 'chat-sessions': 1, messages: 1, escalations: 1 }, { 'chat-sessions': 0, messages: 10 });

    progress.read('messages', 5);

    expect(progress.line('drift', 1000)).toMatch(/chat-sessions 0 \| messages 5\/~10 \| escalations 0 \| ETA unknown$/);
  });
});
