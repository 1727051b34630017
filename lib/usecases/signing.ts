import type * as pkijs from 'pkijs';
import { kms } from '../adapters/aws-clients.js';
import { kmsSigningKey, localSigningKey } from '../adapters/signing-keys.js';
import { ConfigurationError, config } from '../config.js';
import type { DocumentSigningKey } from '../documents/cades.js';
import { parseCertificateChain } from '../documents/pki.js';
import { EnvVar } from '../infra/resources.js';
import { secrets } from '../secrets.js';

export interface IssuerSigning {
  readonly key: DocumentSigningKey;
  /** The root of the issuer's chain: what a stamped document's certificate must chain to. */
  readonly trustedRoots: readonly pkijs.Certificate[];
}

let pending: Promise<IssuerSigning> | undefined;

/**
 * The issuer's key and chain, resolved once per cold start: the KMS key when one is configured, else (local
 * stage only) the sandbox key the local stack generated. Production never signs with a key from a secret.
 */
export const issuerSigning = (): Promise<IssuerSigning> => {
  pending ??= (async () => {
    const { signingKmsKeyId, stage } = config();
    const { signingCertificateChain, signingPrivateKey } = await secrets();
    if (!signingCertificateChain)
      throw new ConfigurationError('secrets lack signingCertificateChain (the issuer certificate chain)');
    const chain = parseCertificateChain(signingCertificateChain);
    const trustedRoots = [chain[chain.length - 1] as pkijs.Certificate];
    if (signingKmsKeyId) {
      return { key: kmsSigningKey(kms(), signingKmsKeyId, signingCertificateChain), trustedRoots };
    }
    if (stage !== 'local' || !signingPrivateKey)
      throw new ConfigurationError(`${EnvVar.signingKmsKeyId} is required outside the local stage`);
    return { key: localSigningKey(signingPrivateKey, signingCertificateChain), trustedRoots };
  })();
  pending.catch(() => {
    pending = undefined;
  });
  return pending;
};

export const resetIssuerSigningForTests = (): void => {
  pending = undefined;
};
