import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  ConditionFailed,
  RetryableStoreError,
  translateDynamoError,
  withStoreRetries,
} from '../../lib/adapters/dynamo-errors.js';
import { ServiceBusyError } from '../../lib/domain/errors.js';

const meta = { message: 'from the test', $metadata: {} };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ ...meta, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('translateDynamoError', () => {
  it('turns a failed condition into ConditionFailed', () => {
    // Arrange
    const error = new ConditionalCheckFailedException(meta);

    // Act
    const translated = translateDynamoError(error);

    // Assert
    expect(translated).toBeInstanceOf(ConditionFailed);
  });

  it('names the transaction items whose condition failed', () => {
    // Arrange
    const error = cancelled('None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed');

    // Act
    const translated = translateDynamoError(error);

    // Assert
    expect(translated).toBeInstanceOf(ConditionFailed);
    expect((translated as ConditionFailed).failedItemIndexes).toEqual([1, 3]);
  });

  it.each([
    ['a transaction conflict', cancelled('None', 'TransactionConflict')],
    ['a throttled transaction item', cancelled('ThrottlingError', 'None')],
    [
      'a conflict alongside a failed condition (the condition may pass on retry)',
      cancelled('ConditionalCheckFailed', 'TransactionConflict'),
    ],
    ['a cancellation without reasons', new TransactionCanceledException(meta)],
    ['TransactionConflictException', new TransactionConflictException(meta)],
  ])('treats %s as a retryable transaction conflict', (_name, error) => {
    // Arrange
    const original = error;

    // Act
    const translated = translateDynamoError(original);

    // Assert
    expect(translated).toBeInstanceOf(RetryableStoreError);
    expect((translated as RetryableStoreError).reason).toBe('TRANSACTION_CONFLICT');
    expect((translated as RetryableStoreError).cause).toBe(original);
  });

  it.each([
    ['ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException(meta)],
    ['ThrottlingException', new ThrottlingException(meta)],
    ['RequestLimitExceeded', new RequestLimitExceeded(meta)],
  ])('treats %s as throttling', (_name, error) => {
    // Arrange
    const original = error;

    // Act
    const translated = translateDynamoError(original);

    // Assert
    expect(translated).toBeInstanceOf(RetryableStoreError);
    expect((translated as RetryableStoreError).reason).toBe('THROTTLED');
  });

  it.each([['TimeoutError'], ['NetworkingError']])('treats a %s as a lost response', (name) => {
    // Arrange
    const error = Object.assign(new Error('socket hang up'), { name });

    // Act
    const translated = translateDynamoError(error);

    // Assert
    expect(translated).toBeInstanceOf(RetryableStoreError);
    expect((translated as RetryableStoreError).reason).toBe('RESPONSE_LOST');
  });

  it('decides by class, not by a look-alike name: a plain Error called ConditionalCheckFailedException passes through', () => {
    // Arrange
    const impostor = Object.assign(new Error('not from DynamoDB'), {
      name: 'ConditionalCheckFailedException',
    });

    // Act
    const translated = translateDynamoError(impostor);

    // Assert
    expect(translated).toBe(impostor);
  });

  it.each([
    ['ResourceNotFoundException', new ResourceNotFoundException(meta)],
    ['InternalServerError', new InternalServerError(meta)],
    ['a programming error', new TypeError('x is undefined')],
    ['a non-error value', 'just a string'],
  ])('passes %s through unchanged', (_name, error) => {
    // Arrange
    const original = error;

    // Act
    const translated = translateDynamoError(original);

    // Assert
    expect(translated).toBe(original);
  });
});

describe('withStoreRetries', () => {
  const quick = { baseDelayMs: 0, maxDelayMs: 0 };

  it('runs the unit again after a retryable failure and returns its result', async () => {
    // Arrange
    let calls = 0;
    const unit = async () => {
      calls += 1;
      if (calls < 3) throw new ProvisionedThroughputExceededException(meta);
      return 'done';
    };

    // Act
    const result = await withStoreRetries(unit, quick);

    // Assert
    expect(result).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up with ServiceBusyError (429 Retry-After) after the attempts', async () => {
    // Arrange
    let calls = 0;
    const unit = async () => {
      calls += 1;
      throw cancelled('TransactionConflict');
    };

    // Act
    const outcome = withStoreRetries(unit, { ...quick, attempts: 4 });

    // Assert
    await expect(outcome).rejects.toBeInstanceOf(ServiceBusyError);
    await expect(outcome).rejects.toMatchObject({ code: 'SERVICE_BUSY', retryAfterSeconds: 1 });
    expect(calls).toBe(4);
  });

  it('gives up with ServiceBusyError once its time budget is spent', async () => {
    // Arrange
    let calls = 0;
    const unit = async () => {
      calls += 1;
      throw new ThrottlingException(meta);
    };

    // Act
    const outcome = withStoreRetries(unit, { attempts: 1_000, baseDelayMs: 0, maxDelayMs: 0, budgetMs: 0 });

    // Assert
    await expect(outcome).rejects.toBeInstanceOf(ServiceBusyError);
    expect(calls).toBe(1);
  });

  it('does not retry a failed condition; it reports it translated, at once', async () => {
    // Arrange
    let calls = 0;
    const unit = async () => {
      calls += 1;
      throw new ConditionalCheckFailedException(meta);
    };

    // Act
    const outcome = withStoreRetries(unit, quick);

    // Assert
    await expect(outcome).rejects.toBeInstanceOf(ConditionFailed);
    expect(calls).toBe(1);
  });

  it('does not retry other errors', async () => {
    // Arrange
    let calls = 0;
    const bug = new TypeError('bug');
    const unit = async () => {
      calls += 1;
      throw bug;
    };

    // Act
    const outcome = withStoreRetries(unit, quick);

    // Assert
    await expect(outcome).rejects.toBe(bug);
    expect(calls).toBe(1);
  });
});
