import { startDynalite, startKinesalite } from '../../local/engines';

// One in-memory dynalite and one kinesalite for the whole run, on free loopback ports. Each
// test creates its own uniquely named tables and streams, so files never see each other's data.
export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynalite();
  const kinesis = await startKinesalite();
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.TEST_KINESIS_ENDPOINT = kinesis.endpoint;
  (globalThis as { __ENGINES__?: unknown }).__ENGINES__ = [dynamo, kinesis];
}
