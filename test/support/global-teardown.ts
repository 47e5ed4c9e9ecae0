import type { Engine } from '../../local/engines';

export default async function globalTeardown(): Promise<void> {
  const engines = (globalThis as { __ENGINES__?: Engine[] }).__ENGINES__ ?? [];
  await Promise.all(engines.map((engine) => engine.close()));
}
