import { localDynamoClient, localKinesisClient } from '../../local/engines';

/** Clients for the engines that the jest global setup started. */
export function testClients() {
  const dynamo = process.env.TEST_DYNAMODB_ENDPOINT;
  const kinesis = process.env.TEST_KINESIS_ENDPOINT;
  if (!dynamo || !kinesis) throw new Error('engines not started: run the tests through jest (test/support/global-setup.ts)');
  return { dynamo: localDynamoClient(dynamo), kinesis: localKinesisClient(kinesis) };
}
