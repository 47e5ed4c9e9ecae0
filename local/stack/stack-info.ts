import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_REGION, STACK_NAMES } from './names';

/** `.local/stack.json`: everything an outside producer or tool needs to talk to the stack. */
export interface StackInfo {
  api: string;
  dashboard: string;
  adminToken: string;
  region: string;
  dynamodb: string;
  /** dynalite itself, behind no change capture: items written here play items that existed before the stream did. */
  dynamodbDirect: string;
  kinesis: string;
  eventbridge: string;
  tables: { chatSessions: string; messages: string; escalations: string; metrics: string };
  telemetryStream: string;
  eventBusName: string;
  deadLetterFile: string;
}

export function stackInfo(
  endpoints: { api: string; dynamodb: string; dynamodbDirect: string; kinesis: string; eventbridge: string },
  adminToken: string,
  deadLetterFile: string,
): StackInfo {
  return {
    ...endpoints,
    // The token travels in the fragment, which browsers never send to the server.
    dashboard: `${endpoints.api}/#token=${adminToken}`,
    adminToken,
    region: LOCAL_REGION,
    tables: { ...STACK_NAMES.tables },
    telemetryStream: STACK_NAMES.telemetryStream,
    eventBusName: STACK_NAMES.eventBusName,
    deadLetterFile,
  };
}

export const stackFile = (stateDir: string): string => join(stateDir, 'stack.json');

export async function writeStackFile(stateDir: string, info: StackInfo): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  // Only the owner may read it: it holds the admin token.
  await writeFile(stackFile(stateDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** A stopped stack leaves no stack.json behind that would point tools at closed ports. */
export const removeStackFile = (stateDir: string): Promise<void> => rm(stackFile(stateDir), { force: true });

export function banner(info: StackInfo, notes: readonly string[]): string {
  return [
    '',
    'Clara Pulse — local stack on 127.0.0.1',
    `  dashboard    ${info.dashboard}`,
    `  read API     GET ${info.api}/admin/realtime   (Authorization: Bearer ${info.adminToken})`,
    `  pushed       GET ${info.api}/admin/realtime/stream   (Server-Sent Events, same token; a document a second)`,
    `  description  ${info.api}/openapi.json`,
    `  health       ${info.api}/health`,
    `  DynamoDB     ${info.dynamodb}   tables ${info.tables.chatSessions}, ${info.tables.messages}, ${info.tables.escalations}`,
    `  Kinesis      ${info.kinesis}   stream ${info.telemetryStream}`,
    `  EventBridge  ${info.eventbridge}   bus ${info.eventBusName}`,
    `  dead letters ${info.deadLetterFile}`,
    ...notes.map((note) => `  ${note}`),
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
