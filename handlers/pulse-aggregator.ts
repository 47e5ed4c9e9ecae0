import { createPulseAggregator } from '../functions/pulse-aggregator';
import { LaneStates, writeBackPolicyOf } from '../pipeline/lane-states';
import { kinesisEntry } from './kinesis-entry';
import { countLaneJournalRead } from './observability';

export const handler = kinesisEntry((runtime) =>
  createPulseAggregator(runtime, new LaneStates(writeBackPolicyOf(runtime.settings.writeBackQuietSeconds), countLaneJournalRead)),
);
