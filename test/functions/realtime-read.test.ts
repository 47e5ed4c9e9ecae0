import { createRealtimeRead } from '../../functions/realtime-read';
import { createTick } from '../../functions/tick';
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

  it('looks back with ?at=: the document as it stood then, queue included', async () => {
    const pipeline = await pipelineAt(T);
    await pipeline.publish([
      { eventId: 'c', type: 'escalation.created', occurredAt: '2026-05-03T20:00:00Z', escalationId: 'x', priority: 'urgent' },
      { eventId: 'a', type: 'escalation.assigned', occurredAt: '2026-05-04T08:00:00Z', escalationId: 'x' },
    ]);
    await pipeline.drain();
    await createTick(pipeline.runtime, { publish: () => undefined })(); // what the 1-minute tick records of each source
    const read = createRealtimeRead(pipeline.runtime);

    const then = realTimeMetricsSchema.parse(JSON.parse(String((await read(httpRequest('GET', '/admin/realtime', { at: '2026-05-04T07:59:30Z' }))).body)));
    const now = realTimeMetricsSchema.parse(JSON.parse(String((await read(httpRequest('GET', '/admin/realtime'))).body)));

    expect(then.timestamp).toBe('2026-05-04T07:59:30.000Z');
    // at 07:59:30 it had waited 11 h 59 min 30 s, and was critical and pending
    expect(then.realTimeEscalations).toMatchObject({ pending: 1, inProgress: 0, criticalCount: 1, oldestPendingAge: 43_170 });
    expect(now.realTimeEscalations).toMatchObject({ pending: 0, inProgress: 1, criticalCount: 1, oldestPendingAge: 0 });
    // freshness always describes now: looking back, as the tick last recorded it
    expect(then.freshness).toEqual(now.freshness);
  });

  it.each([
    ['yesterday', 'at must be an ISO-8601 instant'],
    ['2026-05-04', 'at must be an ISO-8601 instant'],
    ['2026-05-02T09:59:59Z', 'more than 48 hours back'],
    ['2026-05-04T10:05:01Z', 'more than 5 minutes ahead'],
  ])('answers 400 with what is wrong for at=%s', async (at, reason) => {
    const read = createRealtimeRead((await pipelineAt(T)).runtime);
    const response = await read(httpRequest('GET', '/admin/realtime', { at }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(String(response.body)).error).toContain(reason);
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
