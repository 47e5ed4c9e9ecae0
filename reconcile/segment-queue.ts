import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StreamWriteError } from '../errors';
import type { SegmentTask } from './segment-task';

const SEND_BATCH_LIMIT = 10;

/** Puts rebuild tasks on the rebuild queue; a task SQS does not take is an error, never dropped. */
export async function sendSegmentTasks(client: SQSClient, queueUrl: string, tasks: readonly SegmentTask[]): Promise<void> {
  for (let i = 0; i < tasks.length; i += SEND_BATCH_LIMIT) {
    const chunk = tasks.slice(i, i + SEND_BATCH_LIMIT);
    const response = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((task, index) => ({ Id: String(index), MessageBody: JSON.stringify(task) })),
      }),
    );
    if ((response.Failed ?? []).length > 0) throw new StreamWriteError(`${response.Failed!.length} rebuild task(s) not accepted by SQS`);
  }
}
