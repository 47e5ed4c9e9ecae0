import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createDynamoDbStreamIngest } from '../functions/dynamodb-stream-ingest';
import { countDeadLettered, logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: true });
const ingest = createDynamoDbStreamIngest(runtime);

export const handler = withObservability(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const { response, deadLettered, error } = await ingest(event);
  countDeadLettered(deadLettered);
  if (error !== undefined) logger.error('batch not passed on; it will be retried', { error });
  return response;
}, runtime.store);
