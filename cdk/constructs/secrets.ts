import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Secrets } from '../../lib/secrets.js';
import type { Stage } from '../stage.js';

/**
 * Every generated key of the JSON secret lib/secrets.ts reads. Typed against its `Secrets`: a key added
 * there fails the type check here until it is generated too. Not generated: the issuer's certificate chain,
 * which the operator writes into the bundle once the CA has certified the KMS key (README, "Stamping on
 * AWS"), and the sandbox private key, which exists only locally.
 */
export const SECRET_KEYS = {
  taxAuthorityWebhookSecret: true,
  paymentGatewayWebhookSecret: true,
  nikHmacKey: true,
  serialKey: true,
  orderTokenKey: true,
} as const satisfies Record<Exclude<keyof Secrets, 'signingCertificateChain' | 'signingPrivateKey'>, true>;
export type SecretKey = keyof typeof SECRET_KEYS;

/** Longer than any minimum in lib/secrets.ts (32); letters and digits only, safe in headers and HMACs. */
export const GENERATED_SECRET_LENGTH = 64;

export interface KuotaSecretsProps {
  readonly stage: Stage;
  readonly prefix: string;
}

/**
 * The one JSON secret the functions read (its ARN in KUOTA_SECRETS_ARN).
 *
 * CloudFormation generates exactly one random value per secret (`GenerateSecretString` has a single
 * `GenerateStringKey`), so each key is generated into its own seed secret and the bundle is assembled from
 * them with `{{resolve:secretsmanager:...}}` dynamic references. No value appears in the template, no
 * custom resource or code runs at deploy time, and only the bundle is granted to functions. Operators
 * replace the webhook secrets with the ones agreed with each sender by writing the bundle.
 */
export class KuotaSecrets extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: KuotaSecretsProps) {
    super(scope, id);
    const removalPolicy = props.stage === 'production' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const values = {} as Record<SecretKey, SecretValue>;
    for (const key of Object.keys(SECRET_KEYS) as SecretKey[]) {
      const seed = new Secret(this, `Seed-${key}`, {
        description: `${props.prefix}: generated initial value of ${key}; functions read the bundle secret`,
        generateSecretString: { passwordLength: GENERATED_SECRET_LENGTH, excludePunctuation: true },
        removalPolicy,
      });
      values[key] = SecretValue.secretsManager(seed.secretArn);
    }
    this.secret = new Secret(this, 'Bundle', {
      description: `${props.prefix}: the bundle (JSON) of webhook signing secrets, NIK HMAC key and serial key`,
      secretObjectValue: values,
      removalPolicy,
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'No automatic rotation: the webhook secrets are shared with the tax authority and payment gateway ' +
        'and change only by agreement with them; nikHmacKey keys the stored NIK hashes and serialKey the ' +
        'issued stamp serials, so rotating either would orphan every existing record. Rotation is a ' +
        'planned, dual-key migration, not a schedule.',
    });
  }
}
