import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { KinesisBatchResult } from '../functions/kinesis-batch';
import type { Runtime } from '../functions/runtime';
import { countDeadLettered, logger, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

/** The Lambda entry point of a Kinesis-fed function: count what was parked, log what did not commit. */
export function kinesisEntry(create: (runtime: Runtime) => (event: KinesisStreamEvent) => Promise<KinesisBatchResult>) {
  const runtime = runtimeFromEnvironment({ deadLetters: true });
  const process = create(runtime);
  return withObservability(async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    const { response, deadLettered, outcome } = await process(event);
    countDeadLettered(deadLettered);
    if (outcome.errors.length > 0)
      logger.error(outcome.failedFromSeq === undefined ? 'batch committed; a write after its commit failed' : 'batch not fully committed', {
        failedFromSeq: outcome.failedFromSeq,
        error: outcome.errors[0],
      });
    return response;
  }, runtime.store);
}
