import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { parseReconcileSettings } from '../config/reconcile-settings';
import { ConfigurationError } from '../errors';
import { createRebuildSegment } from '../functions/rebuild-segment';
import { sendSegmentTasks } from '../reconcile/segment-queue';
import { logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: true });
const queueUrl = parseReconcileSettings(process.env).rebuildQueueUrl;
if (!queueUrl) throw new ConfigurationError('REBUILD_QUEUE_URL', 'required by rebuildSegment to hand the rest of a segment on');
const sqs = new SQSClient({});
const rebuild = createRebuildSegment({
  ...runtime,
  // A long Scan rides out throttling on the SDK's own backoff rather than failing the segment.
  dynamo: new DynamoDBClient({ maxAttempts: 10 }),
  enqueue: (tasks) => sendSegmentTasks(sqs, queueUrl, tasks),
});

export const handler = withObservability(async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
  const { response, done, failures } = await rebuild(event, () => context.getRemainingTimeInMillis());
  for (const segment of done) logger.info('rebuild segment', { ...segment });
  for (const { messageId, error } of failures) logger.error('rebuild segment failed; SQS delivers it again', { messageId, error });
  return response;
}, runtime.store);
