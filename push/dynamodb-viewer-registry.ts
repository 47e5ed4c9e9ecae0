import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import type { Viewer, ViewerRegistry } from './viewer-channel';

/** The key and attributes of the viewer-connections table (serverless.yml declares the same key and TTL attribute). */
export const VIEWER_CONNECTION_KEY = 'connectionId';
export const VIEWER_CONNECTION_TTL = 'expiresAt';
const TOKEN_EXPIRES_AT = 'tokenExpiresAt';

/**
 * Who is connected to the viewer WebSocket API. One small item per connection, written at
 * $connect and deleted at $disconnect (or when API Gateway answers that the viewer is gone);
 * DynamoDB's TTL removes the rare item whose $disconnect never came, once its token expired.
 * The table holds one item per open dashboard, so a Scan of it is the list of viewers.
 */
export class DynamoDbViewerRegistry implements ViewerRegistry {
  constructor(private readonly options: { client: DynamoDBClient; tableName: string }) {}

  async add(viewer: Viewer & { tokenExpiresAtMs: number }): Promise<void> {
    await this.options.client.send(
      new PutItemCommand({
        TableName: this.options.tableName,
        Item: {
          [VIEWER_CONNECTION_KEY]: { S: viewer.id },
          [TOKEN_EXPIRES_AT]: { N: String(viewer.tokenExpiresAtMs) },
          [VIEWER_CONNECTION_TTL]: { N: String(Math.ceil(viewer.tokenExpiresAtMs / 1000)) },
        },
      }),
    );
  }

  async remove(viewerId: string): Promise<void> {
    await this.options.client.send(new DeleteItemCommand({ TableName: this.options.tableName, Key: { [VIEWER_CONNECTION_KEY]: { S: viewerId } } }));
  }

  async list(): Promise<Viewer[]> {
    const viewers: Viewer[] = [];
    let start: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page: ScanCommandOutput = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          ProjectionExpression: '#id, #expires',
          ExpressionAttributeNames: { '#id': VIEWER_CONNECTION_KEY, '#expires': TOKEN_EXPIRES_AT },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const id = item[VIEWER_CONNECTION_KEY]?.S;
        const expires = Number(item[TOKEN_EXPIRES_AT]?.N);
        if (id) viewers.push({ id, ...(Number.isFinite(expires) && { tokenExpiresAtMs: expires }) });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return viewers;
  }
}
