import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unitOfOnCallMetric } from '../config/on-call-metrics';
import { createTick, type OnCallPublisher } from '../functions/tick';
import { metrics, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });

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

const tick = createTick(runtime, emf);

export const handler = withObservability(async (): Promise<void> => {
  await tick();
}, runtime.store);
