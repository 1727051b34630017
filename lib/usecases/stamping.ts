import { createHash } from 'node:crypto';
import { documentStore } from '../adapters/document-store.js';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { queues } from '../adapters/queues.js';
import { stampingStore } from '../adapters/stamping-store.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { DocumentRefused, stampPdf } from '../documents/stamp-pdf.js';
import { findStampSignatures, UnreadableDocument } from '../documents/verify-pdf.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/identifiers.js';
import { decodeSerial } from '../domain/serials.js';
import {
  bindingAnswer,
  DOWNLOAD_URL_SECONDS,
  type DocumentBinding,
  MAX_DOCUMENT_BYTES,
  type PlacementRequest,
  STAMP_DUTY_RUPIAH,
  STAMPING_FAILURE_TEXT,
  STAMPING_MAX_ATTEMPTS,
  type Stamping,
  stampingIsDone,
  UPLOAD_URL_SECONDS,
} from '../domain/stamping.js';
import { orderTokenMatches, type Stamp, stampOf, stampSlot } from '../domain/storefront-order.js';
import { DocumentKeys } from '../infra/resources.js';
import { secrets } from '../secrets.js';
import { dispatchEvents, eventsFor } from './reseller-webhooks.js';
import { issuerSigning } from './signing.js';
import { readStamp } from './stamps.js';

/** Pembubuhan for the holder of the order token, and document checks for anyone. */

export interface StampingRequest extends PlacementRequest {
  readonly documentName?: string;
}

/** A queued stamping untouched this long is sent to the worker again (its first message may be lost). */
const REQUEUE_AFTER_MS = 120_000;

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const tokenHolds = async (orderId: string, orderToken: string | undefined): Promise<boolean> =>
  orderTokenMatches((await secrets()).orderTokenKey, orderId, orderToken);

/** The stamping as its owner sees it; `download` once it is STAMPED. */
export const stampingView = async (stamping: Stamping) => {
  const download =
    stamping.status === 'STAMPED' && stamping.outputOf
      ? {
          url: await documentStore.downloadUrl(
            DocumentKeys.stamped(stamping.outputOf),
            DOWNLOAD_URL_SECONDS,
            stampedFileName(stamping.documentName),
          ),
          expiresAt: new Date(Date.now() + DOWNLOAD_URL_SECONDS * 1000).toISOString(),
        }
      : undefined;
  return {
    stampingId: stamping.stampingId,
    serial: stamping.serial,
    status: stamping.status,
    documentName: stamping.documentName,
    createdAt: stamping.createdAt,
    ...(stamping.reason ? { reason: stamping.reason, message: STAMPING_FAILURE_TEXT[stamping.reason] } : {}),
    ...(stamping.stampedAt ? { stampedAt: stamping.stampedAt } : {}),
    ...(stamping.pageNumber ? { page: stamping.pageNumber } : {}),
    ...(download ? { download } : {}),
  };
};

/** What a stamp's QR code opens: the public page, checking that serial. */
export const verificationUrlOf = (baseUrl: string, serial: string): string => `${baseUrl}/?serial=${serial}`;

const stampedFileName = (documentName: string): string =>
  `${documentName.replace(/\.pdf$/i, '')}-emeterai.pdf`;

/** Seconds until a stamping is worth reading again; undefined once it has ended. */
export const stampingRetryAfter = (stamping: Pick<Stamping, 'status'>): number | undefined =>
  stampingIsDone(stamping.status) ? undefined : stamping.status === 'AWAITING_UPLOAD' ? 5 : 1;

/**
 * Starts a stamping of one of the buyer's stamps: a record, and a presigned URL to upload the PDF to.
 * A serial that is not the token holder's answers 404, like an unknown one.
 */
