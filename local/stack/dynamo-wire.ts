import { request } from 'node:http';
import type { WireItem } from './table-stream';

export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP exchange with dynalite, body and headers as given. */
export function exchange(
  upstream: URL,
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: upstream.hostname, port: upstream.port, method, path, headers: { ...headers, host: upstream.host } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 500, headers: incoming.headers, body: Buffer.concat(chunks) }));
      incoming.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

// dynalite checks that a request is shaped as signed, not the signature itself.
const signedShape = (target: string) => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': `DynamoDB_20120810.${target}`,
  'x-amz-date': '20240101T000000Z',
  authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=local',
});

/**
 * The item as it is now, in the wire format a stream record carries (read strongly
 * consistent, straight from dynalite, so it is exactly what the write left).
 */
export async function readItem(upstream: URL, tableName: string, key: WireItem): Promise<WireItem | undefined> {
  const body = Buffer.from(JSON.stringify({ TableName: tableName, Key: key, ConsistentRead: true }));
  const response = await exchange(upstream, 'POST', '/', signedShape('GetItem'), body);
  if (response.status !== 200) throw new Error(`GetItem ${tableName} failed: ${response.status} ${response.body.toString('utf8').slice(0, 200)}`);
  return (JSON.parse(response.body.toString('utf8')) as { Item?: WireItem }).Item;
}
