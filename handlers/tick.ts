import { createTick } from '../functions/tick';
import { onCallEmf } from './on-call-emf';
import { withObservability } from './observability';
import { runtimeFromEnvironment } from './runtime-from-environment';

const runtime = runtimeFromEnvironment({ deadLetters: false });
const tick = createTick(runtime, onCallEmf);

export const handler = withObservability(async (): Promise<void> => {
  await tick();
}, runtime.store);
