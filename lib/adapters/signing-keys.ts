import { createPrivateKey, sign } from 'node:crypto';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { DocumentSigningKey } from '../documents/cades.js';

/**
 * The issuer's signing key. On AWS it is an asymmetric KMS key (RSA, SIGN_VERIFY): the private key never
 * leaves KMS, each stamping is one `Sign` request. In the local sandbox it is a key file under `.kuota/`.
 */
export const kmsSigningKey = (
  client: KMSClient,
  keyId: string,
  certificateChainPem: string,
): DocumentSigningKey => ({
  certificateChainPem,
  async sign(data) {
    const response = await client.send(
      new SignCommand({
        KeyId: keyId,
        Message: data,
        MessageType: 'RAW',
        SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
      }),
    );
    if (!response.Signature) throw new Error('KMS returned no signature');
    return response.Signature;
  },
});

export const localSigningKey = (privateKeyPem: string, certificateChainPem: string): DocumentSigningKey => {
  const privateKey = createPrivateKey(privateKeyPem);
  return {
    certificateChainPem,
    sign: async (data) => new Uint8Array(sign('sha256', data, privateKey)),
  };
};
