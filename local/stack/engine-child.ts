import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { Engine } from '../engines';
import type { EngineKind, EngineMessage } from './engine-process';

/** Starts an engine in a child process (through tsx, as `npm start` runs) and waits until it listens. */
export function startEngineChild(kind: EngineKind, options: { port: number; path?: string; onPut?: () => void }): Promise<Engine> {
  const child = fork(join(__dirname, 'engine-process.ts'), [kind, String(options.port), options.path ?? ''], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group: Ctrl-C or a SIGTERM to the stack's group must not kill the engines
    // before the stack has drained into them. It ends when told, or when the parent is gone.
    detached: true,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} exited with ${code} before it listened`)));
    child.on('message', (message: EngineMessage) => {
      if ('put' in message) return options.onPut?.();
      if ('failed' in message) return reject(new Error(`${kind}: ${message.failed}`));
      resolve({
        endpoint: message.ready,
        close: async () => {
          if (child.exitCode === null && child.connected) child.send('close');
          await exited;
        },
      });
    });
  });
}
