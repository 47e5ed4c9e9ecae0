import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { EventBridgeEvent } from 'aws-lambda';
import { busNameOf, envelopeOf, type EntryResult, type PutEventsEntry } from './eventbridge-envelope';
import { RequestTooLargeError } from '../../errors';
import { closeServer, listenLocal, readBody, refuseTooLarge, sendJson } from './http-util';

/** A rule: events on `busName` whose source is one of `sources` go to `target`. */
export interface EventRule {
  name: string;
  busName: string;
  sources: readonly string[];
  target: (event: EventBridgeEvent<string, unknown>) => void;
}

export interface EventBridgeEndpoint {
  endpoint: string;
  readonly stats: { accepted: number; failed: number; unmatched: number };
  close(): Promise<void>;
}

const MAX_ENTRIES = 10;
/** PutEvents takes 256 KB of entries. */
const MAX_ENTRIES_BYTES = 256 * 1024;
/** What is read of a body at all: the entries' limit plus room for JSON escaping; past it the request is refused as it streams. */
const MAX_BODY_BYTES = 1024 * 1024;
const JSON_11 = { 'content-type': 'application/x-amz-json-1.1' };

/**
 * The PutEvents API (JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`), so a producer's
 * `@aws-sdk/client-eventbridge` works against it unchanged. Accepted entries become envelopes
 * and go to every matching rule's target; entries on a bus that does not exist fail one by one,
 * as PutEvents reports them.
 */
export async function startEventBridge(options: { port: number; buses: readonly string[]; rules: readonly EventRule[] }): Promise<EventBridgeEndpoint> {
  const stats = { accepted: 0, failed: 0, unmatched: 0 };
  const buses = new Set(['default', ...options.buses]);

  const put = (entry: PutEventsEntry): EntryResult => {
    const bus = busNameOf(entry);
    if (!buses.has(bus)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    const built = envelopeOf(entry);
    if ('error' in built) return built.error;
    const matching = options.rules.filter((rule) => rule.busName === bus && rule.sources.includes(built.event.source));
    if (matching.length === 0) stats.unmatched++;
    for (const rule of matching) rule.target(structuredClone(built.event));
    return { EventId: built.event.id };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const headers = { ...JSON_11, 'x-amzn-requestid': randomUUID() };
      let body: Buffer;
      try {
        body = await readBody(request, MAX_BODY_BYTES);
      } catch (error) {
        if (!(error instanceof RequestTooLargeError)) throw error;
        return refuseTooLarge(response, {
          __type: 'ValidationException',
          message: `Total size of the entries in the request is over the limit (${error.message}).`,
        });
      }
      const target = String(request.headers['x-amz-target'] ?? '');
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        return sendJson(
          response,
          400,
          { __type: 'UnknownOperationException', message: `this local endpoint speaks PutEvents only (got "${target}")` },
          headers,
        );
      }
      if (body.length > MAX_ENTRIES_BYTES)
        return sendJson(response, 400, { __type: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' }, headers);
      let entries: unknown;
      try {
        entries = (JSON.parse(body.toString('utf8')) as { Entries?: unknown }).Entries;
      } catch {
        return sendJson(response, 400, { __type: 'SerializationException', message: 'request body is not JSON' }, headers);
      }
      if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
        return sendJson(response, 400, { __type: 'ValidationException', message: `Entries: between 1 and ${MAX_ENTRIES} entries are required` }, headers);
      }
      const results = (entries as PutEventsEntry[]).map(put);
      const failed = results.filter((result) => 'ErrorCode' in result).length;
      stats.accepted += results.length - failed;
      stats.failed += failed;
      sendJson(response, 200, { FailedEntryCount: failed, Entries: results }, headers);
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { __type: 'InternalException', message: String(error) });
      else response.destroy();
    });
  });
  const port = await listenLocal(server, options.port, 'EventBridge endpoint', '--eventbridge-port');
  return { endpoint: `http://127.0.0.1:${port}`, stats, close: () => closeServer(server) };
}
