import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StreamWriteError } from '../errors';
import type { DeadLetter, DeadLetterSink } from './dead-letters';

const SEND_BATCH_LIMIT = 10;

/** The dead-letter queue on AWS. A letter SQS does not take is an error: the record must then be retried, not lost. */
export class SqsDeadLetters implements DeadLetterSink {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(letters: readonly DeadLetter[]): Promise<void> {
    for (let i = 0; i < letters.length; i += SEND_BATCH_LIMIT) {
      const chunk = letters.slice(i, i + SEND_BATCH_LIMIT);
      const response = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((letter, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(letter),
            MessageAttributes: { reason: { DataType: 'String', StringValue: letter.reason.slice(0, 256) } },
          })),
        }),
      );
      if ((response.Failed ?? []).length > 0) throw new StreamWriteError(`${response.Failed!.length} dead letter(s) not accepted by SQS`);
    }
  }
}

/**
 * Messages in the given queues, waiting or being looked at: the dead letters nobody has dealt
 * with yet. SQS gives approximate numbers, which is all an alarm on "more than none" needs.
 */
export async function queuedMessages(client: SQSClient, queueUrls: readonly string[]): Promise<number> {
  const depths = await Promise.all(
    queueUrls.map(async (QueueUrl) => {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
      return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    }),
  );
  return depths.reduce((a, b) => a + b, 0);
}
