import type { EventBridgeEvent } from 'aws-lambda';
import { createEventBridgeIngest } from '../functions/eventbridge-ingest';
import { countDeadLettered, withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: true });
const ingest = createEventBridgeIngest(runtime);

export const handler = withObservability(async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const { deadLettered } = await ingest(event);
  countDeadLettered(deadLettered);
}, runtime.store);
