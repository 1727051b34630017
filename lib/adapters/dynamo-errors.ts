import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { ServiceBusyError, TransientFailure } from '../domain/errors.js';

/**
 * DynamoDB's failures, translated by class (never by string code) into the three things a use case needs
 * to know: a condition failed (and where), the call may succeed if retried, or something is broken.
 */
export class ConditionFailed extends Error {
  override readonly name = 'ConditionFailed';
  /** For transactions: the indexes of the items whose condition failed. */
  constructor(readonly failedItemIndexes: readonly number[] = []) {
    super('condition failed');
  }
}

export class RetryableStoreError extends TransientFailure {
  override readonly name = 'RetryableStoreError';
  constructor(
    readonly reason: 'THROTTLED' | 'TRANSACTION_CONFLICT' | 'RESPONSE_LOST',
    options?: { cause?: unknown },
  ) {
    super(`retryable: ${reason}`, options);
  }
}

export const translateDynamoError = (error: unknown): unknown => {
  if (error instanceof ConditionalCheckFailedException) return new ConditionFailed();
  if (error instanceof TransactionCanceledException) {
    const reasons = error.CancellationReasons ?? [];
    if (
      reasons.some((reason) => reason.Code === 'TransactionConflict' || reason.Code === 'ThrottlingError')
    ) {
      return new RetryableStoreError('TRANSACTION_CONFLICT', { cause: error });
    }
    const failed = reasons.flatMap((reason, index) =>
      reason.Code === 'ConditionalCheckFailed' ? [index] : [],
    );
    if (failed.length > 0) return new ConditionFailed(failed);
    return new RetryableStoreError('TRANSACTION_CONFLICT', { cause: error });
  }
  if (error instanceof TransactionConflictException) {
    return new RetryableStoreError('TRANSACTION_CONFLICT', { cause: error });
  }
  if (
    error instanceof ProvisionedThroughputExceededException ||
    error instanceof ThrottlingException ||
    error instanceof RequestLimitExceeded
  ) {
    return new RetryableStoreError('THROTTLED', { cause: error });
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'NetworkingError')) {
    return new RetryableStoreError('RESPONSE_LOST', { cause: error });
  }
  return error;
};

/** Runs a store call and rethrows its failure in domain terms. */
export const storeCall = async <T>(call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw translateDynamoError(error);
  }
};

/**
 * A write whose condition may not hold: `false` when it did not (ConditionFailed), for the caller to decide
 * what that means (another write came first, or a retry finds its own); other failures throw, as storeCall's.
 */
export const conditionalWrite = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await storeCall(write);
    return true;
  } catch (error) {
    if (error instanceof ConditionFailed) return false;
    throw error;
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries a whole unit of work (read, decide, conditional write) on retryable failures with full-jitter
 * exponential backoff. The unit must be idempotent: after a lost response it runs again and must find
 * its own earlier write. Gives up as ServiceBusyError, which the HTTP layer answers with 429 Retry-After,
 * after `attempts` tries or once `budgetMs` has passed, so a busy store never runs a function into its
 * timeout (a 5xx).
 */
export const withStoreRetries = async <T>(
  unit: () => Promise<T>,
  options: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number; budgetMs?: number } = {},
): Promise<T> => {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 20;
  const cap = options.maxDelayMs ?? 1_000;
  const deadline = Date.now() + (options.budgetMs ?? 4_000);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await unit();
    } catch (error) {
      const translated = translateDynamoError(error);
      if (!(translated instanceof RetryableStoreError)) throw translated;
      const delay = Math.random() * Math.min(cap, base * 2 ** attempt);
      if (attempt >= attempts || Date.now() + delay >= deadline) throw new ServiceBusyError(1);
      await sleep(delay);
    }
  }
};