export const createStamping = async (
  serial: string,
  orderToken: string | undefined,
  request: StampingRequest,
  verificationBaseUrl: string,
  now: Date,
) => {
  const stamp = await readStamp(serial);
  if (!stamp || !(await tokenHolds(stamp.orderId, orderToken))) throw new NotFoundError('stamp');
  const stampingId = newId('STP', now);
  const upload = await documentStore.uploadUrl(DocumentKeys.upload(stampingId), UPLOAD_URL_SECONDS);
  const at = now.toISOString();
  const stamping: Stamping = {
    stampingId,
    serial,
    orderId: stamp.orderId,
    resellerId: stamp.resellerId,
    index: stamp.index,
    shard: stamp.shard,
    status: 'AWAITING_UPLOAD',
    placement: {
      ...(request.page !== undefined ? { page: request.page } : {}),
      ...(request.x !== undefined ? { x: request.x } : {}),
      ...(request.y !== undefined ? { y: request.y } : {}),
    },
    documentName: request.documentName ?? 'dokumen.pdf',
    verificationBaseUrl,
    createdAt: at,
    updatedAt: at,
    uploadExpiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
    attempts: 0,
  };
  await withStoreRetries(() => stampingStore.create(stamping));
  return {
    stampingId,
    serial,
    status: stamping.status,
    upload: {
      url: upload.url,
      method: 'PUT' as const,
      headers: upload.headers,
      expiresAt: stamping.uploadExpiresAt,
      maxBytes: MAX_DOCUMENT_BYTES,
    },
  };
};

const ownStamping = async (stampingId: string, orderToken: string | undefined): Promise<Stamping> => {
  const stamping = await withStoreRetries(() => stampingStore.get(stampingId));
  if (!stamping || !(await tokenHolds(stamping.orderId, orderToken))) throw new NotFoundError('stamping');
  return stamping;
};

/**
 * The document is uploaded: queue the stamping. Idempotent: a stamping already queued is sent to the worker
 * again (harmless: the worker's claim is conditional), one that has ended is answered as it is.
 */
export const submitStamping = async (stampingId: string, orderToken: string | undefined, now: Date) => {
  const stamping = await ownStamping(stampingId, orderToken);
  if (stamping.status === 'AWAITING_UPLOAD') {
    const size = await documentStore.size(DocumentKeys.upload(stampingId));
    if (size === undefined)
      throw new DomainError('UPLOAD_MISSING', 'upload the PDF to the upload URL first, then submit', [
        { path: 'upload', message: STAMPING_FAILURE_TEXT.UPLOAD_MISSING },
      ]);
    if (size > MAX_DOCUMENT_BYTES) {
      await withStoreRetries(() => stampingStore.fail(stampingId, 'TOO_LARGE', now.toISOString()));
    } else {
      await withStoreRetries(() => stampingStore.queue(stampingId, now.toISOString()));
    }
  }
  const current = (await withStoreRetries(() => stampingStore.get(stampingId))) ?? stamping;
  if (current.status === 'QUEUED') await queues.requestStamping({ stampingId });
  return current;
};

/** The owner reads a stamping; a queued one nobody has touched for a while is sent to the worker again. */
export const getStamping = async (stampingId: string, orderToken: string | undefined, now: Date) => {
  const stamping = await ownStamping(stampingId, orderToken);
  if (stamping.status === 'QUEUED' && now.getTime() - Date.parse(stamping.updatedAt) > REQUEUE_AFTER_MS) {
    await queues.requestStamping({ stampingId });
  }
  return stamping;
};

export type StampingOutcome = 'STAMPED' | 'ALREADY_STAMPED' | 'FAILED' | 'NOTHING_TO_DO';

const bindingOf = (stamp: Stamp): DocumentBinding | undefined =>
  stamp.documentSha256 && stamp.signedDigestHex && stamp.stampingId && stamp.affixedAt
    ? {
        documentSha256: stamp.documentSha256,
        signedDigestHex: stamp.signedDigestHex,
        stampingId: stamp.stampingId,
        at: stamp.affixedAt,
      }
    : undefined;

