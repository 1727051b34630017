import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigurationError } from './config.js';
import { EnvVar } from './infra/resources.js';

/**
 * Secrets come from one JSON secret in Secrets Manager on AWS (its ARN in KUOTA_SECRETS_ARN), or from
 * environment variables in the local cloud. Read once per cold start.
 */
const SecretsSchema = z.object({
  taxAuthorityWebhookSecret: z.string().min(16),
  paymentGatewayWebhookSecret: z.string().min(16),
  nikHmacKey: z.string().min(32),
  serialKey: z.string().min(32),
  /** Signs order tokens (and only them): rotating it revokes every outstanding token, nothing else. */
  orderTokenKey: z.string().min(32),
  /**
   * PEM: the issuer's signing certificate, then its CA chain up to the root. Public, but kept with the key
   * material so the two always change together.
   */
  signingCertificateChain: z.string().includes('BEGIN CERTIFICATE').optional(),
  /** PEM (PKCS#8), local sandbox only: on AWS the private key is in KMS and never here. */
  signingPrivateKey: z.string().includes('PRIVATE KEY').optional(),
});
export type Secrets = z.infer<typeof SecretsSchema>;

const parse = (raw: unknown, source: string): Secrets => {
  const result = SecretsSchema.safeParse(raw);
  if (!result.success) {
    const names = result.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new ConfigurationError(`secrets from ${source} are missing or too short: ${names}`);
  }
  return result.data;
};

let pending: Promise<Secrets> | undefined;

export const secrets = (): Promise<Secrets> => {
  pending ??= (async () => {
    const arn = process.env[EnvVar.secretsArn];
    if (arn) {
      const client = new SecretsManagerClient({});
      const response = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      return parse(JSON.parse(response.SecretString ?? '{}'), 'Secrets Manager');
    }
    return parse(
      {
        taxAuthorityWebhookSecret: process.env[EnvVar.taxAuthorityWebhookSecret],
        paymentGatewayWebhookSecret: process.env[EnvVar.paymentGatewayWebhookSecret],
        nikHmacKey: process.env[EnvVar.nikHmacKey],
        serialKey: process.env[EnvVar.serialKey],
        orderTokenKey: process.env[EnvVar.orderTokenKey],
        signingCertificateChain: process.env[EnvVar.signingCertificateChain] || undefined,
        signingPrivateKey: process.env[EnvVar.signingPrivateKey] || undefined,
      },
      'the environment',
    );
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
};

export const resetSecretsForTests = (): void => {
  pending = undefined;
};
