import { fork } from 'node:child_process';
import { join } from 'node:path';
import { PortInUseError } from '../../errors';
import type { Engine } from '../engines';
import type { EngineKind, EngineMessage } from './engine-process';

export interface EngineChildOptions {
  port: number;
  /** What the engine stands in for and the `npm start` flag that chooses its port, for a port-in-use message. */
  portName?: { what: string; flag: string };
  /** Where it keeps its data; in memory without. */
  path?: string;
  onPut?: () => void;
}

/** Starts an engine in a child process (through tsx, as `npm start` runs) and waits until it listens. */
export function startEngineChild(kind: EngineKind, options: EngineChildOptions): Promise<Engine> {
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
      if ('portInUse' in message) {
        const { what, flag } = options.portName ?? { what: kind, flag: `the ${kind} port` };
        return reject(new PortInUseError(what, message.portInUse, flag));
      }
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
