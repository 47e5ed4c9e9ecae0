import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/**
 * The SDK's standard retry rule — up to 3 attempts, throttling and transient errors retried,
 * client errors not — with the backoff compressed (10, 20 ms instead of up to seconds), like
 * every other delay of the local stack. Under --chaos every injected throttle goes through it.
 */
export function quickRetries(maxAttempts = 3) {
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => (count === 0 ? 0 : 10 * 2 ** (count - 1)) });
  return {
    acquireInitialRetryToken: async (): Promise<RetryToken> => token(0),
    refreshRetryTokenForRetry: async (previous: RetryToken, error: { errorType: string }): Promise<RetryToken> => {
      const next = previous.getRetryCount() + 1;
      if (next >= maxAttempts || error.errorType === 'CLIENT_ERROR') throw new Error('no more retries');
      return token(next);
    },
    recordSuccess: (): void => undefined,
  };
}

/** The client the stack's own functions use for the metrics table. */
export const functionsDynamoClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, retryStrategy: quickRetries() });
