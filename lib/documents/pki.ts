import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * X.509 work for e-Meterai signatures, on pkijs (no hand-written ASN.1 encoder): reading PEM chains, and
 * minting the sandbox's own certificate authority (a root CA and the issuer's signing certificate), which
 * the local stack generates at first start. On AWS the issuer's key lives in KMS and its certificate is
 * issued by a real CA; only the reading half runs there.
 */
const cryptoEngine = new pkijs.CryptoEngine({
  name: 'node',
  crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'],
});
pkijs.setEngine('node', cryptoEngine);
export const pkiCrypto = (): pkijs.ICryptoEngine => cryptoEngine;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

export const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** Every certificate of a PEM bundle, in order, as pkijs certificates. */
export const parseCertificateChain = (pem: string): pkijs.Certificate[] => {
  const certificates = [...pem.matchAll(PEM_BLOCK)].map((match) =>
    pkijs.Certificate.fromBER(toArrayBuffer(Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64'))),
  );
  if (certificates.length === 0) throw new Error('no certificate in the PEM chain');
  return certificates;
};

export const certificateToPem = (certificate: pkijs.Certificate): string => {
  const base64 = Buffer.from(certificate.toSchema().toBER()).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
};

/** The common name of a certificate's subject (what `pdfsig` shows as the signer). */
export const commonNameOf = (certificate: pkijs.Certificate): string | undefined => {
  const attribute = certificate.subject.typesAndValues.find((entry) => entry.type === '2.5.4.3');
  return attribute ? String(attribute.value.valueBlock.value) : undefined;
};

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  country: '2.5.4.6',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  /** id-kp-documentSigning (RFC 9336). */
  documentSigning: '1.3.6.1.5.5.7.3.36',
  emailProtection: '1.3.6.1.5.5.7.3.4',
} as const;

const setName = (name: pkijs.RelativeDistinguishedNames, commonName: string) => {
  name.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({
      type: OID.country,
      value: new asn1js.PrintableString({ value: 'ID' }),
    }),
    new pkijs.AttributeTypeAndValue({
      type: OID.organization,
      value: new asn1js.Utf8String({ value: 'kuota sandbox' }),
    }),
    new pkijs.AttributeTypeAndValue({
      type: OID.commonName,
      value: new asn1js.Utf8String({ value: commonName }),
    }),
  );
};

/** keyUsage bits, DER's named-bit order: digitalSignature (0), nonRepudiation (1), keyCertSign (5), cRLSign (6). */
const keyUsage = (bits: readonly number[]) => {
  const value = bits.reduce((byte, bit) => byte | (0x80 >> bit), 0);
  const unused = value & 0x01 ? 0 : value & 0x02 ? 1 : value & 0x04 ? 2 : 3;
  return new pkijs.Extension({
    extnID: OID.keyUsage,
    critical: true,
    extnValue: new asn1js.BitString({ valueHex: new Uint8Array([value]).buffer, unusedBits: unused }).toBER(),
  });
};

const keyIdentifier = async (publicKey: KeyObject): Promise<ArrayBuffer> =>
  webcrypto.subtle.digest('SHA-1', publicKey.export({ type: 'spki', format: 'der' }));

