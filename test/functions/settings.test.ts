import { parsePusherSettings, parseSettings, parseViewerConnectionSettings } from '../../config/settings';
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
    expect(settings.serviceLevelSeconds).toBe(120);
    expect(settings.thresholds).toMatchObject({ serviceLevel: 0.8, serviceLevelMinimumServed: 5 });
  });

  it('reads the service level and its alert, refusing bad values by name', () => {
    const settings = parseSettings({ ...complete, SERVICE_LEVEL_SECONDS: '90', ALERT_SERVICE_LEVEL: '0.95', ALERT_SERVICE_LEVEL_MIN_SERVED: '10' });
    expect(settings.serviceLevelSeconds).toBe(90);
    expect(settings.thresholds).toMatchObject({ serviceLevel: 0.95, serviceLevelMinimumServed: 10 });
    expect(() => parseSettings({ ...complete, SERVICE_LEVEL_SECONDS: 'two minutes' })).toThrow(/SERVICE_LEVEL_SECONDS/);
    expect(() => parseSettings({ ...complete, SERVICE_LEVEL_SECONDS: '-1' })).toThrow(/SERVICE_LEVEL_SECONDS/);
    expect(() => parseSettings({ ...complete, ALERT_SERVICE_LEVEL: '80' })).toThrow(/ALERT_SERVICE_LEVEL/);
    expect(() => parseSettings({ ...complete, ALERT_SERVICE_LEVEL_MIN_SERVED: '2.5' })).toThrow(/ALERT_SERVICE_LEVEL_MIN_SERVED/);
  });
});

describe('configuration of the viewer WebSocket API', () => {
  const connections = {
    VIEWER_CONNECTIONS_TABLE: 'viewers',
    VIEWER_TOKEN_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X',
    VIEWER_TOKEN_AUDIENCE: 'client',
    ADMIN_ORIGINS: 'https://admin.example.org, http://localhost:5173',
  };

  it('reads the issuer, the audience and the admin origins of $connect', () => {
    expect(parseViewerConnectionSettings(connections)).toEqual({
      connectionsTable: 'viewers',
      tokenIssuer: connections.VIEWER_TOKEN_ISSUER,
      tokenAudience: 'client',
      adminOrigins: ['https://admin.example.org', 'http://localhost:5173'],
    });
    expect(() => parseViewerConnectionSettings({ ...connections, VIEWER_TOKEN_ISSUER: 'cognito' })).toThrow(/VIEWER_TOKEN_ISSUER/);
  });

  it('holds the pusher to at most one read a second', () => {
    const pusher = { VIEWER_CONNECTIONS_TABLE: 'viewers', WEBSOCKET_MANAGEMENT_ENDPOINT: 'https://abc.execute-api.us-east-1.amazonaws.com/prod/' };
    expect(parsePusherSettings(pusher)).toEqual({
      connectionsTable: 'viewers',
      managementEndpoint: 'https://abc.execute-api.us-east-1.amazonaws.com/prod',
      intervalMs: 1000,
    });
    expect(() => parsePusherSettings({ ...pusher, PUSH_INTERVAL_MS: '200' })).toThrow(/PUSH_INTERVAL_MS/);
    expect(() => parsePusherSettings({ ...pusher, WEBSOCKET_MANAGEMENT_ENDPOINT: 'http://abc.example.org/prod' })).toThrow(/WEBSOCKET_MANAGEMENT_ENDPOINT/);
  });
});
