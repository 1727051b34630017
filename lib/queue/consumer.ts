import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { config } from '../config.js';
import { logger } from '../logger.js';

export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

const parseBody = <S extends z.ZodType>(schema: S, record: SQSRecord): z.output<S> => {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new PoisonMessageError('message body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new PoisonMessageError(`message does not match its schema: ${parsed.error.issues.length} issues`);
  return parsed.data;
};

/** Failures are logged once, by the record handler, without the body. */
const silent = { debug: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * An SQS consumer on Powertools batch: each record is parsed with zod and processed independently (in
 * parallel); failures are reported per record (ReportBatchItemFailures) so one bad message never re-delivers
 * its whole batch. A message that keeps failing reaches the DLQ after the queue's maxReceiveCount, where an
 * alarm watches. A batch in which every record failed is answered as a list of failures rather than thrown,
 * so the event source mapping treats it exactly like a partial failure.
 * Bodies are never logged (they may hold personal data); only message ids and error names.
 */
export const sqsConsumer = <S extends z.ZodType, R = void>(
  name: string,
  schema: S,
  processRecord: (message: z.output<S>, record: SQSRecord) => Promise<R>,
  options: {
    /**
     * Runs once per batch with what its processed records answered (failed records left out), e.g. to
     * count them in one write instead of one per record. A failure here is logged; the records stand.
     */
    afterBatch?: (results: R[]) => Promise<void>;
  } = {},
) => {
  config();
  const recordHandler = async (record: SQSRecord, results: R[]): Promise<void> => {
    try {
      results.push(await processRecord(parseBody(schema, record), record));
    } catch (error) {
      logger.warn('message failed; it will be retried', {
        consumer: name,
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      throw error;
    }
  };
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context: Context) => {
      // A processor holds the batch it is working on: one per invocation, because the local runtime (unlike
      // Lambda) runs several invocations of one function in the same process at once.
      const results: R[] = [];
      const response = (await processPartialResponse(
        event,
        (record: SQSRecord) => recordHandler(record, results),
        new BatchProcessor(EventType.SQS, { logger: silent }),
        { context, throwOnFullBatchFailure: false },
      )) as SQSBatchResponse;
      await options
        .afterBatch?.(results)
        .catch((error: unknown) =>
          logger.warn('after-batch step failed', { consumer: name, error: String(error) }),
        );
      return response;
    });
};
