import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import { unitOfOnCallMetric } from '../config/on-call-metrics';
import { createTick, type DeadLetterCounter, type OnCallPublisher } from '../functions/tick';
import { queuedMessages } from '../streams/sqs-dead-letters';
import { logger, metrics, withObservability } from './observability';
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

/** CloudWatch's `None` is Powertools' `NoUnit`; the other units share their names. */
const unitOf = (name: string): (typeof MetricUnit)[keyof typeof MetricUnit] => {
  const unit = unitOfOnCallMetric(name);
  return unit === 'None' ? MetricUnit.NoUnit : (unit as (typeof MetricUnit)[keyof typeof MetricUnit]);
};

/** EMF through Powertools: values with extra dimensions go out as single metrics of their own. */
const emf: OnCallPublisher = {
  publish: (values) => {
    for (const { name, value, dimensions } of values) {
      if (!dimensions) {
        metrics.addMetric(name, unitOf(name), value);
        continue;
      }
      const single = metrics.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
      single.addMetric(name, unitOf(name), value);
    }
  },
};

const tick = createTick(runtime, emf, countDeadLetters);

export const handler = withObservability(async (): Promise<void> => {
  await tick();
}, runtime.store);