/** The serial is bound already: the same document gets that result, another document is refused. */
const settleAgainstBinding = async (
  stamping: Stamping,
  binding: DocumentBinding,
  documentSha256: string,
  at: string,
): Promise<StampingOutcome> => {
  if (bindingAnswer(binding, documentSha256) === 'SAME_DOCUMENT') {
    await withStoreRetries(() => stampingStore.completeWithExisting(stamping.stampingId, binding, at));
    return 'ALREADY_STAMPED';
  }
  await withStoreRetries(() =>
    stampingStore.fail(stamping.stampingId, 'STAMP_ALREADY_AFFIXED', at, documentSha256),
  );
  return 'FAILED';
};

const currentStamp = async (stamping: Stamping): Promise<Stamp | undefined> => {
  const order = await withStoreRetries(() => storefrontStore.getOrder(stamping.orderId));
  return order ? stampOf(order, stamping.serial, stamping.index) : undefined;
};

/**
 * The stamping worker. Every step is safe to repeat (SQS delivers at least once, a worker can die
 * anywhere): the claim is conditional, the output file is named by the stamping, and the serial is bound
 * only in one conditional write after the signed output exists. Until that write nothing about the
 * stamp changed, so any failure before it leaves the serial SOLD.
 */
export const runStamping = async (stampingId: string, now: () => Date): Promise<StampingOutcome> => {
  const stamping = await withStoreRetries(() => stampingStore.claim(stampingId, now().toISOString()));
  if (!stamping) return 'NOTHING_TO_DO';
  const fail = async (reason: Parameters<typeof stampingStore.fail>[1], documentSha256?: string) => {
    await withStoreRetries(() => stampingStore.fail(stampingId, reason, now().toISOString(), documentSha256));
    return 'FAILED' as const;
  };
  if (stamping.attempts > STAMPING_MAX_ATTEMPTS) return fail('STAMPING_ERROR');

  const uploadKey = DocumentKeys.upload(stampingId);
  const size = await documentStore.size(uploadKey);
  if (size === undefined) return fail('UPLOAD_MISSING');
  if (size > MAX_DOCUMENT_BYTES) return fail('TOO_LARGE');
  const original = await documentStore.read(uploadKey);
  if (!original) return fail('UPLOAD_MISSING');
  const documentSha256 = sha256Hex(original);

  const stamp = await currentStamp(stamping);
  if (!stamp) return fail('STAMPING_ERROR');
  const existing = bindingOf(stamp);
  if (existing) return settleAgainstBinding(stamping, existing, documentSha256, now().toISOString());

  const stampedAt = now();
  let stamped: Awaited<ReturnType<typeof stampPdf>>;
  try {
    stamped = await stampPdf(
      original,
      {
        serial: stamping.serial,
        verificationUrl: verificationUrlOf(stamping.verificationBaseUrl, stamping.serial),
        placement: stamping.placement,
        stampedAt,
      },
      (await issuerSigning()).key,
    );
  } catch (error) {
    if (error instanceof DocumentRefused) return fail(error.reason, documentSha256);
    throw error;
  }
  const outputKey = DocumentKeys.stamped(stampingId);
  await documentStore.write(outputKey, stamped.pdf);
  const binding: DocumentBinding = {
    documentSha256,
    signedDigestHex: stamped.signedDigestHex,
    stampingId,
    at: stampedAt.toISOString(),
  };
  // The reseller's stamping.completed rides in the binding's own write (once per stamp: keyed by serial).
  const recorded = await eventsFor(
    stamping.resellerId,
    [
      {
        type: 'stamping.completed',
        reference: stamping.serial,
        data: {
          serial: stamping.serial,
          orderId: stamping.orderId,
          stampingId,
          documentSha256,
          signedDigestSha256: stamped.signedDigestHex,
          page: stamped.pageNumber,
          stampedAt: binding.at,
        },
      },
    ],
    binding.at,
  );
  const outcome = await withStoreRetries(() =>
    stampingStore.bind(stamping, binding, stamped.pageNumber, recorded.items),
  );
  if (outcome === 'STAMPED') {
    await dispatchEvents(recorded);
    return 'STAMPED';
  }
  const winner = await currentStamp(stamping);
  const winning = winner ? bindingOf(winner) : undefined;
  // A retried bind whose first attempt committed (its response was lost) finds its own binding: done.
  if (winning?.stampingId === stampingId) {
    await dispatchEvents(recorded);
    return 'STAMPED';
  }
  if (outcome === 'NOT_CLAIMED') return 'NOTHING_TO_DO';
  // Another stamping got the serial first: this output is never released, and this stamping takes the
  // winner's answer (the same document gets its result, another document is refused).
  await documentStore.remove(outputKey);
  if (!winning) return fail('STAMPING_ERROR', documentSha256);
  return settleAgainstBinding(stamping, winning, documentSha256, now().toISOString());
};

