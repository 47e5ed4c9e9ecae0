import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';

/** Packaging and reading the CloudFormation template that `serverless package` writes. */

export const ROOT = path.resolve(__dirname, '../..');

/** What `npm run package` sets: no account, no network, no telemetry. */
const OFFLINE_ENV = { AWS_ACCESS_KEY_ID: 'dummy', AWS_SECRET_ACCESS_KEY: 'dummy', AWS_REGION: 'us-east-1', SLS_TELEMETRY_DISABLED: '1' };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Resource {
  Type: string;
  Properties: Record<string, Json>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}

export interface Template {
  Resources: Record<string, Resource>;
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: Json;
  Resource?: Json;
  NotResource?: Json;
}

const readTemplate = (dir: string): Template => JSON.parse(readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;

/** `npm run package`: the command CI and the docs use; writes `.serverless/`. */
export function packageWithNpm(): Template {
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, stdio: 'pipe' });
  return readTemplate(path.join(ROOT, '.serverless'));
}

/** The same package for another stage and parameters, into `dir`. */
export function packageStage(stage: string, dir: string, params: Record<string, string>): Template {
  const args = ['package', '--stage', stage, '--package', dir, ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`)];
  execFileSync(path.join(ROOT, 'node_modules/.bin/serverless'), args, { cwd: ROOT, stdio: 'pipe', env: { ...process.env, ...OFFLINE_ENV } });
  return readTemplate(dir);
}

/** Typed view of a resource's properties; the template is our own output, read as the shape we expect. */
export const props = <T>(resource: Resource): T => resource.Properties as unknown as T;

export const ofType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** The logical id an intrinsic names: `{Ref: X}` or `{Fn::GetAtt: [X, …]}`; undefined for anything else. */
export function logicalIdOf(value: Json | undefined): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const ref = value.Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = value['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}

/** Every literal string inside a value (through Fn::Sub, Fn::Join, …), to look for wildcards. */
export function literalStrings(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return (Array.isArray(value) ? value : Object.values(value)).flatMap(literalStrings);
}

/** Every policy statement in the template: roles, managed policies, and resource policies. */
export function policyStatements(template: Template): { owner: string; statement: Statement }[] {
  const documents: { owner: string; document: Json | undefined }[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') {
      for (const policy of props<{ Policies?: { PolicyDocument: Json }[] }>(resource).Policies ?? [])
        documents.push({ owner: id, document: policy.PolicyDocument });
    } else if ('PolicyDocument' in resource.Properties) {
      documents.push({ owner: id, document: resource.Properties.PolicyDocument });
    }
  }
  return documents.flatMap(({ owner, document }) =>
    asArray((document as { Statement?: Statement | Statement[] } | undefined)?.Statement).map((statement) => ({ owner, statement })),
  );
}

/** One file out of a packaged zip, read with yauzl so the test needs no `unzip` binary. */
export function readZipEntry(zipPath: string, entryName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError) return reject(openError);
      zip.on('error', reject);
      zip.on('end', () => reject(new Error(`${entryName} is not in ${zipPath}`)));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(chunks));
          });
        });
      });
      zip.readEntry();
    });
  });
}
