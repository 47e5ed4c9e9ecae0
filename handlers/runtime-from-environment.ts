import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parseSettings } from '../config/settings';
import type { Runtime } from '../functions/runtime';
import { DynamoDbMetricsStore } from '../store/dynamodb-metrics-store';
import { ConfigurationError } from '../errors';
import type { DeadLetterSink } from '../streams/dead-letters';
import { KinesisEventForwarder } from '../streams/kinesis-event-forwarder';
import { SqsDeadLetters } from '../streams/sqs-dead-letters';

/**
 * The runtime of a deployed function, built once at cold start. Endpoints come from the SDK's
 * own variables (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_KINESIS`, `AWS_ENDPOINT_URL_SQS`),
 * so the same build runs against local engines and AWS.
 */
export function runtimeFromEnvironment(needs: { deadLetters: boolean }): Runtime {
  const settings = parseSettings(process.env);
  const store = new DynamoDbMetricsStore({ client: new DynamoDBClient({}), tableName: settings.metricsTable });
  // HTTP/1.1 keeps one client for AWS and kinesalite, whose HTTP/2 support the SDK default trips over.
  const kinesis = new KinesisClient({ requestHandler: new NodeHttpHandler() });
  return {
    settings,
    store,
    forwarder: new KinesisEventForwarder(kinesis, settings.pulseStream),
    deadLetters: needs.deadLetters ? sqsDeadLetters(settings.deadLetterQueueUrl) : refusingDeadLetters,
    now: Date.now,
  };
}

function sqsDeadLetters(queueUrl: string | undefined): DeadLetterSink {
  if (!queueUrl) throw new ConfigurationError('DEAD_LETTER_QUEUE_URL', 'required by functions that park bad records');
  return new SqsDeadLetters(new SQSClient({}), queueUrl);
}

/** For functions that never park records: parking one would be a wiring mistake, said loudly. */
const refusingDeadLetters: DeadLetterSink = {
  send: async (letters) => {
    if (letters.length > 0) throw new ConfigurationError('DEAD_LETTER_QUEUE_URL', 'this function has no dead-letter queue');
  },
};
