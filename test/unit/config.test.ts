import { describe, expect, it } from 'vitest';
import { isSandboxQueue, isSandboxTable } from '../../cdk/stage.js';
import { ConfigurationError, configurationVariables, parseConfig } from '../../lib/config.js';
import {
  Buckets,
  EnvVar,
  type QueueKey,
  Queues,
  SECRET_NAMES,
  type TableKey,
  Tables,
} from '../../lib/infra/resources.js';

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

  it('treats an empty variable as unset: its default applies', () => {
    // Arrange
    const env = {
      ...completeEnv(),
      [EnvVar.stockShardCount]: '',
      [EnvVar.oneUnpaidReservationPerPerson]: '',
    };

    // Act
    const config = parseConfig(env);

    // Assert
    expect(config.stockShardCount).toBe(32);
    expect(config.oneUnpaidReservationPerPerson).toBe(true);
  });

  it('reads the log level as Powertools does (any case) and refuses an unknown one, naming the variable', () => {
    expect(parseConfig({ ...completeEnv(), [EnvVar.logLevel]: 'warn' }).logLevel).toBe('WARN');
    expect(failureOf({ ...completeEnv(), [EnvVar.logLevel]: 'LOUD' }).message).toContain(
      `${EnvVar.logLevel}:`,
    );
  });
});

describe('sandbox resources', () => {
  const sandboxVariables = [
    EnvVar.sandboxTable,
    EnvVar.webhookDeliveryQueueUrl,
    EnvVar.webhookDeliveryDlqUrl,
  ];
  const withoutSandbox = (stage: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...completeEnv(), [EnvVar.stage]: stage };
    for (const name of sandboxVariables) delete env[name];
    return env;
  };

  it('are the variables of exactly the tables and queues the stage plan leaves out of production', () => {
    // Arrange
    const planned = [
      ...(Object.keys(Tables) as TableKey[]).filter(isSandboxTable).map((key) => Tables[key].envVar),
      ...(Object.keys(Queues) as QueueKey[])
        .filter(isSandboxQueue)
        .flatMap((key) => [Queues[key].envVar, Queues[key].deadLetterEnvVar]),
    ];

    // Act
    const optionalInProduction = configurationVariables()
      .filter((variable) => variable.requirement === 'sandbox')
      .map((variable) => variable.name);

    // Assert
    expect(optionalInProduction.sort()).toEqual(planned.sort());
    expect(optionalInProduction.sort()).toEqual([...sandboxVariables].sort());
  });

  it('may be absent in production, and reading one there throws a ConfigurationError naming its variable', () => {
    // Act
    const config = parseConfig(withoutSandbox('production'));

    // Assert
    expect(config.stage).toBe('production');
    expect(config.mainTable).toBe('test-main');
    expect(() => config.sandboxTable).toThrow(ConfigurationError);
    expect(() => config.sandboxTable).toThrow(`${EnvVar.sandboxTable} is not set`);
    expect(() => config.webhookDeliveryQueueUrl).toThrow(`${EnvVar.webhookDeliveryQueueUrl} is not set`);
    expect(() => config.deadLetterQueueUrls.webhookDelivery).toThrow(
      `${EnvVar.webhookDeliveryDlqUrl} is not set`,
    );
    expect(Object.keys(config.deadLetterQueueUrls).sort()).toEqual(
      ['allocation', 'resellerWebhooks', 'stamping', 'storefrontOrders', 'storefrontTimers'].sort(),
    );
  });

  it.each(['local', 'staging'])('are required in stage %s, each named', (stage) => {
    // Act
    const error = failureOf(withoutSandbox(stage));

    // Assert
    expect(error).toBeInstanceOf(ConfigurationError);
    for (const name of sandboxVariables) expect(error.message).toContain(`${name}: required`);
  });

  it('are still checked in production when given', () => {
    // Arrange
    const env = { ...withoutSandbox('production'), [EnvVar.webhookDeliveryQueueUrl]: 'not-a-url' };

    // Act
    const error = failureOf(env);

    // Assert
    expect(error.message).toContain(`${EnvVar.webhookDeliveryQueueUrl}:`);
  });

  it('are ordinary values where the stage deploys the sandbox', () => {
    // Act
    const config = parseConfig({ ...completeEnv(), [EnvVar.stage]: 'staging' });

    // Assert
    expect(config.sandboxTable).toBe('test-sandbox');
    expect(config.deadLetterQueueUrls.webhookDelivery).toMatch(/test-webhook-delivery-dlq$/);
  });
});

describe('variable names', () => {
  it('are KUOTA_-prefixed, except AWS_REGION (AWS sets it)', () => {
    // Arrange
    const names = [...Object.values(EnvVar), ...configurationVariables().map((variable) => variable.name)];

    // Act
    const unprefixed = names.filter((name) => !/^KUOTA_[A-Z0-9_]+$/.test(name));

    // Assert
    expect([...new Set(unprefixed)]).toEqual([EnvVar.awsRegion]);
  });

  it('each mean one thing: a configuration variable or a secret (lib/secrets.ts), never both, none unused', () => {
    // Arrange
    const configured = configurationVariables().map((variable) => variable.name);
    const secrets: readonly string[] = SECRET_NAMES.map((name) => EnvVar[name]);

    // Act
    const orphans = Object.values(EnvVar).filter(
      (name) => !configured.includes(name) && !secrets.includes(name),
    );

    // Assert
    expect(orphans).toEqual([]);
    expect(configured.filter((name) => secrets.includes(name))).toEqual([]);
    expect(new Set(configured).size).toBe(configured.length);
  });
});
