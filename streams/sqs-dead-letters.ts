import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
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
