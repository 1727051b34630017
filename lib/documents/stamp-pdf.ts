import { createHash } from 'node:crypto';
import {
  beginText,
  EncryptedPDFError,
  endText,
  fill,
  moveText,
  PDFArray,
  PDFDict,
  PDFDocument,
  type PDFFont,
  PDFHexString,
  PDFInvalidObject,
  PDFName,
  PDFNumber,
  type PDFOperator,
  type PDFRef,
  PDFString,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  StandardFonts,
  setFillingRgbColor,
  setFontAndSize,
  setLineWidth,
  setStrokingRgbColor,
  showText,
  stroke,
} from '@cantoo/pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { DEFAULT_BYTE_RANGE_PLACEHOLDER, Signer, SUBFILTER_ETSI_CADES_DETACHED } from '@signpdf/utils';
import QRCode from 'qrcode';
import {
  jakartaStampTime,
  type PlacementRequest,
  placeStamp,
  STAMP_DUTY_RUPIAH,
  STAMP_HEIGHT,
  STAMP_TITLE,
  STAMP_WIDTH,
  type StampingFailure,
  signatureReasonOf,
} from '../domain/stamping.js';
import { type DocumentSigningKey, signDetachedCades } from './cades.js';

/** A document that cannot carry the stamp, with the reason the applicant is told. */
export class DocumentRefused extends Error {
  override readonly name = 'DocumentRefused';
  constructor(readonly reason: StampingFailure) {
    super(reason);
  }
}

export interface StampRequest {
  readonly serial: string;
  /** Printed in the QR code: anyone scanning it sees the serial's public status. */
  readonly verificationUrl: string;
  readonly placement: PlacementRequest;
  readonly stampedAt: Date;
}

export interface StampedDocument {
  readonly pdf: Uint8Array;
  /** SHA-256 (hex) of the signed bytes (the document minus the signature): what binds the serial to it. */
  readonly signedDigestHex: string;
  readonly pageNumber: number;
}

/** Room reserved in the document for the CMS signature (hex-encoded twice its size). */
const SIGNATURE_BYTES = 8192;

