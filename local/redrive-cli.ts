import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { REDRIVE_PATH } from './stack/api-server';
import { stackFile } from './stack/stack-info';

/**
 * `npm run redrive`: asks the running local stack to invoke `eventbridgeIngest` again with every
 * EventBridge event whose attempts all failed (the on-failure destination's letters in
 * `.local/dead-letters.jsonl`). Their letters move to `dead-letters.jsonl.redriven`. On AWS the
 * same is a re-invocation with each on-failure message's `requestPayload` (docs/deploy.md).
 */
const stackFileSchema = z.object({ api: z.string().url(), adminToken: z.string().min(1) });

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'state-dir': { type: 'string', default: '.local' } } });
  const path = stackFile(values['state-dir']);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    process.stderr.write(`no ${path}: start the local stack with \`npm start\` first\n`);
    return 2;
  }
  const { api, adminToken } = stackFileSchema.parse(JSON.parse(text));
  const response = await fetch(`${api}${REDRIVE_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  const body = await response.text();
  if (!response.ok) {
    process.stderr.write(`the stack answered ${response.status}: ${body}\n`);
    return 1;
  }
  process.stdout.write(`${body}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`redrive failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
