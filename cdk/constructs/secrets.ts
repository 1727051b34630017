import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { LOCAL_ONLY_SECRETS, SECRET_NAMES, type SecretName } from '../../lib/infra/resources.js';
import type { Stage } from '../stage.js';

/** Secrets CloudFormation generates at the first deploy (random, at least 32 characters). */
export const GENERATED_SECRETS = [
  'taxAuthorityWebhookSecret',
  'paymentGatewayWebhookSecret',
  'nikHmacKey',
  'serialKey',
  'orderTokenKey',
] as const satisfies readonly SecretName[];

/** Longer than any minimum in lib/secrets.ts (32); letters and digits only, safe in headers and HMACs. */
export const GENERATED_SECRET_LENGTH = 64;

/**
 * Written by the operator once the CA has certified the KMS key (README, "Stamping on AWS"); until then
 * it holds this marker, which lib/secrets.ts reads as "not configured" (stampings fail STAMPING_ERROR).
 */
export const NOT_YET_CERTIFIED = 'NOT YET CERTIFIED: write the PEM chain of the issuer certificate here';

export interface KuotaSecretsProps {
  readonly stage: Stage;
  readonly prefix: string;
}

/**
 * One Secrets Manager secret per secret of lib/secrets.ts, so each function is granted, and told the ARN
 * of, only the secrets its spec declares: a public function never holds the webhook secrets. No value
 * appears in the template; no custom resource or code runs at deploy time.
 */
export class KuotaSecrets extends Construct {
  readonly byName: ReadonlyMap<SecretName, Secret>;

  constructor(scope: Construct, id: string, props: KuotaSecretsProps) {
    super(scope, id);
    const removalPolicy = props.stage === 'production' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const generated: ReadonlySet<SecretName> = new Set(GENERATED_SECRETS);
    const byName = new Map<SecretName, Secret>();
    for (const name of SECRET_NAMES) {
      if (LOCAL_ONLY_SECRETS.has(name)) continue;
      byName.set(
        name,
        new Secret(this, name, {
          secretName: `${props.prefix}/${name}`,
          description: `${props.prefix}: ${name}; read only by the functions that declare it`,
          removalPolicy,
          ...(generated.has(name)
            ? { generateSecretString: { passwordLength: GENERATED_SECRET_LENGTH, excludePunctuation: true } }
            : { secretStringValue: SecretValue.unsafePlainText(NOT_YET_CERTIFIED) }),
        }),
      );
    }
    this.byName = byName;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'No automatic rotation: the webhook secrets are shared with the tax authority and payment gateway ' +
        'and change only by agreement with them; nikHmacKey keys the stored NIK hashes and serialKey the ' +
        'issued stamp serials, so rotating either would orphan every existing record; the certificate chain ' +
        'changes when the CA re-certifies. Rotation is a planned, dual-key migration, not a schedule.',
    });
  }
}