/** The worker's last attempt failed on an unexpected error: the stamping ends FAILED, the stamp stays SOLD. */
export const abandonStamping = async (stampingId: string, now: Date): Promise<void> => {
  try {
    await withStoreRetries(() => stampingStore.fail(stampingId, 'STAMPING_ERROR', now.toISOString()));
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
  }
};

/** A check of a document anyone can ask for: an upload URL now, the report once the PDF is there. */
export const createDocumentCheck = async (now: Date) => {
  const checkId = newId('CHK', now);
  const upload = await documentStore.uploadUrl(DocumentKeys.check(checkId), UPLOAD_URL_SECONDS);
  return {
    checkId,
    status: 'AWAITING_UPLOAD' as const,
    upload: {
      url: upload.url,
      method: 'PUT' as const,
      headers: upload.headers,
      expiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
      maxBytes: MAX_DOCUMENT_BYTES,
    },
  };
};

/**
 * Every e-Meterai signature of an uploaded document: checked cryptographically against the document's own
 * bytes (signature, integrity, chain to the issuer's root) and against kuota's records (the serial's
 * status, and whether this document is the one the serial is bound to).
 */
export const readDocumentCheck = async (checkId: string, now: Date) => {
  const key = DocumentKeys.check(checkId);
  const size = await documentStore.size(key);
  if (size === undefined) return { checkId, status: 'AWAITING_UPLOAD' as const, signatures: [] };
  if (size > MAX_DOCUMENT_BYTES)
    return { checkId, status: 'UNREADABLE' as const, reason: 'TOO_LARGE' as const, signatures: [] };
  const bytes = (await documentStore.read(key)) ?? new Uint8Array();
  let found: Awaited<ReturnType<typeof findStampSignatures>>;
  try {
    found = await findStampSignatures(bytes, (await issuerSigning()).trustedRoots, now);
  } catch (error) {
    if (error instanceof UnreadableDocument)
      return { checkId, status: 'UNREADABLE' as const, reason: 'NOT_A_PDF' as const, signatures: [] };
    throw error;
  }
  const { serialKey } = await secrets();
  const signatures = await Promise.all(
    found.map(async (signature) => {
      const decoded = signature.serial ? decodeSerial(serialKey, signature.serial) : undefined;
      const order = decoded
        ? await withStoreRetries(() => storefrontStore.getOrder(decoded.orderId))
        : undefined;
      const stamp =
        order && signature.serial && decoded ? stampOf(order, signature.serial, decoded.index) : undefined;
      const boundDigest =
        order && decoded ? order.affixed?.[stampSlot(decoded.index)]?.signedDigestHex : undefined;
      const boundToThisDocument = boundDigest !== undefined && boundDigest === signature.coveredDigestHex;
      return {
        serial: signature.serial ?? '',
        status: stamp?.status ?? ('UNKNOWN' as const),
        ...(stamp?.affixedAt ? { stampedAt: stamp.affixedAt } : {}),
        ...(stamp ? { resellerId: stamp.resellerId } : {}),
        dutyIdr: STAMP_DUTY_RUPIAH,
        signatureValid: signature.signatureValid,
        documentIntact: signature.documentIntact,
        certificateChainValid: signature.certificateChainValid,
        boundToThisDocument,
        valid:
          signature.signatureValid &&
          signature.documentIntact &&
          signature.certificateChainValid &&
          boundToThisDocument &&
          stamp?.status === 'AFFIXED',
      };
    }),
  );
  return { checkId, status: 'CHECKED' as const, signatures };
};
