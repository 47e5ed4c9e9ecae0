import { z } from 'zod';
import { type LabelPolicy, labelPolicy } from '../aggregators/labels';
import { DEFAULT_LABEL_LISTS } from './label-lists';
import { assertTimeZone } from '../aggregators/time';
import { DEFAULT_SERVICE_LEVEL_SECONDS } from '../aggregators/entity-contributions';
import { DEFAULT_ALERT_THRESHOLDS } from '../schemas/alert-rules';
import { ConfigurationError } from '../errors';

export const DEFAULT_WRITE_BACK_QUIET_SECONDS = 120;

const number = (fallback: number) => z.coerce.number().finite().nonnegative().default(fallback);

/**
 * Everything Clara Pulse reads from its environment, parsed once at cold start. Endpoints are
 * not here: the SDK reads `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_KINESIS`, … itself, so
 * the same code runs against dynalite and kinesalite locally and against AWS in the cloud.
 */
/** A comma-separated allow-list of labels; each family is bounded (aggregators/labels.ts). */
const labelList = (fallback: readonly string[]) =>
  z
    .string()
    .default(fallback.join(','))
    .transform((list) => [
      ...new Set(
        list
          .split(',')
          .map((label) => label.trim())
          .filter(Boolean),
      ),
    ])
    .refine((labels) => labels.length <= MAX_LABELS, `at most ${MAX_LABELS} labels`);
const MAX_LABELS = 64;

const serviceLevelSchema = z.object({
  /** An escalation served within this many seconds of its creation is within the service level (SPEC §4.1). */
  SERVICE_LEVEL_SECONDS: number(DEFAULT_SERVICE_LEVEL_SECONDS),
});

/** SERVICE_LEVEL_SECONDS alone, for the local stack, which takes no other setting from its environment; throws naming the key. */
export const parseServiceLevelSeconds = (env: Record<string, string | undefined>): number => parseOrThrow(serviceLevelSchema, env).SERVICE_LEVEL_SECONDS;

const settingsSchema = z.object({
  METRICS_TABLE: z.string().min(1),
  PULSE_STREAM: z.string().min(1),
  METRICS_TIME_ZONE: z
    .string()
    .default('UTC')
    .refine((zone) => {
      try {
        assertTimeZone(zone);
        return true;
      } catch {
        return false;
      }
    }, 'not an IANA time zone'),
  /** SQS queue for records that will never decode; unset only where a local sink is wired instead. */
  DEAD_LETTER_QUEUE_URL: z.string().min(1).optional(),
  /** SQS queue of batches and events Lambda gave up on; the tick counts both queues for on-call. */
  FAILED_BATCHES_QUEUE_URL: z.string().min(1).optional(),
  /** Producer table names, so a stream record's ARN tells which table it came from. */
  CHAT_SESSIONS_TABLE: z.string().min(1).default('chat-sessions'),
  MESSAGES_TABLE: z.string().min(1).default('messages'),
  ESCALATIONS_TABLE: z.string().min(1).default('escalations'),
  ...serviceLevelSchema.shape,
  READ_CAPACITY_BUDGET: number(100),
  WRITE_CAPACITY_BUDGET: number(100),
  METRIC_LANGUAGES: labelList(DEFAULT_LABEL_LISTS.languages),
  METRIC_REGIONS: labelList(DEFAULT_LABEL_LISTS.regions),
  METRIC_FUNCTION_NAMES: labelList(DEFAULT_LABEL_LISTS.functionNames),
  ALERT_PENDING_ESCALATIONS: number(DEFAULT_ALERT_THRESHOLDS.pendingEscalations),
  ALERT_OLDEST_PENDING_SECONDS: number(DEFAULT_ALERT_THRESHOLDS.oldestPendingAgeSeconds),
  ALERT_CRITICAL_OPEN: number(DEFAULT_ALERT_THRESHOLDS.criticalOpenEscalations),
  ALERT_ERROR_RATE: number(DEFAULT_ALERT_THRESHOLDS.errorRate),
  ALERT_P95_MS: number(DEFAULT_ALERT_THRESHOLDS.responseTimeP95Ms),
  ALERT_CPU_PERCENT: number(DEFAULT_ALERT_THRESHOLDS.cpuUsagePercent),
  ALERT_SOURCE_LAG_SECONDS: number(DEFAULT_ALERT_THRESHOLDS.sourceLagSeconds),
  ALERT_SERVICE_LEVEL: z.coerce.number().min(0).max(1).default(DEFAULT_ALERT_THRESHOLDS.serviceLevel),
  ALERT_SERVICE_LEVEL_MIN_SERVED: z.coerce.number().int().nonnegative().default(DEFAULT_ALERT_THRESHOLDS.serviceLevelMinimumServed),
  /** How long an entity must be quiet before the aggregator writes its journaled state to its item; 0 turns the journal off. */
  WRITE_BACK_QUIET_SECONDS: number(DEFAULT_WRITE_BACK_QUIET_SECONDS),
});

export type Environment = z.input<typeof settingsSchema>;