const loadDocument = async (bytes: Uint8Array): Promise<PDFDocument> => {
  if (!Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-')) throw new DocumentRefused('NOT_A_PDF');
  try {
    const document = await PDFDocument.load(bytes, { forIncrementalUpdate: true, updateMetadata: false });
    if (document.isEncrypted) throw new DocumentRefused('ENCRYPTED');
    if (document.getPageCount() === 0) throw new DocumentRefused('NOT_A_PDF');
    return document;
  } catch (error) {
    if (error instanceof DocumentRefused) throw error;
    if (error instanceof EncryptedPDFError) throw new DocumentRefused('ENCRYPTED');
    throw new DocumentRefused('NOT_A_PDF');
  }
};

const text = (font: PDFFont, fontName: string, size: number, x: number, y: number, value: string) => [
  beginText(),
  setFontAndSize(fontName, size),
  moveText(x, y),
  showText(font.encodeText(value) as PDFHexString),
  endText(),
];

/**
 * kuota's own stamp design: a bordered box, the QR code of the verification URL on the left, and on the
 * right the title, the duty, the serial and the stamping time.
 */
const appearanceOperators = (
  modules: { size: number; get(row: number, column: number): number },
  regular: PDFFont,
  bold: PDFFont,
  request: StampRequest,
): PDFOperator[] => {
  const qrSide = STAMP_HEIGHT - 8;
  const cell = qrSide / modules.size;
  const qr: PDFOperator[] = [setFillingRgbColor(0, 0, 0)];
  for (let row = 0; row < modules.size; row += 1) {
    for (let column = 0; column < modules.size; column += 1) {
      if (modules.get(row, column))
        qr.push(rectangle(4 + column * cell, 4 + (modules.size - 1 - row) * cell, cell, cell));
    }
  }
  qr.push(fill());
  const left = qrSide + 10;
  const serial = request.serial;
  return [
    pushGraphicsState(),
    setFillingRgbColor(1, 1, 1),
    rectangle(0, 0, STAMP_WIDTH, STAMP_HEIGHT),
    fill(),
    setStrokingRgbColor(0.09, 0.36, 0.6),
    setLineWidth(1.5),
    rectangle(0.75, 0.75, STAMP_WIDTH - 1.5, STAMP_HEIGHT - 1.5),
    stroke(),
    ...qr,
    setFillingRgbColor(0.09, 0.36, 0.6),
    ...text(bold, 'F2', 5.9, left, STAMP_HEIGHT - 13, STAMP_TITLE),
    setFillingRgbColor(0.75, 0.1, 0.1),
    ...text(bold, 'F2', 17, left, STAMP_HEIGHT - 33, String(STAMP_DUTY_RUPIAH)),
    setFillingRgbColor(0, 0, 0),
    ...text(regular, 'F1', 5.6, left, STAMP_HEIGHT - 46, serial.slice(0, 11)),
    ...text(regular, 'F1', 5.6, left, STAMP_HEIGHT - 53, serial.slice(11)),
    ...text(regular, 'F1', 4.8, left, 8, jakartaStampTime(request.stampedAt)),
    popGraphicsState(),
  ];
};

/** The CMS signer @signpdf calls with the bytes to sign; it remembers their digest. */
class CadesSigner extends Signer {
  signedDigestHex = '';
  constructor(private readonly key: DocumentSigningKey) {
    super();
  }
  override async sign(content: Buffer): Promise<Buffer> {
    this.signedDigestHex = createHash('sha256').update(content).digest('hex');
    return Buffer.from(await signDetachedCades(content, this.key));
  }
}

/**
 * Draws the stamp and signs the document with the issuer's key, as a PAdES signature (ETSI.CAdES.detached)
 * whose visible appearance is the stamp. The original bytes are kept as they are and the stamp is an
 * incremental update after them, so signatures already on the document (earlier stamps too) stay valid.
 */
export const stampPdf = async (
  original: Uint8Array,
  request: StampRequest,
  key: DocumentSigningKey,
): Promise<StampedDocument> => {
  const document = await loadDocument(original);
  const pages = document.getPages();
  const placement = placeStamp(
    pages.map((page) => page.getMediaBox()),
    request.placement,
  );
  if (!placement.ok) throw new DocumentRefused(placement.reason);
  const page = pages[placement.pageIndex];
  if (!page) throw new DocumentRefused('PAGE_OUT_OF_RANGE');
  const mediaBox = page.getMediaBox();
  const context = document.context;

  const [regular, bold] = await Promise.all([
    document.embedFont(StandardFonts.Helvetica),
    document.embedFont(StandardFonts.HelveticaBold),
  ]);
  const qr = QRCode.create(request.verificationUrl, { errorCorrectionLevel: 'M' });
  const appearance = context.formXObject(appearanceOperators(qr.modules, regular, bold, request), {
    BBox: [0, 0, STAMP_WIDTH, STAMP_HEIGHT],
    Resources: { Font: { F1: regular.ref, F2: bold.ref } },
  });

  const byteRange = PDFArray.withContext(context);
  byteRange.push(PDFNumber.of(0));
  for (let i = 0; i < 3; i += 1) byteRange.push(PDFName.of(DEFAULT_BYTE_RANGE_PLACEHOLDER));
  const signatureDictionary = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: SUBFILTER_ETSI_CADES_DETACHED,
    ByteRange: byteRange,
    Contents: PDFHexString.of('0'.repeat(SIGNATURE_BYTES * 2)),
    Reason: PDFString.of(signatureReasonOf(request.serial)),
    Name: PDFString.of('kuota e-Meterai'),
    Location: PDFString.of('Indonesia'),
    M: PDFString.fromDate(request.stampedAt),
    Prop_Build: { App: { Name: 'kuota' } },
  });
  // Written as-is (never inside an object stream), so the signer can find and fill its placeholders.
  const signatureBytes = new Uint8Array(signatureDictionary.sizeInBytes());
  signatureDictionary.copyBytesInto(signatureBytes, 0);
  const signatureRef = context.register(PDFInvalidObject.of(signatureBytes));

  const x = mediaBox.x + placement.x;
  const y = mediaBox.y + placement.y;
  const widgetRef: PDFRef = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      Rect: [x, y, x + STAMP_WIDTH, y + STAMP_HEIGHT],
      V: signatureRef,
      T: PDFString.of(signatureReasonOf(request.serial)),
      F: 4, // Print
      P: page.ref,
      AP: { N: context.register(appearance) },
    }),
  );
  const annotations = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray) ?? context.obj([]);
  annotations.push(widgetRef);
  page.node.set(PDFName.of('Annots'), annotations);

  const existingForm = document.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  const form = existingForm ?? context.obj({ Fields: [] });
  const fields = form.lookupMaybe(PDFName.of('Fields'), PDFArray) ?? context.obj([]);
  fields.push(widgetRef);
  form.set(PDFName.of('Fields'), fields);
  form.set(PDFName.of('SigFlags'), PDFNumber.of(3)); // SignaturesExist | AppendOnly
  if (!existingForm) document.catalog.set(PDFName.of('AcroForm'), context.register(form));
  // The update carries every object it changed: the page (its annotations), the form and the catalog.
  const snapshot = context.snapshot;
  snapshot?.markRefForSave(page.ref);
  snapshot?.markObjForSave(form);
  snapshot?.markObjForSave(document.catalog);

  const unsigned = await document.commit();
  const signer = new CadesSigner(key);
  const signed = await new SignPdf().sign(Buffer.from(unsigned), signer, request.stampedAt);
  return {
    pdf: new Uint8Array(signed),
    signedDigestHex: signer.signedDigestHex,
    pageNumber: placement.pageIndex + 1,
  };
};
