import type { WireItem } from './table-stream';

/** A write to one item of a captured table, found in a DynamoDB API request. */
export interface ItemWrite {
  tableName: string;
  key: WireItem;
  /** Table and key in one string: what the lock and the UnprocessedItems check go by. */
  id: string;
}

type Body = Record<string, unknown>;
type KeyNamesOf = (tableName: string) => readonly string[] | undefined;

/** A request may name its table by ARN (`arn:aws:dynamodb:…:table/<name>`). */
const tableNameOf = (value: unknown): string => (typeof value === 'string' ? (value.split(':table/')[1] ?? value) : '');

function write(tableName: string, source: unknown, keyNames: readonly string[]): ItemWrite | undefined {
  if (!source || typeof source !== 'object') return undefined;
  const item = source as WireItem;
  const key: WireItem = {};
  for (const name of keyNames) {
    const value = item[name];
    if (value === undefined) return undefined; // DynamoDB refuses it; nothing to capture
    key[name] = value;
  }
  return { tableName, key, id: `${tableName}|${JSON.stringify(keyNames.map((name) => key[name]))}` };
}

/** The item writes of one request to the tables `keyNamesOf` knows; empty for anything else. */
export function writesOf(operation: string, body: Body, keyNamesOf: KeyNamesOf): ItemWrite[] {
  const single = (source: unknown): ItemWrite[] => {
    const tableName = tableNameOf(body.TableName);
    const keyNames = keyNamesOf(tableName);
    const found = keyNames && write(tableName, source, keyNames);
    return found ? [found] : [];
  };
  switch (operation) {
    case 'PutItem':
      return single(body.Item);
    case 'UpdateItem':
    case 'DeleteItem':
      return single(body.Key);
    case 'BatchWriteItem':
      return batchWrites(body.RequestItems, keyNamesOf);
    default:
      return [];
  }
}

function batchWrites(requestItems: unknown, keyNamesOf: KeyNamesOf): ItemWrite[] {
  if (!requestItems || typeof requestItems !== 'object') return [];
  const writes: ItemWrite[] = [];
  for (const [table, requests] of Object.entries(requestItems as Record<string, unknown>)) {
    const tableName = tableNameOf(table);
    const keyNames = keyNamesOf(tableName);
    if (!keyNames || !Array.isArray(requests)) continue;
    for (const entry of requests as { PutRequest?: { Item?: unknown }; DeleteRequest?: { Key?: unknown } }[]) {
      const found = write(tableName, entry.PutRequest?.Item ?? entry.DeleteRequest?.Key, keyNames);
      if (found) writes.push(found);
    }
  }
  return writes;
}

/** Ids of the writes a BatchWriteItem response hands back as not done. */
export function unprocessedIds(responseBody: Body, keyNamesOf: KeyNamesOf): Set<string> {
  return new Set(batchWrites(responseBody.UnprocessedItems, keyNamesOf).map((w) => w.id));
}
