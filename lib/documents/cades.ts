import { createHash, createPublicKey, verify } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { commonNameOf, parseCertificateChain, toArrayBuffer } from './pki.js';

/**
 * The issuer's signing key, wherever it lives: a key file in the sandbox, KMS on AWS (the private key
 * never leaves it). Signs with RSASSA-PKCS1-v1_5 over SHA-256.
 */
export interface DocumentSigningKey {
  /** PEM: the signing certificate first, then its issuers up to the root. */
  readonly certificateChainPem: string;
  /** RSASSA-PKCS1-v1_5 with SHA-256 of `data` (small: the DER of a signature's signed attributes). */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

/**
 * ESS signing-certificate-v2 (RFC 5035): binds the signer's certificate into the signed attributes, as
 * PAdES baseline (ETSI EN 319 142-1, B-B level) requires. SHA-256 is the default hash, so it is omitted.
 */
const signingCertificateV2 = (certificate: pkijs.Certificate): asn1js.Sequence => {
  const certificateHash = createHash('sha256').update(Buffer.from(certificate.toSchema().toBER())).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          new asn1js.Constructed({
            idBlock: { tagClass: 3, tagNumber: 4 }, // [4] directoryName
            value: [certificate.issuer.toSchema()],
          }),
        ],
      }),
      certificate.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: toArrayBuffer(certificateHash) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
};

/**
 * A detached CAdES signature (CMS SignedData without content) over `content`: what a PAdES signature's
 * `/Contents` holds. Built with pkijs; the signature itself comes from the key, so a KMS key works the
 * same as a local one.
 */
export const signDetachedCades = async (
  content: Uint8Array,
  key: DocumentSigningKey,
): Promise<Uint8Array> => {
  const chain = parseCertificateChain(key.certificateChainPem);
  const signer = chain[0] as pkijs.Certificate;
  const contentDigest = createHash('sha256').update(content).digest();

  const signedAttributes = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({
        type: OID.contentType,
        values: [new asn1js.ObjectIdentifier({ value: OID.data })],
      }),
      new pkijs.Attribute({
        type: OID.messageDigest,
        values: [new asn1js.OctetString({ valueHex: toArrayBuffer(contentDigest) })],
      }),
      new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(signer)] }),
    ],
  });
  // The signature covers the DER of the attributes as a SET (tag 0x31), not as the [0] field (RFC 5652 §5.4).
  const encodedAttributes = new Uint8Array(signedAttributes.toSchema().toBER());
  encodedAttributes[0] = 0x31;
  const signature = await key.sign(encodedAttributes);

  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    certificates: chain,
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.issuer, serialNumber: signer.serialNumber }),
        digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
        signedAttrs: signedAttributes,
        signatureAlgorithm: new pkijs.AlgorithmIdentifier({
          algorithmId: OID.rsaEncryption,
          algorithmParams: new asn1js.Null(),
        }),
        signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signature) }),
      }),
    ],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER());
};

export interface CadesCheck {
  /** The signer's signature over the signed attributes verifies with the signer's certificate. */
  readonly signatureValid: boolean;
  /** The signed message digest equals the SHA-256 of `content` (the bytes were not changed). */
  readonly digestMatches: boolean;
  /** The signer's certificate chains to one of `trustedRoots` and every certificate is in its validity. */
  readonly certificateChainValid: boolean;
  /** Hex SHA-256 the signature claims for the content. */
  readonly signedDigestHex?: string;
  readonly signerCommonName?: string;
}

const messageDigestOf = (signerInfo: pkijs.SignerInfo): Uint8Array | undefined => {
  const attribute = signerInfo.signedAttrs?.attributes.find((entry) => entry.type === OID.messageDigest);
  const value = attribute?.values[0];
  return value instanceof asn1js.OctetString ? new Uint8Array(value.valueBlock.valueHexView) : undefined;
};

/** Checks a detached CAdES signature over `content` (pkijs verifies; nothing is trusted from the PDF). */
export const checkDetachedCades = async (
  cms: Uint8Array,
  content: Uint8Array,
  trustedRoots: readonly pkijs.Certificate[],
  at: Date,
): Promise<CadesCheck> => {
  let signedData: pkijs.SignedData;
  try {
    const contentInfo = pkijs.ContentInfo.fromBER(toArrayBuffer(cms));
    if (contentInfo.contentType !== OID.signedData) throw new Error('not SignedData');
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch {
    return { signatureValid: false, digestMatches: false, certificateChainValid: false };
  }
  const signerInfo = signedData.signerInfos[0];
  const claimed = signerInfo ? messageDigestOf(signerInfo) : undefined;
  const actual = createHash('sha256').update(content).digest();
  const digestMatches = claimed !== undefined && Buffer.from(claimed).equals(actual);
  const signerCertificate = signedData.certificates?.find(
    (entry): entry is pkijs.Certificate =>
      entry instanceof pkijs.Certificate &&
      signerInfo?.sid instanceof pkijs.IssuerAndSerialNumber &&
      entry.serialNumber.isEqual(signerInfo.sid.serialNumber),
  );
  let signatureValid = false;
  if (signerCertificate && signerInfo?.signedAttrs) {
    try {
      // The signature over the signed attributes, apart from the digest, so a changed document is told
      // from a forged signature.
      const encodedAttributes = new Uint8Array(signerInfo.signedAttrs.toSchema().toBER());
      encodedAttributes[0] = 0x31;
      const publicKey = createPublicKey({
        key: Buffer.from(signerCertificate.subjectPublicKeyInfo.toSchema().toBER()),
        format: 'der',
        type: 'spki',
      });
      signatureValid = verify(
        'sha256',
        encodedAttributes,
        publicKey,
        Buffer.from(signerInfo.signature.valueBlock.valueHexView),
      );
    } catch {
      signatureValid = false;
    }
  }
  let certificateChainValid = false;
  if (signerCertificate) {
    try {
      const engine = new pkijs.CertificateChainValidationEngine({
        trustedCerts: [...trustedRoots],
        certs: (signedData.certificates ?? []).filter(
          (entry): entry is pkijs.Certificate => entry instanceof pkijs.Certificate,
        ),
        checkDate: at,
      });
      const result = await engine.verify();
      certificateChainValid = result.result;
    } catch {
      certificateChainValid = false;
    }
  }
  const commonName = signerCertificate ? commonNameOf(signerCertificate) : undefined;
  return {
    signatureValid,
    digestMatches,
    certificateChainValid,
    ...(claimed ? { signedDigestHex: Buffer.from(claimed).toString('hex') } : {}),
    ...(commonName ? { signerCommonName: commonName } : {}),
  };
};
