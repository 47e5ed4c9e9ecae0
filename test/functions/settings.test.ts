import { parseSettings } from '../../config/settings';
import { ConfigurationError } from '../../errors';

describe('configuration', () => {
  const complete = { METRICS_TABLE: 'metrics', PULSE_STREAM: 'pulse' };

  it('fails fast naming the missing key', () => {
    expect(() => parseSettings({ PULSE_STREAM: 'pulse' })).toThrow(ConfigurationError);
    expect(() => parseSettings({ PULSE_STREAM: 'pulse' })).toThrow(/METRICS_TABLE/);
  });

  it('refuses a time zone the runtime does not know, by name', () => {
    expect(() => parseSettings({ ...complete, METRICS_TIME_ZONE: 'Mars/Olympus' })).toThrow(/METRICS_TIME_ZONE/);
  });

  it('reads thresholds and defaults', () => {
    const settings = parseSettings({ ...complete, ALERT_PENDING_ESCALATIONS: '25' });
    expect(settings.thresholds.pendingEscalations).toBe(25);
    expect(settings.timeZone).toBe('UTC');
  });
});
