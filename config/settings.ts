import { z } from 'zod';
import { assertTimeZone } from '../aggregators/time';
import { DEFAULT_ALERT_THRESHOLDS } from '../schemas/alert-rules';
import { ConfigurationError } from '../errors';

const number = (fallback: number) => z.coerce.number().finite().nonnegative().default(fallback);

/**
 * Everything Clara Pulse reads from its environment, parsed once at cold start. Endpoints are
 * not here: the SDK reads `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_KINESIS`, … itself, so
 * the same code runs against dynalite and kinesalite locally and against AWS in the cloud.
 */
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
  READ_CAPACITY_BUDGET: number(100),
  WRITE_CAPACITY_BUDGET: number(100),
  ALERT_PENDING_ESCALATIONS: number(DEFAULT_ALERT_THRESHOLDS.pendingEscalations),
  ALERT_OLDEST_PENDING_SECONDS: number(DEFAULT_ALERT_THRESHOLDS.oldestPendingAgeSeconds),
  ALERT_CRITICAL_OPEN: number(DEFAULT_ALERT_THRESHOLDS.criticalOpenEscalations),
  ALERT_ERROR_RATE: number(DEFAULT_ALERT_THRESHOLDS.errorRate),
  ALERT_P95_MS: number(DEFAULT_ALERT_THRESHOLDS.responseTimeP95Ms),
  ALERT_CPU_PERCENT: number(DEFAULT_ALERT_THRESHOLDS.cpuUsagePercent),
  ALERT_SOURCE_LAG_SECONDS: number(DEFAULT_ALERT_THRESHOLDS.sourceLagSeconds),
});

export type Environment = z.input<typeof settingsSchema>;

export interface Settings {
  metricsTable: string;
  pulseStream: string;
  timeZone: string;
  deadLetterQueueUrl?: string;
  failedBatchesQueueUrl?: string;
  producerTables: { chatSessions: string; messages: string; escalations: string };
  readCapacityBudget: number;
  writeCapacityBudget: number;
  thresholds: typeof DEFAULT_ALERT_THRESHOLDS;
}

/** Parses the environment; throws a ConfigurationError naming the first bad or missing key. */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigurationError(String(issue.path[0] ?? '?'), issue.message);
  }
  const e = parsed.data;
  return {
    metricsTable: e.METRICS_TABLE,
    pulseStream: e.PULSE_STREAM,
    timeZone: e.METRICS_TIME_ZONE,
    ...(e.DEAD_LETTER_QUEUE_URL !== undefined && { deadLetterQueueUrl: e.DEAD_LETTER_QUEUE_URL }),
    ...(e.FAILED_BATCHES_QUEUE_URL !== undefined && { failedBatchesQueueUrl: e.FAILED_BATCHES_QUEUE_URL }),
    producerTables: { chatSessions: e.CHAT_SESSIONS_TABLE, messages: e.MESSAGES_TABLE, escalations: e.ESCALATIONS_TABLE },
    readCapacityBudget: e.READ_CAPACITY_BUDGET || 1,
    writeCapacityBudget: e.WRITE_CAPACITY_BUDGET || 1,
    thresholds: {
      pendingEscalations: e.ALERT_PENDING_ESCALATIONS,
      oldestPendingAgeSeconds: e.ALERT_OLDEST_PENDING_SECONDS,
      criticalOpenEscalations: e.ALERT_CRITICAL_OPEN,
      errorRate: e.ALERT_ERROR_RATE,
      responseTimeP95Ms: e.ALERT_P95_MS,
      cpuUsagePercent: e.ALERT_CPU_PERCENT,
      sourceLagSeconds: e.ALERT_SOURCE_LAG_SECONDS,
    },
  };
}
