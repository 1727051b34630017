import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { faultInjectionPlugin } from '../../lib/adapters/fault-injection.js';
import { config } from '../../lib/config.js';
import { capacityMeterPlugin } from '../bench/capacity-meter.js';
import { baselineIdempotencyTable } from './tables.js';

/**
 * Powertools for AWS Lambda idempotency, configured the way its documentation shows: a DynamoDB persistence
 * layer on its own table, records kept for an hour, the payload hashed so that the same key with another
 * body is refused. Its own DynamoDB client (as the library creates by default), with the same fault
 * injector and capacity meter as kuota's client.
 */
let persistence: DynamoDBPersistenceLayer | undefined;

export const idempotencyPersistence = (): DynamoDBPersistenceLayer => {
  if (!persistence) {
    const { dynamoDbEndpoint, region, stage } = config();
    const client = new DynamoDBClient({
      region,
      ...(dynamoDbEndpoint ? { endpoint: dynamoDbEndpoint } : {}),
      ...(stage === 'local' ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      maxAttempts: 2,
    });
    client.middlewareStack.use(faultInjectionPlugin);
    client.middlewareStack.use(capacityMeterPlugin);
    persistence = new DynamoDBPersistenceLayer({
      tableName: baselineIdempotencyTable(),
      awsSdkV3Client: client,
    });
  }
  return persistence;
};

/**
 * Idempotency of a use case whose first argument is `{ key, payload, ... }`. One configuration per process,
 * as in the documentation's examples; each invocation registers its Lambda context on it (in-progress
 * records then expire with the invocation's timeout).
 */
let sharedConfig: IdempotencyConfig | undefined;
export const idempotencyConfig = (): IdempotencyConfig => {
  sharedConfig ??= new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'payload',
    expiresAfterSeconds: 3_600,
  });
  return sharedConfig;
};

/** A middy `before` hook for the baseline's handlers. */
export const registerIdempotencyContext = (request: { context: Context }): void => {
  idempotencyConfig().registerLambdaContext(request.context);
};

/** Tests and the benchmark re-create the persistence layer after changing the environment. */
export const resetBaselineIdempotency = (): void => {
  persistence = undefined;
};
