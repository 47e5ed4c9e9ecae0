/**
 * dynalite in a child process of its own (the stack's engine-process.ts), as `npm start` runs
 * it: on a 2-core machine the functions get one core and the "DynamoDB" the other. Its CPU time
 * is read from /proc, so the report can tell whether the functions or the engine were busy.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTable } from '../local/engines';

export interface ChildEngine {
  endpoint: string;
  pid: number;
  /** CPU seconds the engine process has used so far (user + system). */
  cpuSeconds(): number;
  close(): Promise<void>;
}

export function startDynaliteChild(): Promise<ChildEngine> {
  const child: ChildProcess = fork(join(__dirname, '..', 'local', 'stack', 'engine-process.ts'), ['dynalite', '0', ''], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code} before it listened`)));
    child.on('message', (message: { ready?: string; failed?: string }) => {
      if (message.failed) return reject(new Error(message.failed));
      if (!message.ready) return;
      resolve({
        endpoint: message.ready,
        pid: child.pid!,
        cpuSeconds: () => processCpuSeconds(child.pid!),
        close: async () => {
          if (child.exitCode === null && child.connected) child.send('close');
          await exited;
        },
      });
    });
  });
}

/** utime + stime of a process, from /proc/<pid>/stat (in clock ticks of 1/100 s). */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds of this process (user + system). */
export const ownCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

/**
 * Creates a table and waits until it is ACTIVE: dynalite answers CreateTable before it marks the
 * table active, and on a busy machine the first write can get there first.
 */
export async function createTableReady(dynamo: DynamoDBClient, tableName: string, keys?: readonly string[]): Promise<void> {
  await createTable(dynamo, tableName, keys);
  for (let attempt = 0; attempt < 400; attempt++) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

/**
 * Waits until a process has been nearly idle (under `idleShare` of a core) for `windowMs`, or
 * `maxMs` has passed: an engine that has just taken a million items goes on working (its
 * collector) for a while, and on a 2-core machine that work falls on whatever is measured next.
 * Hands back how long it waited and the CPU seconds the process used meanwhile.
 */
export async function settled(
  cpuSeconds: () => number,
  { idleShare = 0.05, windowMs = 2000, maxMs = 120_000 } = {},
): Promise<{ waitedMs: number; cpuSeconds: number }> {
  const started = Date.now();
  const cpuAtStart = cpuSeconds();
  for (;;) {
    const before = cpuSeconds();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const busy = (cpuSeconds() - before) / (windowMs / 1000);
    if (busy < idleShare || Date.now() - started >= maxMs) return { waitedMs: Date.now() - started, cpuSeconds: cpuSeconds() - cpuAtStart };
  }
}
