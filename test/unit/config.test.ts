import { describe, expect, it } from 'vitest';
import { ConfigurationError, parseConfig } from '../../lib/config.js';
import { Buckets, EnvVar, Queues, Tables } from '../../lib/infra/resources.js';

/**
 * A complete environment, built from the resource manifest the way the CDK stack and the local cloud build
 * theirs: every table name and every queue (and dead-letter queue) URL.
 */
const completeEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const table of Object.values(Tables)) env[table.envVar] = `test-${table.logicalName}`;
  for (const bucket of Object.values(Buckets)) env[bucket.envVar] = `test-${bucket.logicalName}`;
  for (const queue of Object.values(Queues) as {
    logicalName: string;
    envVar: string;
    deadLetterEnvVar?: string;
  }[]) {
    env[queue.envVar] = `http://127.0.0.1:4566/000000000000/test-${queue.logicalName}`;
    if (queue.deadLetterEnvVar) {
      env[queue.deadLetterEnvVar] = `http://127.0.0.1:4566/000000000000/test-${queue.logicalName}-dlq`;
    }
  }
  return env;
};

const failureOf = (env: NodeJS.ProcessEnv): Error => {
  try {
    parseConfig(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parseConfig accepted an invalid environment');
};

describe('parseConfig', () => {
  it('accepts a complete environment and fills in the defaults', () => {
    // Arrange
    const env = completeEnv();

    // Act
    const config = parseConfig(env);

    // Assert
    expect(config.stage).toBe('local');
    expect(config.region).toBe('ap-southeast-3');
    expect(config.mainTable).toBe('test-main');
    expect(config.billingTtlSeconds).toBe(24 * 60 * 60);
    expect(config.maxBodyBytes).toBe(16 * 1024);
    expect(config.dynamoDbEndpoint).toBeUndefined();
  });

  it('coerces numeric variables from their string form', () => {
    // Arrange
    const env = { ...completeEnv(), [EnvVar.billingTtlSeconds]: '120', [EnvVar.maxBodyBytes]: '2048' };

    // Act
    const config = parseConfig(env);

    // Assert
    expect(config.billingTtlSeconds).toBe(120);
    expect(config.maxBodyBytes).toBe(2048);
  });

  it('treats an empty endpoint override as no override', () => {
    // Arrange
    const env = { ...completeEnv(), [EnvVar.dynamoDbEndpoint]: '', [EnvVar.sqsEndpoint]: '' };

    // Act
    const config = parseConfig(env);

    // Assert
    expect(config.dynamoDbEndpoint).toBeUndefined();
    expect(config.sqsEndpoint).toBeUndefined();
  });

  it.each([
    ['the main table is missing', EnvVar.mainTable, undefined],
    ['the sandbox table is empty', EnvVar.sandboxTable, ''],
    ['the allocation queue URL is not a URL', EnvVar.allocationQueueUrl, 'allocation-queue'],
    ['the webhook delivery queue URL is missing', EnvVar.webhookDeliveryQueueUrl, undefined],
    ['the billing TTL is not a number', EnvVar.billingTtlSeconds, 'a day'],
    ['the billing TTL is zero', EnvVar.billingTtlSeconds, '0'],
    ['the billing TTL is negative', EnvVar.billingTtlSeconds, '-60'],
    ['the billing TTL is fractional', EnvVar.billingTtlSeconds, '1.5'],
    ['the body limit is not a number', EnvVar.maxBodyBytes, '16k'],
    ['the stage is unknown', EnvVar.stage, 'prod'],
    ['the DynamoDB endpoint lacks its scheme', EnvVar.dynamoDbEndpoint, 'localhost:8000'],
    ['the SQS endpoint is not http(s)', EnvVar.sqsEndpoint, 'ftp://127.0.0.1:4566'],
  ])('fails loudly, naming the variable, when %s', (_name, variable, value) => {
    // Arrange
    const env = { ...completeEnv(), [variable]: value };

    // Act
    const error = failureOf(env);

    // Assert
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain(`${variable}:`);
  });

  it('names every problem at once, not only the first', () => {
    // Arrange
    const env = {
      ...completeEnv(),
      [EnvVar.mainTable]: undefined,
      [EnvVar.allocationQueueUrl]: 'nope',
      [EnvVar.billingTtlSeconds]: 'never',
    };

    // Act
    const error = failureOf(env);

    // Assert
    for (const variable of [EnvVar.mainTable, EnvVar.allocationQueueUrl, EnvVar.billingTtlSeconds]) {
      expect(error.message).toContain(variable);
    }
  });

  it('names the variables of every table and queue when the environment is empty', () => {
    // Arrange
    const env: NodeJS.ProcessEnv = {};

    // Act
    const error = failureOf(env);

    // Assert
    for (const table of Object.values(Tables)) expect(error.message).toContain(table.envVar);
    for (const queue of Object.values(Queues)) expect(error.message).toContain(queue.envVar);
    const problems = error.message.replace(/^invalid configuration: /, '').split('; ');
    for (const problem of problems) expect(problem).toMatch(/^[A-Z][A-Z0-9_]+: /);
  });
});
