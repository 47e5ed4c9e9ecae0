import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GaugeName, PENDING_IN_SLOT_PREFIX, queueSlotOf } from '../../aggregators/counters';
import { GAUGES_ITEM, pendingItem } from '../../store/layout';
import { ON_CALL_METRICS, OnCallMetric } from '../../config/on-call-metrics';
import { createTick, type OnCallValue } from '../../functions/tick';
import { DEFAULT_ALERT_THRESHOLDS } from '../../schemas/alert-rules';
import { testClients } from '../support/engines';
import { pipelineAt } from './support';

const T = Date.parse('2026-05-04T10:00:00Z');

describe('the 1-minute tick', () => {
  it('publishes the on-call numbers of the document and remembers since when an alert fires', async () => {
    // Prepare: a critical escalation pending since 09:50.
    let now = T;
    const pipeline = await pipelineAt(T);
    await pipeline.publish([{ eventId: 'x', type: 'escalation.created', occurredAt: '2026-05-04T09:50:00Z', escalationId: 'x', priority: 'critical' }]);
    await pipeline.drain();
    const published: OnCallValue[][] = [];
    const tick = createTick({ ...pipeline.runtime, now: () => now }, { publish: (values) => void published.push([...values]) });

    // Act: two ticks a minute apart.
    await tick();
    now += 60_000;
    const document = await tick();

    // Assess
    expect(published[0]).toEqual(
      expect.arrayContaining([
        { name: OnCallMetric.pendingEscalations, value: 1 },
        { name: OnCallMetric.criticalOpen, value: 1 },
        { name: OnCallMetric.oldestPendingAge, value: 600 },
        // the two rates watched by anomaly detection, as the document counts them
        { name: OnCallMetric.escalationsCreatedToday, value: 1 },
        { name: OnCallMetric.messagesLastHour, value: 0 },
      ]),
    );
    const critical = document.alerts.find((alert) => alert.id === 'escalation-critical-open');
    expect(critical?.timestamp).toBe(new Date(T).toISOString());
  });
});

describe('the tick and the dead letters', () => {
  it('publishes how many dead letters wait, and nothing for them when they cannot be counted', async () => {
    const pipeline = await pipelineAt(T);
    const published: OnCallValue[][] = [];
    const publisher = { publish: (values: readonly OnCallValue[]) => void published.push([...values]) };

    await createTick(pipeline.runtime, publisher, async () => 7)();
    await createTick(pipeline.runtime, publisher, async () => undefined)();

    const deadLetters = published.map((values) => values.filter((value) => value.name === OnCallMetric.deadLettersWaiting));
    expect(deadLetters).toEqual([[{ name: 'DeadLettersWaiting', value: 7 }], []]);
    // …and on-call has an alarm on it, as on every metric of the list (test/deploy checks the template).
    expect(ON_CALL_METRICS.find((metric) => metric.name === OnCallMetric.deadLettersWaiting)).toMatchObject({ threshold: 0, statistic: 'Maximum' });
  });
});

describe('the gauge item', () => {
  it('stays small: the tick removes the queue of a minute with nothing pending any more', async () => {
    const pipeline = await pipelineAt(T);
    // Two deliveries, so the pending counter is written and later brought back to zero.
    await pipeline.publish([{ eventId: 'c', type: 'escalation.created', occurredAt: '2026-05-04T09:50:00Z', escalationId: 'x', priority: 'low' }]);
    await pipeline.drain();
    await pipeline.publish([{ eventId: 'r', type: 'escalation.resolved', occurredAt: '2026-05-04T09:55:00Z', escalationId: 'x' }]);
    await pipeline.drain();
    const item = async (key: string) => {
      const found = (
        await testClients().dynamo.send(new GetItemCommand({ TableName: pipeline.names.metricsTable, Key: { pk: { S: key } }, ConsistentRead: true }))
      ).Item;
      return found ? unmarshall(found) : undefined;
    };
    const slot = queueSlotOf(Date.parse('2026-05-04T09:50:00Z'));
    expect((await item(GAUGES_ITEM))?.[GaugeName.pendingInSlot(slot)]).toBe(0); // back at zero, still there
    expect(await item(pendingItem(slot))).toBeDefined();

    await createTick(pipeline.runtime, { publish: () => undefined })();

    expect(Object.keys((await item(GAUGES_ITEM)) ?? {}).filter((name) => name.startsWith(PENDING_IN_SLOT_PREFIX))).toEqual([]);
    expect(await item(pendingItem(slot))).toBeUndefined();
    expect((await pipeline.read(T)).realTimeEscalations).toMatchObject({ pending: 0, resolved: 1 });
  });
});

describe('the on-call metric list', () => {
  it('alarms at the same thresholds as the dashboard alerts', () => {
    const threshold = (name: string) => ON_CALL_METRICS.find((metric) => metric.name === name)?.threshold;
    expect(threshold(OnCallMetric.pendingEscalations)).toBe(DEFAULT_ALERT_THRESHOLDS.pendingEscalations);
    expect(threshold(OnCallMetric.oldestPendingAge)).toBe(DEFAULT_ALERT_THRESHOLDS.oldestPendingAgeSeconds);
    expect(threshold(OnCallMetric.criticalOpen)).toBe(DEFAULT_ALERT_THRESHOLDS.criticalOpenEscalations);
    expect(threshold(OnCallMetric.errorRate)).toBe(DEFAULT_ALERT_THRESHOLDS.errorRate);
    expect(threshold(OnCallMetric.responseTimeP95)).toBe(DEFAULT_ALERT_THRESHOLDS.responseTimeP95Ms);
    expect(threshold(OnCallMetric.sourceLag)).toBe(DEFAULT_ALERT_THRESHOLDS.sourceLagSeconds);
  });
});
