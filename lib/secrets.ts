import { AsyncLocalStorage } from 'node:async_hooks';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigurationError } from './config.js';
import { EnvVar, SECRET_NAMES, type SecretName, secretArnEnvVar } from './infra/resources.js';

/**
 * Secrets: on AWS each is its own Secrets Manager secret, and a function's environment names the ARNs of
 * only those its spec declares (`secrets`), which are the only ones its role may read; locally they all
 * come from environment variables, and the local runtime refuses, per invocation, any its function does
 * not declare. Either way a function that reaches for a secret it does not hold fails loudly with the
 * name, instead of a public function quietly carrying the webhook secrets. Read once per cold start.
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
   * material so the two always change together. Absent until the operator writes it (README).
   */
  signingCertificateChain: z.string().includes('BEGIN CERTIFICATE').optional(),
  /** PEM (PKCS#8), local sandbox only: on AWS the private key is in KMS and never here. */
  signingPrivateKey: z.string().includes('PRIVATE KEY').optional(),
}) satisfies z.ZodObject<Record<SecretName, z.ZodType>>;
export type Secrets = z.infer<typeof SecretsSchema>;

/** The secrets the running local invocation's function declares (undefined outside one, and on AWS). */
const localGrants = new AsyncLocalStorage<ReadonlySet<SecretName>>();

/** The local runtime runs each invocation inside this, with its function's declared secrets. */
export const runWithSecretGrants = <T>(granted: readonly SecretName[], work: () => Promise<T>): Promise<T> =>
  localGrants.run(new Set(granted), work);

export class SecretNotGrantedError extends ConfigurationError {
  constructor(readonly secret: SecretName) {
    super(
      `this function does not hold the secret "${secret}": add it to the \`secrets\` of its spec ` +
        '(lib/api/routes.ts or lib/infra/functions.ts), which grants it on AWS',
    );
  }
}

/**
 * The secrets as one object whose every field is checked when read: a secret the function does not hold
 * throws SecretNotGrantedError, so destructuring only what a use case needs is the grant check.
 */
const guarded = (values: Partial<Secrets>, held: (name: SecretName) => boolean): Secrets => {
  const view = {} as Secrets;
  for (const name of SECRET_NAMES) {
    Object.defineProperty(view, name, {
      enumerable: true,
      get: () => {
        const local = localGrants.getStore();
        if ((local && !local.has(name)) || !held(name)) throw new SecretNotGrantedError(name);
        return values[name];
      },
    });
  }
  return view;
};

const invalid = (error: z.ZodError, source: string) =>
  new ConfigurationError(
    `secrets from ${source} are missing or too short: ${error.issues.map((issue) => issue.path.join('.')).join(', ')}`,
  );

/** On AWS: each granted secret by its ARN (the certificate chain counts as absent until it is a PEM chain). */
const fromSecretsManager = async (arns: [SecretName, string][]): Promise<Secrets> => {
  const client = new SecretsManagerClient({});
  const values: Partial<Record<SecretName, unknown>> = {};
  await Promise.all(
    arns.map(async ([name, arn]) => {
      const response = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      const text = response.SecretString;
      values[name] =
        name === 'signingCertificateChain' && !text?.includes('BEGIN CERTIFICATE') ? undefined : text;
    }),
  );
  const granted = new Set(arns.map(([name]) => name));
  const shape = Object.fromEntries(arns.map(([name]) => [name, SecretsSchema.shape[name]]));
  const result = z.object(shape).safeParse(values);
  if (!result.success) throw invalid(result.error, 'Secrets Manager');
  return guarded(result.data as Partial<Secrets>, (name) => granted.has(name));
};

const fromEnvironment = (): Secrets => {
  const result = SecretsSchema.safeParse(
    Object.fromEntries(SECRET_NAMES.map((name) => [name, process.env[EnvVar[name]] || undefined])),
  );
  if (!result.success) throw invalid(result.error, 'the environment');
  return guarded(result.data, () => true);
};

let pending: Promise<Secrets> | undefined;

export const secrets = (): Promise<Secrets> => {
  pending ??= (async () => {
    const arns = SECRET_NAMES.flatMap((name): [SecretName, string][] => {
      const arn = process.env[secretArnEnvVar(name)];
      return arn ? [[name, arn]] : [];
    });
    return arns.length > 0 ||
      process.env[EnvVar.stage] === 'production' ||
      process.env[EnvVar.stage] === 'staging'
      ? fromSecretsManager(arns)
      : fromEnvironment();
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
};

export const resetSecretsForTests = (): void => {
  pending = undefined;
};
