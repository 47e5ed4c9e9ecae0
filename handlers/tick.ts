import { SQSClient } from '@aws-sdk/client-sqs';
import { createTick, type DeadLetterCounter } from '../functions/tick';
import { queuedMessages } from '../streams/sqs-dead-letters';
import { onCallEmf } from './on-call-emf';
import { logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const deadLetterQueues = [runtime.settings.deadLetterQueueUrl, runtime.settings.failedBatchesQueueUrl].filter((url): url is string => url !== undefined);
const sqs = new SQSClient({});

/** Both queues' depth; if SQS does not answer, the tick publishes the rest and says why this one is missing. */
const countDeadLetters: DeadLetterCounter = async () => {
  if (deadLetterQueues.length === 0) return undefined;
  try {
    return await queuedMessages(sqs, deadLetterQueues);
  } catch (error) {
    logger.warn('dead-letter queues not counted this minute', { error });
    return undefined;
  }
};

const tick = createTick(runtime, onCallEmf, countDeadLetters);

export const handler = withObservability(async (): Promise<void> => {
  await tick();
}, runtime.store);