export interface Settings {
  metricsTable: string;
  pulseStream: string;
  timeZone: string;
  serviceLevelSeconds: number;
  deadLetterQueueUrl?: string;
  failedBatchesQueueUrl?: string;
  producerTables: { chatSessions: string; messages: string; escalations: string };
  readCapacityBudget: number;
  writeCapacityBudget: number;
  thresholds: typeof DEFAULT_ALERT_THRESHOLDS;
  /** Which producer-chosen labels get counters of their own; the rest count as `other`. */
  labels: LabelPolicy;
  /** docs/metrics-model.md, "The write-back journal"; 0: every batch writes entity items. */
  writeBackQuietSeconds: number;
}

/** Parses the environment; throws a ConfigurationError naming the first bad or missing key. */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const e = parseOrThrow(settingsSchema, env);
  return {
    metricsTable: e.METRICS_TABLE,
    pulseStream: e.PULSE_STREAM,
    timeZone: e.METRICS_TIME_ZONE,
    serviceLevelSeconds: e.SERVICE_LEVEL_SECONDS,
    ...(e.DEAD_LETTER_QUEUE_URL !== undefined && { deadLetterQueueUrl: e.DEAD_LETTER_QUEUE_URL }),
    ...(e.FAILED_BATCHES_QUEUE_URL !== undefined && { failedBatchesQueueUrl: e.FAILED_BATCHES_QUEUE_URL }),
    producerTables: { chatSessions: e.CHAT_SESSIONS_TABLE, messages: e.MESSAGES_TABLE, escalations: e.ESCALATIONS_TABLE },
    readCapacityBudget: e.READ_CAPACITY_BUDGET || 1,
    writeCapacityBudget: e.WRITE_CAPACITY_BUDGET || 1,
    labels: labelPolicy({ languages: e.METRIC_LANGUAGES, regions: e.METRIC_REGIONS, functionNames: e.METRIC_FUNCTION_NAMES }),
    writeBackQuietSeconds: e.WRITE_BACK_QUIET_SECONDS,
    thresholds: {
      pendingEscalations: e.ALERT_PENDING_ESCALATIONS,
      oldestPendingAgeSeconds: e.ALERT_OLDEST_PENDING_SECONDS,
      criticalOpenEscalations: e.ALERT_CRITICAL_OPEN,
      errorRate: e.ALERT_ERROR_RATE,
      responseTimeP95Ms: e.ALERT_P95_MS,
      cpuUsagePercent: e.ALERT_CPU_PERCENT,
      sourceLagSeconds: e.ALERT_SOURCE_LAG_SECONDS,
      serviceLevel: e.ALERT_SERVICE_LEVEL,
      serviceLevelMinimumServed: e.ALERT_SERVICE_LEVEL_MIN_SERVED,
    },
  };
}

// ---- pushed updates on AWS: read only by the two functions of the viewer WebSocket API ----

const viewerConnectionsSchema = z.object({
  /** Who is connected: connection id → when the viewer's token expires. */
  VIEWER_CONNECTIONS_TABLE: z.string().min(1),
  /** The Cognito user pool's JWT issuer and the dashboard's app client id: the HTTP API authorizer's parameters. */
  VIEWER_TOKEN_ISSUER: z.url({ protocol: /^https?$/ }),
  VIEWER_TOKEN_AUDIENCE: z.string().min(1),
  /** The admin front end's origin(s), comma-separated (the adminOrigin stage parameter). */
  ADMIN_ORIGINS: z.string().min(1),
});

const pusherSchema = z.object({
  VIEWER_CONNECTIONS_TABLE: z.string().min(1),
  /** `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`: where PostToConnection is sent. */
  WEBSOCKET_MANAGEMENT_ENDPOINT: z.url({ protocol: /^https$/ }),
  /** At most one read of the document per interval, whatever the number of viewers; never below a second. */
  PUSH_INTERVAL_MS: z.coerce.number().int().min(1000).default(1000),
});

export type ViewerPushEnvironment = z.input<typeof viewerConnectionsSchema> & z.input<typeof pusherSchema>;

export interface ViewerConnectionSettings {
  connectionsTable: string;
  tokenIssuer: string;
  tokenAudience: string;
  adminOrigins: string[];
}

export interface PusherSettings {
  connectionsTable: string;
  managementEndpoint: string;
  intervalMs: number;
}

/** Parses an environment with `schema`; throws a ConfigurationError naming the first bad or missing key. */
export function parseOrThrow<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigurationError(String(issue.path[0] ?? '?'), issue.message);
  }
  return parsed.data;
}

/** The $connect/$disconnect function's settings; throws a ConfigurationError naming the first bad or missing key. */
export function parseViewerConnectionSettings(env: Record<string, string | undefined>): ViewerConnectionSettings {
  const e = parseOrThrow(viewerConnectionsSchema, env);
  return {
    connectionsTable: e.VIEWER_CONNECTIONS_TABLE,
    tokenIssuer: e.VIEWER_TOKEN_ISSUER,
    tokenAudience: e.VIEWER_TOKEN_AUDIENCE,
    adminOrigins: e.ADMIN_ORIGINS.split(',').map((origin) => origin.trim()),
  };
}

/** The pusher's settings; throws a ConfigurationError naming the first bad or missing key. */
export function parsePusherSettings(env: Record<string, string | undefined>): PusherSettings {
  const e = parseOrThrow(pusherSchema, env);
  return {
    connectionsTable: e.VIEWER_CONNECTIONS_TABLE,
    managementEndpoint: e.WEBSOCKET_MANAGEMENT_ENDPOINT.replace(/\/$/, ''),
    intervalMs: e.PUSH_INTERVAL_MS,
  };
}
