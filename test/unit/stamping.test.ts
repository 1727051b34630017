import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { localSigningKey } from '../../lib/adapters/signing-keys.js';
import type { DocumentSigningKey } from '../../lib/documents/cades.js';
import { mintSandboxSigningMaterial, parseCertificateChain } from '../../lib/documents/pki.js';
import { DocumentRefused, stampPdf } from '../../lib/documents/stamp-pdf.js';
import { findStampSignatures } from '../../lib/documents/verify-pdf.js';
import {
  jakartaStampTime,
  placeStamp,
  STAMP_HEIGHT,
  STAMP_MARGIN,
  STAMP_WIDTH,
  serialOfSignatureReason,
  signatureReasonOf,
} from '../../lib/domain/stamping.js';
import { pdfsig } from '../support/stamping.js';

/** The stamping rules and the PDF work, without an emulator: pdf-lib, pkijs and poppler's pdfsig only. */
const A4 = { width: 595.28, height: 841.89 };
const SERIAL = 'K7Q2M9X4B1N8C5V3Z6L0PA';

let key: DocumentSigningKey;
let roots: ReturnType<typeof parseCertificateChain>;
let otherRoots: ReturnType<typeof parseCertificateChain>;

const pdfOf = async (options: { pages?: number; objectStreams?: boolean; password?: string } = {}) => {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let page = 0; page < (options.pages ?? 1); page += 1)
    document.addPage([A4.width, A4.height]).drawText(`halaman ${page + 1}`, { x: 72, y: 760, font });
  if (options.password) document.encrypt({ userPassword: options.password, ownerPassword: options.password });
  return document.save({ useObjectStreams: options.objectStreams ?? true });
};

const stamp = (pdf: Uint8Array, placement = {}, serial = SERIAL) =>
  stampPdf(
    pdf,
    { serial, verificationUrl: `https://kuota.example/?serial=${serial}`, placement, stampedAt: new Date() },
    key,
  );

beforeAll(async () => {
  const material = await mintSandboxSigningMaterial();
  key = localSigningKey(
    material.issuerPrivateKeyPem,
    material.issuerCertificatePem + material.rootCertificatePem,
  );
  roots = parseCertificateChain(material.rootCertificatePem);
  otherRoots = parseCertificateChain((await mintSandboxSigningMaterial()).rootCertificatePem);
});

describe('where a stamp goes', () => {
  it('defaults to the last page, lower right inside the margin', () => {
    // Act
    const placement = placeStamp([A4, A4, A4], {});

    // Assert
    expect(placement).toEqual({
      ok: true,
      pageIndex: 2,
      x: A4.width - STAMP_MARGIN - STAMP_WIDTH,
      y: STAMP_MARGIN,
    });
  });

  it.each([
    [{ page: 4 }, 'PAGE_OUT_OF_RANGE'],
    [{ page: 0 }, 'PAGE_OUT_OF_RANGE'],
    [{ x: A4.width - STAMP_WIDTH + 0.01, y: 10 }, 'POSITION_OFF_PAGE'],
    [{ x: 10, y: A4.height - STAMP_HEIGHT + 0.01 }, 'POSITION_OFF_PAGE'],
  ])('refuses %o with %s', (request, reason) => {
    expect(placeStamp([A4, A4, A4], request)).toEqual({ ok: false, reason });
  });

  it('accepts a stamp that exactly fits in a corner', () => {
    expect(placeStamp([A4], { x: A4.width - STAMP_WIDTH, y: A4.height - STAMP_HEIGHT })).toMatchObject({
      ok: true,
    });
  });

  it('reads the serial back from the signature reason, and nothing else', () => {
    expect(serialOfSignatureReason(signatureReasonOf(SERIAL))).toBe(SERIAL);
    expect(serialOfSignatureReason('e-Meterai short')).toBeUndefined();
    expect(serialOfSignatureReason(undefined)).toBeUndefined();
  });

  it('prints the stamping time in WIB (UTC+7)', () => {
    expect(jakartaStampTime(new Date('2026-12-01T20:30:00Z'))).toBe('2026-12-02 03:30 WIB');
  });
});

describe('a stamped PDF', () => {
  it.each([
    ['a cross-reference stream', true],
    ['a classic cross-reference table', false],
  ])('is a valid signature for pdfsig and for kuota on a document with %s', async (_, objectStreams) => {
    // Arrange
    const original = await pdfOf({ objectStreams });

    // Act
    const stamped = await stamp(original);
    const found = await findStampSignatures(stamped.pdf, roots, new Date());

    // Assert
    expect(pdfsig(stamped.pdf)).toEqual([
      expect.objectContaining({ validation: 'Signature is Valid.', totalDocumentSigned: true }),
    ]);
    expect(found).toEqual([
      expect.objectContaining({
        serial: SERIAL,
        signatureValid: true,
        documentIntact: true,
        certificateChainValid: true,
        coveredDigestHex: stamped.signedDigestHex,
      }),
    ]);
  });

  it('does not chain to another root', async () => {
    // Act
    const stamped = await stamp(await pdfOf());
    const [found] = await findStampSignatures(stamped.pdf, otherRoots, new Date());

    // Assert
    expect(found).toMatchObject({ signatureValid: true, documentIntact: true, certificateChainValid: false });
  });

  it('reports an edit appended after stamping as not intact', async () => {
    // Arrange: a later incremental update that is not an e-Meterai (a text drawn on the page).
    const stamped = await stamp(await pdfOf());
    const document = await PDFDocument.load(stamped.pdf, { forIncrementalUpdate: true });
    document.getPage(0).drawText('ditambahkan kemudian', { x: 72, y: 500 });
    document.context.snapshot?.markRefForSave(document.getPage(0).ref);
    const edited = await document.commit();

    // Act
    const [found] = await findStampSignatures(edited, roots, new Date());

    // Assert
    expect(found).toMatchObject({ serial: SERIAL, signatureValid: true, documentIntact: false });
  });

  it('refuses what is not a PDF, an encrypted PDF and a page that does not exist', async () => {
    // Act
    const outcomes = await Promise.all(
      [
        stamp(new TextEncoder().encode('plain text')),
        stamp(new TextEncoder().encode('%PDF-1.7 but nothing after')),
        stamp(await pdfOf({ password: 'rahasia' })),
        stamp(await pdfOf({ pages: 2 }), { page: 3 }),
      ].map((attempt) =>
        attempt.then(
          () => 'STAMPED',
          (error: unknown) => (error as DocumentRefused).reason,
        ),
      ),
    );

    // Assert
    expect(outcomes).toEqual(['NOT_A_PDF', 'NOT_A_PDF', 'ENCRYPTED', 'PAGE_OUT_OF_RANGE']);
  });
});
