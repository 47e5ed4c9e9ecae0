import { whyShortOfAim } from '../../local/simulator/simulator';

describe('--rate N', () => {
  it('says what the simulator delivers when it falls short, and why', () => {
    const minutes = (n: number) => n * 60_000;
    expect(whyShortOfAim({ lastMinute: 850, aimingAt: 1000, loopLateMs: 80, liveForMs: minutes(10) })).toBeNull();
    expect(whyShortOfAim({ lastMinute: 377, aimingAt: 1000, loopLateMs: 47, liveForMs: minutes(1) })).toMatch(/^this machine's limit: .* runs 47 ms late$/);
    expect(whyShortOfAim({ lastMinute: 30, aimingAt: 100, loopLateMs: 2, liveForMs: minutes(1) })).toMatch(/^building up/);
    expect(whyShortOfAim({ lastMinute: 60, aimingAt: 100, loopLateMs: 2, liveForMs: minutes(10) })).toMatch(/^the traffic model writes less/);
  });
});
