import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { config } from '../config.js';
import { logger } from '../http/logger.js';

export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/**
 * An SQS consumer: each record is parsed with zod and processed independently; failures are reported per
 * record (ReportBatchItemFailures) so one bad message never re-delivers its whole batch. A message that
 * keeps failing reaches the DLQ after the queue's maxReceiveCount, where an alarm watches.
 * Bodies are never logged (they may hold personal data); only message ids and error names.
 */
export const sqsConsumer = <S extends z.ZodType>(
  name: string,
  schema: S,
  processRecord: (message: z.output<S>, record: SQSRecord) => Promise<void>,
) => {
  config();
  return middy<SQSEvent, SQSBatchResponse>()
    .use(
      sqsPartialBatchFailure({
        logger: (reason: unknown, record: SQSRecord) =>
          logger.warn('message failed; it will be retried', {
            consumer: name,
            messageId: record.messageId,
            receiveCount: record.attributes?.ApproximateReceiveCount,
            error: reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason),
          }),
      }),
    )
    .handler(
      async (event) =>
        Promise.allSettled(
          event.Records.map(async (record) => {
            let json: unknown;
            try {
              json = JSON.parse(record.body);
            } catch {
              throw new PoisonMessageError('message body is not JSON');
            }
            const parsed = schema.safeParse(json);
            if (!parsed.success)
              throw new PoisonMessageError(
                `message does not match its schema: ${parsed.error.issues.length} issues`,
              );
            await processRecord(parsed.data, record);
          }),
        ) as unknown as Promise<SQSBatchResponse>,
    );
};
