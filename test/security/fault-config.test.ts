import { describe, expect, it } from 'vitest';
import { ConfigurationError, parseConfig } from '../../lib/config.js';
import { Buckets, EnvVar, Queues, Tables } from '../../lib/infra/resources.js';

/**
 * Security sweep, configuration: injected DynamoDB faults (KUOTA_FAULT_*) are a test instrument. They
 * default to off, accept only rates in 0..1, and a production stage refuses to start with any of them on.
 */
const environment = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...extra };
  for (const table of Object.values(Tables)) env[table.envVar] = `test-${table.logicalName}`;
  for (const bucket of Object.values(Buckets)) env[bucket.envVar] = `test-${bucket.logicalName}`;
  for (const queue of Object.values(Queues)) {
    env[queue.envVar] = `http://127.0.0.1:4566/000000000000/test-${queue.logicalName}`;
    env[queue.deadLetterEnvVar] = `http://127.0.0.1:4566/000000000000/test-${queue.logicalName}-dlq`;
  }
  return env;
};

const allFaults = (rate: string) => ({
  [EnvVar.faultThrottleRate]: rate,
  [EnvVar.faultTransactionConflictRate]: rate,
  [EnvVar.faultLostResponseRate]: rate,
});

describe('fault injection by configuration', () => {
  it('is off unless configured', () => {
    expect(parseConfig(environment({})).faults).toEqual({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 0,
    });
  });

  it('reads the three rates at cold start', () => {
    expect(parseConfig(environment(allFaults('0.2'))).faults).toEqual({
      throttleRate: 0.2,
      transactionConflictRate: 0.2,
      lostResponseRate: 0.2,
    });
  });

  it.each(['-0.1', '1.5', 'often'])('refuses the rate %s, naming the variable', (rate) => {
    expect(() => parseConfig(environment({ [EnvVar.faultLostResponseRate]: rate }))).toThrow(
      EnvVar.faultLostResponseRate,
    );
  });

  it.each(['local', 'staging'])('allows faults on the %s stage', (stage) => {
    expect(parseConfig(environment({ [EnvVar.stage]: stage, ...allFaults('0.1') })).faults.throttleRate).toBe(
      0.1,
    );
  });

  it.each(Object.keys(allFaults('0.1')))('refuses to start in production with %s set', (name) => {
    const env = environment({ [EnvVar.stage]: 'production', [name]: '0.1' });
    expect(() => parseConfig(env)).toThrow(ConfigurationError);
    expect(() => parseConfig(env)).toThrow(/refused in production/);
  });

  it('starts in production with the rates explicitly 0', () => {
    expect(parseConfig(environment({ [EnvVar.stage]: 'production', ...allFaults('0') })).stage).toBe(
      'production',
    );
  });
});
