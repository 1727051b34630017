import { afterEach, describe, expect, it } from 'vitest';
import { EnvVar, SECRET_NAMES, secretArnEnvVar } from '../../lib/infra/resources.js';
import {
  resetSecretsForTests,
  runWithSecretGrants,
  SecretNotGrantedError,
  secrets,
} from '../../lib/secrets.js';

/** A function holds only the secrets its spec declares: reading another fails, naming it. */
const LOCAL_VALUES: Record<string, string> = {
  [EnvVar.taxAuthorityWebhookSecret]: 't'.repeat(32),
  [EnvVar.paymentGatewayWebhookSecret]: 'p'.repeat(32),
  [EnvVar.nikHmacKey]: 'n'.repeat(32),
  [EnvVar.serialKey]: 's'.repeat(32),
  [EnvVar.orderTokenKey]: 'o'.repeat(32),
};
const saved = { ...process.env };
const useEnvironment = (values: Record<string, string>) => {
  for (const name of SECRET_NAMES) {
    delete process.env[EnvVar[name]];
    delete process.env[secretArnEnvVar(name)];
  }
  Object.assign(process.env, values);
  resetSecretsForTests();
};
afterEach(() => {
  process.env = { ...saved };
  resetSecretsForTests();
});

describe('secrets', () => {
  it('gives an invocation the secrets its function declares, and refuses any other by name', async () => {
    // Arrange
    useEnvironment(LOCAL_VALUES);

    // Act
    const held = await runWithSecretGrants(['nikHmacKey'], async () => (await secrets()).nikHmacKey);
    const refused = runWithSecretGrants(['nikHmacKey', 'orderTokenKey'], async () => {
      const { paymentGatewayWebhookSecret } = await secrets();
      return paymentGatewayWebhookSecret;
    });

    // Assert
    expect(held).toBe('n'.repeat(32));
    await expect(refused).rejects.toBeInstanceOf(SecretNotGrantedError);
    await expect(refused).rejects.toThrow(/paymentGatewayWebhookSecret/);
  });

  it('lets code outside any invocation (scripts, tests) read every secret', async () => {
    // Arrange
    useEnvironment(LOCAL_VALUES);

    // Act
    const all = await secrets();

    // Assert
    expect(all.serialKey).toBe('s'.repeat(32));
    expect(all.taxAuthorityWebhookSecret).toBe('t'.repeat(32));
  });

  it('names the secret that is missing or too short', async () => {
    // Arrange
    useEnvironment({ ...LOCAL_VALUES, [EnvVar.serialKey]: 'short' });

    // Act
    const reading = secrets();

    // Assert
    await expect(reading).rejects.toThrow(/serialKey/);
  });

  it('names each granted secret’s ARN variable after it', () => {
    expect(secretArnEnvVar('nikHmacKey')).toBe('KUOTA_SECRET_ARN_NIK_HMAC_KEY');
    expect(secretArnEnvVar('taxAuthorityWebhookSecret')).toBe(
      'KUOTA_SECRET_ARN_TAX_AUTHORITY_WEBHOOK_SECRET',
    );
  });
});
