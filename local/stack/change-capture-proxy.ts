import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { unprocessedIds, writesOf, type ItemWrite } from './captured-writes';
import { exchange, readItem, type WireResponse } from './dynamo-wire';
import { RequestTooLargeError } from '../../errors';
import { closeServer, listenLocal, readBody, refuseTooLarge, sendJson } from './http-util';
import { KeyLocks } from './key-locks';
import type { TableStream, WireItem } from './table-stream';

export interface CapturedTable {
  stream: TableStream;
  keyNames: readonly string[];
}

/** Notes of writes about to be passed on, settled once their outcome is recorded (ChangeCaptureJournal). */
export interface WriteIntents {
  intend(table: string, key: WireItem, before: WireItem | undefined): number;
  settle(id: number): void;
}

export interface ChangeCaptureProxy {
  endpoint: string;
  /** Stream records appended so far. */
  readonly captured: number;
  /** Writes whose new image could not be read: their stream records are missing. */
  readonly lost: number;
  close(): Promise<void>;
}

const AFTER_WRITE_READ_ATTEMPTS = 5;
/** DynamoDB's own limit on a request (a BatchWriteItem of 25 items of 400 KB fits). */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * dynalite has no Streams. This proxy stands in front of it on the endpoint producers use:
 * every request is passed through unchanged, and each write to a captured table is bracketed
 * by strongly consistent reads of the item (under a per-item lock), so its stream record
 * carries the true old and new images — whatever SDK or tool the producer writes with.
 */
export async function startChangeCapture(options: {
  upstream: string;
  tables: ReadonlyMap<string, CapturedTable>;
  port: number;
  /** Where writes are noted before they are passed on (the journal); without, a kill loses what was in flight. */
  intents?: WriteIntents;
  log: (line: string) => void;
}): Promise<ChangeCaptureProxy> {
  const upstream = new URL(options.upstream);
  const keyNamesOf = (tableName: string) => options.tables.get(tableName)?.keyNames;
  const locks = new KeyLocks();
  let captured = 0;
  let lost = 0;

  const reply = (response: ServerResponse, upstreamResponse: WireResponse) => {
    response.writeHead(upstreamResponse.status, upstreamResponse.headers);
    response.end(upstreamResponse.body);
  };

  /** Reads the new images; a read that keeps failing loses a stream record, which must be said loudly. */
  const readAfter = async (write: ItemWrite): Promise<WireItem | undefined | 'lost'> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readItem(upstream, write.tableName, write.key);
      } catch (error) {
        if (attempt >= AFTER_WRITE_READ_ATTEMPTS) {
          options.log(`change capture: LOST the stream record of ${write.id} (counted in /health): ${String(error)}`);
          return 'lost';
        }
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      }
    }
  };

  /**
   * The stream records of writes that were done: each from the item as it was and as it is now.
   * A write that changed nothing owes no record; its note is settled.
   */
  const recordChanges = async (done: { write: ItemWrite; before: WireItem | undefined; intent: number | undefined }[]) => {
    const after = await Promise.all(done.map(({ write }) => readAfter(write)));
    const at = Date.now();
    done.forEach(({ write, before: oldImage, intent }, i) => {
      const newImage = after[i];
      if (newImage === 'lost') {
        lost++;
      } else if (options.tables.get(write.tableName)!.stream.append({ keys: write.key, oldImage, newImage }, at, intent)) {
        captured++;
        return;
      }
      if (intent !== undefined) options.intents?.settle(intent);
    });
  };

  const captureWrite = async (request: IncomingMessage, response: ServerResponse, body: Buffer, operation: string, writes: ItemWrite[]) => {
    const release = await locks.acquire(writes.map((write) => write.id));
    try {
      let before: (WireItem | undefined)[];
      try {
        before = await Promise.all(writes.map((write) => readItem(upstream, write.tableName, write.key)));
      } catch (error) {
        // Nothing written yet: the producer's SDK retries a 500 as it would on AWS.
        sendJson(response, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: `change capture: ${String(error)}` });
        return;
      }
      // Noted before dynalite sees the write: if this process dies from here on, the next start reads these items and owes no record.
      const noted = writes.map((write, i) => ({ write, before: before[i], intent: options.intents?.intend(write.tableName, write.key, before[i]) }));
      let result: WireResponse;
      try {
        result = await exchange(upstream, request.method ?? 'POST', request.url ?? '/', request.headers, body);
      } catch (error) {
        // Whether dynalite applied the write is not known: the items say.
        await recordChanges(noted);
        throw error;
      }
      const notDone =
        result.status !== 200
          ? new Set(writes.map((write) => write.id))
          : operation === 'BatchWriteItem'
            ? unprocessedIds(JSON.parse(result.body.toString('utf8')), keyNamesOf)
            : new Set<string>();
      for (const { write, intent } of noted) if (notDone.has(write.id) && intent !== undefined) options.intents?.settle(intent);
      await recordChanges(noted.filter(({ write }) => !notDone.has(write.id)));
      reply(response, result);
    } finally {
      release();
    }
  };

  const server = createServer((request, response) => {
    void (async () => {
      let body: Buffer;
      try {
        body = await readBody(request, MAX_REQUEST_BYTES);
      } catch (error) {
        if (!(error instanceof RequestTooLargeError)) throw error;
        return refuseTooLarge(response, { __type: 'com.amazon.coral.service#RequestEntityTooLarge', message: `Request ${error.message} (DynamoDB's limit)` });
      }
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let writes: ItemWrite[] = [];
      try {
        writes = writesOf(operation, JSON.parse(body.toString('utf8') || '{}'), keyNamesOf);
      } catch {
        // Not JSON: dynalite answers it with the proper error.
      }
      if (writes.length === 0) return reply(response, await exchange(upstream, request.method ?? 'POST', request.url ?? '/', request.headers, body));
      await captureWrite(request, response, body, operation, writes);
    })().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(error) });
      else response.destroy();
    });
  });
  const port = await listenLocal(server, options.port, 'DynamoDB endpoint', '--dynamodb-port');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get captured() {
      return captured;
    },
    get lost() {
      return lost;
    },
    close: () => closeServer(server),
  };
}