const toCryptoKey = (key: KeyObject, usage: 'sign' | 'verify'): Promise<webcrypto.CryptoKey> =>
  usage === 'sign'
    ? webcrypto.subtle.importKey(
        'pkcs8',
        key.export({ type: 'pkcs8', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['sign'],
      )
    : webcrypto.subtle.importKey(
        'spki',
        key.export({ type: 'spki', format: 'der' }),
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        true,
        ['verify'],
      );

interface IssueOptions {
  readonly subjectCommonName: string;
  readonly subjectPublicKey: KeyObject;
  readonly issuer?: { readonly certificate: pkijs.Certificate; readonly privateKey: KeyObject };
  /** Used when there is no issuer (a self-signed root). */
  readonly selfSigningKey?: KeyObject;
  readonly certificateAuthority: boolean;
  readonly validDays: number;
  readonly now: Date;
}

const issueCertificate = async (options: IssueOptions): Promise<pkijs.Certificate> => {
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: toArrayBuffer(randomSerial()) });
  setName(certificate.subject, options.subjectCommonName);
  if (options.issuer) certificate.issuer = options.issuer.certificate.subject;
  else setName(certificate.issuer, options.subjectCommonName);
  // Back-dated an hour, so a clock a little behind the signer's still sees a valid certificate.
  certificate.notBefore.value = new Date(options.now.getTime() - 3_600_000);
  certificate.notAfter.value = new Date(options.now.getTime() + options.validDays * 86_400_000);
  await certificate.subjectPublicKeyInfo.importKey(await toCryptoKey(options.subjectPublicKey, 'verify'));

  const subjectKeyId = await keyIdentifier(options.subjectPublicKey);
  const issuerPublicKey = options.issuer
    ? createPublicKey(options.issuer.privateKey)
    : createPublicKey(options.selfSigningKey as KeyObject);
  const authorityKeyId = await keyIdentifier(issuerPublicKey);
  certificate.extensions = [
    new pkijs.Extension({
      extnID: OID.basicConstraints,
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: options.certificateAuthority }).toSchema().toBER(),
      parsedValue: new pkijs.BasicConstraints({ cA: options.certificateAuthority }),
    }),
    options.certificateAuthority ? keyUsage([5, 6]) : keyUsage([0, 1]),
    new pkijs.Extension({
      extnID: OID.subjectKeyIdentifier,
      extnValue: new asn1js.OctetString({ valueHex: subjectKeyId }).toBER(),
    }),
    new pkijs.Extension({
      extnID: OID.authorityKeyIdentifier,
      extnValue: new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: authorityKeyId }),
      })
        .toSchema()
        .toBER(),
    }),
    ...(options.certificateAuthority
      ? []
      : [
          new pkijs.Extension({
            extnID: OID.extendedKeyUsage,
            extnValue: new pkijs.ExtKeyUsage({ keyPurposes: [OID.documentSigning, OID.emailProtection] })
              .toSchema()
              .toBER(),
          }),
        ]),
  ];
  const signingKey = options.issuer?.privateKey ?? options.selfSigningKey;
  if (!signingKey) throw new Error('a certificate needs an issuer or a self-signing key');
  await certificate.sign(await toCryptoKey(signingKey, 'sign'), 'SHA-256');
  return certificate;
};

const randomSerial = (): Uint8Array => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // positive INTEGER
  return bytes;
};

/** The sandbox's signing material: the issuer's private key and its chain (issuer first, then the root). */
export interface SandboxSigningMaterial {
  readonly issuerPrivateKeyPem: string;
  readonly issuerCertificatePem: string;
  readonly rootCertificatePem: string;
}

/** A fresh sandbox root CA and issuer signing certificate (RSA 3072, SHA-256), for the local stack. */
export const mintSandboxSigningMaterial = async (now = new Date()): Promise<SandboxSigningMaterial> => {
  const root = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const issuer = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const rootCertificate = await issueCertificate({
    subjectCommonName: 'kuota sandbox root CA',
    subjectPublicKey: root.publicKey,
    selfSigningKey: root.privateKey,
    certificateAuthority: true,
    validDays: 3650,
    now,
  });
  const issuerCertificate = await issueCertificate({
    subjectCommonName: 'kuota sandbox e-Meterai issuer',
    subjectPublicKey: issuer.publicKey,
    issuer: { certificate: rootCertificate, privateKey: root.privateKey },
    certificateAuthority: false,
    validDays: 825,
    now,
  });
  return {
    issuerPrivateKeyPem: issuer.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    issuerCertificatePem: certificateToPem(issuerCertificate),
    rootCertificatePem: certificateToPem(rootCertificate),
  };
};
