/**
 * Pembubuhan: putting one e-Meterai onto one PDF document. The rules live here; the PDF work is in
 * `lib/documents/`, the storage in the adapters.
 *
 * A stamping moves AWAITING_UPLOAD → QUEUED → STAMPING → STAMPED | FAILED. The serial becomes AFFIXED
 * (bound to the document) only in the same write that makes the stamping STAMPED, after the signed
 * output exists, so a stamping that fails at any point leaves the serial SOLD and usable again.
 */
export const STAMPING_STATUSES = ['AWAITING_UPLOAD', 'QUEUED', 'STAMPING', 'STAMPED', 'FAILED'] as const;
export type StampingStatus = (typeof STAMPING_STATUSES)[number];

/** Why a stamping failed; every one leaves the serial SOLD (a retry with a new stamping can succeed). */
export const STAMPING_FAILURES = [
  'UPLOAD_MISSING',
  'TOO_LARGE',
  'NOT_A_PDF',
  'ENCRYPTED',
  'PAGE_OUT_OF_RANGE',
  'POSITION_OFF_PAGE',
  /** The serial is already bound to another document (one stamp, one document). */
  'STAMP_ALREADY_AFFIXED',
  /** The stamping worker failed on every attempt (crash, timeout). */
  'STAMPING_ERROR',
] as const;
export type StampingFailure = (typeof STAMPING_FAILURES)[number];

export const STAMPING_FAILURE_TEXT: Record<StampingFailure, string> = {
  UPLOAD_MISSING: 'no document was uploaded to the upload URL',
  TOO_LARGE: 'the document is larger than 10 MB',
  NOT_A_PDF: 'the document is not a readable PDF',
  ENCRYPTED: 'the document is encrypted or password-protected',
  PAGE_OUT_OF_RANGE: 'the document has no such page',
  POSITION_OFF_PAGE: 'the stamp would not fit on the page at that position',
  STAMP_ALREADY_AFFIXED: 'this stamp is already affixed to another document',
  STAMPING_ERROR: 'the stamping failed; the stamp was not used, try again',
};

/** The upload limit (the 10 MB), checked before any PDF work. */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** How long an upload URL is valid. */
export const UPLOAD_URL_SECONDS = 15 * 60;
/** How long a download URL is valid. */
export const DOWNLOAD_URL_SECONDS = 5 * 60;
/** Uploaded and stamped documents are deleted this long after upload (bucket lifecycle; stamping record too). */
export const DOCUMENT_RETENTION_HOURS = 24;

/** The stamp's size on the page, in PDF points (1/72 inch): about 53 × 26 mm. */
export const STAMP_WIDTH = 150;
export const STAMP_HEIGHT = 75;
/** The default position keeps this distance from the page's right and bottom edges. */
export const STAMP_MARGIN = 36;

export interface PageBox {
  readonly width: number;
  readonly height: number;
}

export interface PlacementRequest {
  /** 1-based; the last page when absent. */
  readonly page?: number;
  /** Lower-left corner of the stamp, in points from the page's lower-left corner. */
  readonly x?: number;
  readonly y?: number;
}

export type Placement =
  | { readonly ok: true; readonly pageIndex: number; readonly x: number; readonly y: number }
  | { readonly ok: false; readonly reason: 'PAGE_OUT_OF_RANGE' | 'POSITION_OFF_PAGE' };

/** Where the stamp goes on a document with these pages, or why it cannot go there. */
export const placeStamp = (pages: readonly PageBox[], request: PlacementRequest): Placement => {
  const pageNumber = request.page ?? pages.length;
  const page = pages[pageNumber - 1];
  if (!page || pageNumber < 1) return { ok: false, reason: 'PAGE_OUT_OF_RANGE' };
  const x = request.x ?? page.width - STAMP_MARGIN - STAMP_WIDTH;
  const y = request.y ?? STAMP_MARGIN;
  const fits = x >= 0 && y >= 0 && x + STAMP_WIDTH <= page.width && y + STAMP_HEIGHT <= page.height;
  return fits ? { ok: true, pageIndex: pageNumber - 1, x, y } : { ok: false, reason: 'POSITION_OFF_PAGE' };
};

/** The stamp's text on the document: what an e-Meterai shows besides its QR code. */
export const STAMP_TITLE = 'METERAI ELEKTRONIK';
export const STAMP_DUTY_RUPIAH = 10_000;

/** The signature's reason names the serial, so a verifier finds the stamp from the document alone. */
export const signatureReasonOf = (serial: string): string => `e-Meterai ${serial}`;
export const serialOfSignatureReason = (reason: string | undefined): string | undefined =>
  reason?.match(/^e-Meterai ([A-Z0-9]{22})$/)?.[1];

/** Asia/Jakarta time as printed on the stamp ("2026-12-01 21:04 WIB"). */
export const jakartaStampTime = (at: Date): string => {
  const local = new Date(at.getTime() + 7 * 3_600_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)} WIB`;
};

/** Whether a stamping may be (re)taken by a worker: a redelivered message resumes an unfinished one. */
export const stampingIsWorkable = (status: StampingStatus): boolean =>
  status === 'QUEUED' || status === 'STAMPING';

export const stampingIsDone = (status: StampingStatus): boolean =>
  status === 'STAMPED' || status === 'FAILED';

/** One stamping: one serial onto one uploaded document. Never holds a NIK or the document itself. */
export interface Stamping {
  readonly stampingId: string;
  readonly serial: string;
  readonly orderId: string;
  readonly resellerId: string;
  /** The stamp's index in its order and the stock shard it came from (its affix count lives there). */
  readonly index: number;
  readonly shard: number;
  readonly status: StampingStatus;
  readonly placement: PlacementRequest;
  readonly documentName: string;
  /** The public base URL the stamp's QR code points at (the API the applicant used). */
  readonly verificationBaseUrl: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly uploadExpiresAt: string;
  readonly attempts: number;
  readonly reason?: StampingFailure;
  /** SHA-256 (hex) of the uploaded document. */
  readonly documentSha256?: string;
  /** SHA-256 (hex) of the signed bytes of the output: what the serial is bound to. */
  readonly signedDigestHex?: string;
  readonly stampedAt?: string;
  /** The stamping whose output file is this one's result (itself, or an earlier one of the same document). */
  readonly outputOf?: string;
  readonly pageNumber?: number;
}

/** What binds a serial to its document, on the order's stamp slot; written once. */
export interface DocumentBinding {
  readonly documentSha256: string;
  readonly signedDigestHex: string;
  readonly stampingId: string;
  readonly at: string;
}

/**
 * The answer to a stamping whose serial is already bound: the same document again gets the earlier
 * result back; another document is refused.
 */
export const bindingAnswer = (
  binding: Pick<DocumentBinding, 'documentSha256'>,
  documentSha256: string,
): 'SAME_DOCUMENT' | 'OTHER_DOCUMENT' =>
  binding.documentSha256 === documentSha256 ? 'SAME_DOCUMENT' : 'OTHER_DOCUMENT';

/** A worker gives up on a stamping after this many attempts (the queue's receive count), failing it cleanly. */
export const STAMPING_MAX_ATTEMPTS = 4;
