import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReconcileTargetError } from '../../errors';
import { type STACK_OUTPUTS, stageTarget } from '../../local/reconcile-target';

/** What CloudFormation's DescribeStacks answers (query protocol, XML), for one stack with these outputs. */
const describeStacksXml = (
  stackName: string,
  outputs: Record<string, string>,
) => `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member>
    <StackName>${stackName}</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime>
    <Outputs>${Object.entries(outputs)
      .map(([key, value]) => `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`)
      .join('')}</Outputs>
  </member></Stacks></DescribeStacksResult>
  <ResponseMetadata><RequestId>test</RequestId></ResponseMetadata>
</DescribeStacksResponse>`;

const OUTPUTS: Record<(typeof STACK_OUTPUTS)[number], string> = {
  MetricsTableName: 'clara-pulse-prod-metrics',
  PulseEventsStreamName: 'clara-pulse-prod-pulse-events',
  ChatSessionsTableName: 'chat-sessions',
  MessagesTableName: 'messages',
  EscalationsTableName: 'escalations',
  MetricsTimeZone: 'America/Chicago',
  ServiceLevelSeconds: '90',
  DeadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/clara-pulse-prod-dead-letters',
  RebuildQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/clara-pulse-prod-rebuild',
  RebuildConcurrency: '4',
};

describe('--stage NAME: the deployed stack’s outputs, read with CloudFormation DescribeStacks', () => {
  let server: Server;
  let outputs: Record<string, string>;
  const asked: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    // A stand-in for CloudFormation on 127.0.0.1: nothing here reaches AWS.
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        asked.push(new URLSearchParams(body).get('StackName') ?? '');
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(describeStacksXml('clara-pulse-prod', outputs));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_CLOUDFORMATION: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  it('names the tables, the stream, the time zone, the service level and the queues of the stage', async () => {
    // Prepare
    outputs = OUTPUTS;

    // Act
    const target = await stageTarget('prod');
    target.close();

    // Assess
    expect(asked.at(-1)).toBe('clara-pulse-prod');
    expect(target.settings).toMatchObject({
      metricsTable: 'clara-pulse-prod-metrics',
      pulseStream: 'clara-pulse-prod-pulse-events',
      timeZone: 'America/Chicago',
      serviceLevelSeconds: 90,
      producerTables: { chatSessions: 'chat-sessions', messages: 'messages', escalations: 'escalations' },
    });
    expect(target.rebuildQueue).toMatchObject({ url: OUTPUTS.RebuildQueueUrl, concurrency: 4 });
  });

  it('says which output is missing when the stage runs an older serverless.yml', async () => {
    // Prepare
    const { RebuildQueueUrl: _missing, ...older } = OUTPUTS;
    outputs = older;

    // Act
    const attempt = stageTarget('prod');

    // Assess
    await expect(attempt).rejects.toThrow(ReconcileTargetError);
    await expect(attempt).rejects.toThrow('the stack clara-pulse-prod has no output RebuildQueueUrl');
  });
});
