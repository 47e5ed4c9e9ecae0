import { z } from 'zod';
import { ALERT_IDS, ALERT_SEVERITIES, FRESHNESS_SOURCES } from './alert-rules';

/**
 * The output document of `GET /admin/realtime` (SPEC §4). Every object is strict, so a field
 * that is not in the contract fails validation. Constraints are the ones the contract and
 * docs/semantics.md guarantee; cross-field relations (e.g. `activeConnections =
 * activeUsers.total`) are not checked here.
 */

const isoInstant = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();
const positiveCount = z.number().int().positive();
const finite = z.number().finite();
const nonNegative = finite.nonnegative();
const share = finite.min(0).max(1);
const percent = finite.min(0).max(100);

/** `en` and `es` always present; any other language only while it has live conversations. */
const byLanguageSchema = z.object({ en: count, es: count }).catchall(positiveCount);

/** Only regions with at least one active conversation; no region is reported as `unknown`. */
const byRegionSchema = z.record(z.string().min(1), positiveCount);

const lambdaFunctionMetricsSchema = z
  .object({ invocations: positiveCount, errors: count, duration: nonNegative, throttles: count })
  .strict()
  .refine((f) => f.errors <= f.invocations && f.throttles <= f.invocations, {
    message: 'errors and throttles cannot exceed invocations',
  });

export const liveConversationsSchema = z
  .object({
    total: count,
    byLanguage: byLanguageSchema,
    /** mean seconds; may be negative only if producers send an end before its start */
    averageDuration: finite,
    newInLastMinute: count,
  })
  .strict();

export const activeUsersSchema = z
  .object({
    total: count,
    unique: count,
    returning: count,
    byRegion: byRegionSchema,
    peakConcurrent: count,
  })
  .strict();

/** How many pending escalations `oldestPending` lists (SPEC §4.1). */
export const OLDEST_PENDING_LISTED = 5;

/** One pending escalation as the desk lists it: no conversation, no personal data. */
export const pendingEscalationSchema = z
  .object({
    escalationId: z.string().min(1),
    /** `urgent` is read as `critical` */
    priority: z.enum(['low', 'medium', 'high', 'critical']),
    /** whole seconds since its creation, not below 0 (as `oldestPendingAge`) */
    ageSeconds: count,
  })
  .strict();

export const realTimeEscalationsSchema = z
  .object({
    pending: count,
    inProgress: count,
    resolved: count,
    /** mean seconds; may be negative only if producers send a serving time before the creation */
    averageWaitTime: finite,
    criticalCount: count,
    oldestPendingAge: nonNegative,
    /** of the escalations served today, the share served within SERVICE_LEVEL_SECONDS; null when none was */
    serviceLevel: share.nullable(),
    /** escalations whose (earliest) failure is today and that are still failed */
    failedToday: count,
    /** the oldest pending escalations, oldest creation first (ties by escalationId) */
    oldestPending: z.array(pendingEscalationSchema).max(OLDEST_PENDING_LISTED),
  })
  .strict();

export const responseTimePercentilesSchema = z.object({ p50: nonNegative, p95: nonNegative, p99: nonNegative }).strict();

export const dynamoDbMetricsSchema = z
  .object({
    readCapacityUtilization: nonNegative,
    writeCapacityUtilization: nonNegative,
    throttledRequests: count,
    successfulRequests: count,
  })
  .strict();

export const systemPerformanceSchema = z
  .object({
    responseTime: responseTimePercentilesSchema.nullable(),
    cpuUsage: percent.nullable(),
    memoryUsage: percent.nullable(),
    diskUsage: percent.nullable(),
    networkLatency: nonNegative.nullable(),
    errorRate: share,
    throughput: nonNegative,
    lambdaMetrics: z.record(z.string().min(1), lambdaFunctionMetricsSchema),
    dynamoDbMetrics: dynamoDbMetricsSchema,
  })
  .strict();

export const alertSchema = z
  .object({
    id: z.enum(ALERT_IDS),
    severity: z.enum(ALERT_SEVERITIES),
    message: z.string(),
    /** since when the rule has been firing */
    timestamp: isoInstant,
    resolved: z.literal(false),
  })
  .strict();

export const sourceFreshnessSchema = z
  .object({
    newestEventAt: isoInstant.nullable(),
    lastAppliedAt: isoInstant.nullable(),
    lagSeconds: nonNegative.nullable(),
  })
  .strict();

const [dynamodbStreams, eventbridge, kinesis] = FRESHNESS_SOURCES;

export const freshnessSchema = z
  .object({
    [dynamodbStreams]: sourceFreshnessSchema,
    [eventbridge]: sourceFreshnessSchema,
    [kinesis]: sourceFreshnessSchema,
  })
  .strict();

/** The last hour minute by minute (SPEC §4.1): one entry per minute bucket of W_60, oldest first. */
export const seriesSchema = z
  .object({
    minutes: z.array(isoInstant).length(60),
    messages: z.array(count).length(60),
    conversationsStarted: z.array(count).length(60),
    escalationsCreated: z.array(count).length(60),
    liveConversations: z.array(count).length(60),
    activeUsers: z.array(count).length(60),
    /** p95 of bot processing times in that minute alone; null when it had none */
    responseTimeP95: z.array(nonNegative.nullable()).length(60),
  })
  .strict();

export const realTimeMetricsSchema = z
  .object({
    timestamp: isoInstant,
    activeConnections: count,
    messagesLastHour: count,
    escalationsToday: count,
    systemLoad: share,
    responseTime: nonNegative,
    liveConversations: liveConversationsSchema,
    activeUsers: activeUsersSchema,
    realTimeEscalations: realTimeEscalationsSchema,
    systemPerformance: systemPerformanceSchema,
    alerts: z.array(alertSchema),
    freshness: freshnessSchema,
    series: seriesSchema,
  })
  .strict();

export type RealTimeMetrics = z.infer<typeof realTimeMetricsSchema>;
export type LambdaFunctionMetrics = z.infer<typeof lambdaFunctionMetricsSchema>;
export type DynamoDbMetrics = z.infer<typeof dynamoDbMetricsSchema>;
export type Alert = z.infer<typeof alertSchema>;
export type PendingEscalation = z.infer<typeof pendingEscalationSchema>;
export type SourceFreshness = z.infer<typeof sourceFreshnessSchema>;
export type Freshness = z.infer<typeof freshnessSchema>;
export type Series = z.infer<typeof seriesSchema>;
