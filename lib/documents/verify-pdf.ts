import { createHash } from 'node:crypto';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
} from '@cantoo/pdf-lib';
import type * as pkijs from 'pkijs';
import { serialOfSignatureReason } from '../domain/stamping.js';
import { checkDetachedCades } from './cades.js';

/** One e-Meterai signature found in a PDF, checked against the document's own bytes. */
export interface FoundSignature {
  readonly serial?: string;
  /** The signing time the signature dictionary states (`/M`), ISO 8601. */
  readonly statedSigningTime?: string;
  readonly signatureValid: boolean;
  /** The signed bytes are unchanged, and nothing but later e-Meterai signatures was added after them. */
  readonly documentIntact: boolean;
  readonly certificateChainValid: boolean;
  /** Hex SHA-256 of the bytes this signature covers in this document (what kuota binds the serial to). */
  readonly coveredDigestHex?: string;
  readonly signerCommonName?: string;
}

export class UnreadableDocument extends Error {
  override readonly name = 'UnreadableDocument';
}

const numberAt = (array: PDFArray, index: number): number | undefined => {
  const value = array.get(index);
  return value instanceof PDFNumber ? value.asNumber() : undefined;
};

const textOf = (value: unknown): string | undefined =>
  value instanceof PDFString || value instanceof PDFHexString ? value.decodeText() : undefined;

/** `/M` is a PDF date (`D:20261201140501Z`, or with `+07'00'`). */
const pdfDateToIso = (value: string | undefined): string | undefined => {
  const match = value?.match(/^D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}'?\d{2}'?)?/);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, zone] = match;
  const offset = !zone || zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.replace(/'/g, '').slice(3, 5)}`;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

interface RawSignature {
  readonly reason?: string;
  readonly signingTime?: string;
  readonly byteRange: readonly [number, number, number, number];
  readonly cms: Uint8Array;
}

/** Every signature dictionary of the document's signature fields (pdf-lib parses; no parser here). */
const signatureDictionaries = async (bytes: Uint8Array): Promise<RawSignature[]> => {
  let document: PDFDocument;
  try {
    document = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
  } catch {
    throw new UnreadableDocument('not a readable PDF');
  }
  const form = document.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  const fields = form?.lookupMaybe(PDFName.of('Fields'), PDFArray);
  const found: RawSignature[] = [];
  for (let i = 0; i < (fields?.size() ?? 0); i += 1) {
    const field = fields?.lookupMaybe(i, PDFDict);
    if (field?.lookupMaybe(PDFName.of('FT'), PDFName)?.asString() !== '/Sig') continue;
    const value = field.get(PDFName.of('V'));
    const signature = value instanceof PDFRef ? document.context.lookupMaybe(value, PDFDict) : undefined;
    const range = signature?.lookupMaybe(PDFName.of('ByteRange'), PDFArray);
    const contents = signature?.get(PDFName.of('Contents'));
    if (!signature || !range || range.size() !== 4 || !(contents instanceof PDFHexString)) continue;
    const numbers = [0, 1, 2, 3].map((index) => numberAt(range, index));
    if (numbers.some((entry) => entry === undefined)) continue;
    found.push({
      reason: textOf(signature.get(PDFName.of('Reason'))),
      signingTime: pdfDateToIso(textOf(signature.get(PDFName.of('M')))),
      byteRange: numbers as unknown as [number, number, number, number],
      cms: contents.asBytes(),
    });
  }
  return found;
};

/** The bytes a signature covers: the two ranges either side of its `/Contents`. */
const signedBytes = (
  document: Uint8Array,
  [start, firstLength, second, secondLength]: RawSignature['byteRange'],
) => {
  if (start !== 0 || firstLength < 0 || second < firstLength || second + secondLength > document.length)
    return undefined;
  const content = new Uint8Array(firstLength + secondLength);
  content.set(document.subarray(0, firstLength), 0);
  content.set(document.subarray(second, second + secondLength), firstLength);
  return content;
};

/**
 * Finds and checks every e-Meterai signature of a PDF. A signature is intact when its bytes are unchanged
 * and everything appended after them is covered by a later intact e-Meterai signature, so a stamp added
 * after another keeps the first one intact, while any other change after stamping is reported.
 */
export const findStampSignatures = async (
  document: Uint8Array,
  trustedRoots: readonly pkijs.Certificate[],
  at: Date,
): Promise<FoundSignature[]> => {
  const raw = (await signatureDictionaries(document))
    .map((signature) => ({ signature, serial: serialOfSignatureReason(signature.reason) }))
    .filter((entry) => entry.serial !== undefined)
    .sort((a, b) => revisionEnd(a.signature) - revisionEnd(b.signature));
  const checked = await Promise.all(
    raw.map(async ({ signature, serial }) => {
      const content = signedBytes(document, signature.byteRange);
      const check = content
        ? await checkDetachedCades(signature.cms, content, trustedRoots, at)
        : { signatureValid: false, digestMatches: false, certificateChainValid: false };
      const coveredDigestHex = content ? createHash('sha256').update(content).digest('hex') : undefined;
      return { signature, serial, check, coveredDigestHex };
    }),
  );
  return checked.map(({ signature, serial, check, coveredDigestHex }, position) => {
    const later = checked.slice(position + 1);
    const coveredAfter =
      revisionEnd(signature) === document.length ||
      (later.length > 0 &&
        later.every((entry) => entry.check.digestMatches && entry.check.signatureValid) &&
        revisionEnd((later.at(-1) as (typeof checked)[number]).signature) === document.length);
    return {
      ...(serial ? { serial } : {}),
      ...(signature.signingTime ? { statedSigningTime: signature.signingTime } : {}),
      signatureValid: check.signatureValid,
      documentIntact: check.digestMatches && coveredAfter,
      certificateChainValid: check.certificateChainValid,
      ...(coveredDigestHex ? { coveredDigestHex } : {}),
      ...('signerCommonName' in check && check.signerCommonName
        ? { signerCommonName: check.signerCommonName }
        : {}),
    };
  });
};

const revisionEnd = (signature: RawSignature): number => signature.byteRange[2] + signature.byteRange[3];
