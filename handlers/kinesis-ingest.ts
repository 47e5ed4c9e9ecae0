import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createKinesisIngest } from '../functions/kinesis-ingest';
import { countDeadLettered, logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: true });
const ingest = createKinesisIngest(runtime);

export const handler = withObservability(async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const { response, deadLettered, outcome } = await ingest(event);
  countDeadLettered(deadLettered);
  if (outcome.errors.length > 0) logger.error('batch not fully committed', { failedFromSeq: outcome.failedFromSeq, error: outcome.errors[0] });
  return response;
}, runtime.store);
