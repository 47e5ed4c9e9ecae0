import { DEFAULT_WRITE_BACK_QUIET_SECONDS, type Settings } from '../../config/settings';
import { DEFAULT_LABEL_POLICY } from '../../aggregators/labels';
import { DEFAULT_SERVICE_LEVEL_SECONDS } from '../../aggregators/entity-contributions';
import { DEFAULT_ALERT_THRESHOLDS } from '../../schemas/alert-rules';

/** The account and region every local ARN and envelope carries; nothing here ever reaches AWS. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/**
 * Names of the local resources — the ones `.local/stack.json` hands to producers — as
 * serverless.yml names them for a stage called `local` (the producer tables keep their own names).
 */
export const STACK_NAMES = {
  tables: { chatSessions: 'chat-sessions', messages: 'messages', escalations: 'escalations', metrics: 'clara-pulse-local-metrics' },
  telemetryStream: 'clara-pulse-local-telemetry',
  pulseStream: 'clara-pulse-local-pulse-events',
  eventBusName: 'clara-pulse-local',
} as const;

/** The functions as they are named in lambdaMetrics (serverless' `<service>-<stage>-<function>`). */
export const FUNCTION_NAMES = {
  dynamodbStreamIngest: 'clara-pulse-local-dynamodbStreamIngest',
  eventBridgeIngest: 'clara-pulse-local-eventbridgeIngest',
  kinesisIngest: 'clara-pulse-local-kinesisIngest',
  pulseAggregator: 'clara-pulse-local-pulseAggregator',
  realtimeRead: 'clara-pulse-local-realtimeRead',
  tick: 'clara-pulse-local-tick',
  apiDescription: 'clara-pulse-local-apiDescription',
  realtimePusher: 'clara-pulse-local-realtimePusher',
} as const;

export const LOCAL_FUNCTION_NAMES: readonly string[] = Object.values(FUNCTION_NAMES);

/** The settings every local function runs with, as the deployed ones read them from their environment. */
export function localSettings(timeZone: string, serviceLevelSeconds = DEFAULT_SERVICE_LEVEL_SECONDS): Settings {
  const { chatSessions, messages, escalations, metrics } = STACK_NAMES.tables;
  return {
    metricsTable: metrics,
    pulseStream: STACK_NAMES.pulseStream,
    timeZone,
    serviceLevelSeconds,
    producerTables: { chatSessions, messages, escalations },
    readCapacityBudget: 100,
    writeCapacityBudget: 100,
    thresholds: DEFAULT_ALERT_THRESHOLDS,
    labels: DEFAULT_LABEL_POLICY,
    writeBackQuietSeconds: DEFAULT_WRITE_BACK_QUIET_SECONDS,
  };
}
