import { createPulseAggregator } from '../functions/pulse-aggregator';
import { laneStatesFor } from '../pipeline/lane-states';
import { kinesisEntry } from './kinesis-entry';
import { countLaneJournalRead } from './observability';

export const handler = kinesisEntry((runtime) => createPulseAggregator(runtime, laneStatesFor(runtime.settings, countLaneJournalRead)));
