import { createRealtimeRead } from '../../functions/realtime-read';
import { realTimeMetricsSchema } from '../../schemas/realtime-metrics';
import { DynamoDbMetricsStore } from '../../store/dynamodb-metrics-store';
import { testClients } from '../support/engines';
import { httpRequest, pipelineAt } from './support';

const T = Date.parse('2026-05-04T10:00:00Z');

describe('GET /admin/realtime', () => {
  it('answers the document, schema-valid, with a short private cache', async () => {
    const pipeline = await pipelineAt(T);
    await pipeline.publish([{ eventId: 'x', type: 'escalation.created', occurredAt: '2026-05-04T09:58:00Z', escalationId: 'x', priority: 'high' }]);
    await pipeline.drain();

    const response = await createRealtimeRead(pipeline.runtime)(httpRequest('GET', '/admin/realtime'));

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('private, max-age=1');
    const document = realTimeMetricsSchema.parse(JSON.parse(String(response.body)));
    expect(document.realTimeEscalations).toMatchObject({ pending: 1, oldestPendingAge: 120 });
  });

  it('refuses other methods and paths with clear 4xx answers', async () => {
    const read = createRealtimeRead((await pipelineAt(T)).runtime);
    expect((await read(httpRequest('POST', '/admin/realtime'))).statusCode).toBe(405);
    expect((await read(httpRequest('GET', '/admin/other'))).statusCode).toBe(404);
  });

  it('answers 503 without internals when the store fails', async () => {
    const pipeline = await pipelineAt(T);
    // A table that is not there: the engine's real ResourceNotFoundException names it.
    const broken = new DynamoDbMetricsStore({ client: testClients().dynamo, tableName: 'secret-table-name' });
    const errors: unknown[] = [];
    const response = await createRealtimeRead({ ...pipeline.runtime, store: broken }, (error) => errors.push(error))(httpRequest('GET', '/admin/realtime'));
    expect(response.statusCode).toBe(503);
    expect(String(response.body)).not.toContain('secret');
    expect(errors).toHaveLength(1);
  });
});
