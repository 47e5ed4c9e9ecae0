import { createPulseAggregator } from '../functions/pulse-aggregator';
import { kinesisEntry } from './kinesis-entry';

export const handler = kinesisEntry(createPulseAggregator);
