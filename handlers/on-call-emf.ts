import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { unitOfOnCallMetric } from '../config/on-call-metrics';
import type { OnCallPublisher } from '../functions/tick';
import { metrics } from './observability';

/** CloudWatch's `None` is Powertools' `NoUnit`; the other units share their names. */
const unitOf = (name: string): (typeof MetricUnit)[keyof typeof MetricUnit] => {
  const unit = unitOfOnCallMetric(name);
  return unit === 'None' ? MetricUnit.NoUnit : (unit as (typeof MetricUnit)[keyof typeof MetricUnit]);
};

/** On-call values as EMF through Powertools: values with extra dimensions go out as single metrics of their own. */
export const onCallEmf: OnCallPublisher = {
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
