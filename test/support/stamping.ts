import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, StandardFonts } from '@cantoo/pdf-lib';
import { expect } from 'vitest';
import type { ApiResponse, TestCloud } from './cloud.js';

/** A real PDF made with pdf-lib: `pages` A4 pages of text, optionally padded to about `targetBytes`. */
export const samplePdf = async (
  label: string,
  options: { pages?: number; targetBytes?: number; password?: string } = {},
): Promise<Uint8Array> => {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  const pages = options.pages ?? 1;
  for (let page = 1; page <= pages; page += 1) {
    const added = document.addPage([595.28, 841.89]);
    added.drawText(`${label}: halaman ${page} dari ${pages}`, { x: 72, y: 760, size: 14, font });
    added.drawText('Surat pernyataan pelamar CPNS', { x: 72, y: 730, size: 11, font });
  }
  if (options.targetBytes) {
    // Incompressible padding in an attachment, so the file has the size of a scanned document.
    const { randomBytes } = await import('node:crypto');
    await document.attach(randomBytes(options.targetBytes), 'lampiran.bin', {
      mimeType: 'application/octet-stream',
    });
  }
  if (options.password) document.encrypt({ userPassword: options.password, ownerPassword: options.password });
  return document.save();
};

export interface StampingAnswer {
  readonly stampingId: string;
  readonly serial: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly stampedAt?: string;
  readonly download?: { url: string; expiresAt: string };
}

const withToken = (orderToken: string) => ({ 'order-token': orderToken });

export const createStamping = (kuota: TestCloud, serial: string, orderToken: string, body: unknown = {}) =>
  kuota.api.post<{ stampingId: string; upload: { url: string; headers: Record<string, string> } }>(
    `/v1/stamps/${serial}/stampings`,
    { headers: withToken(orderToken), body },
  );

/** PUTs the document to the presigned URL exactly as a browser would. */
export const upload = async (url: string, headers: Record<string, string>, pdf: Uint8Array) => {
  const response = await fetch(url, { method: 'PUT', headers, body: pdf });
  expect(response.status).toBe(200);
};

export const submitStamping = (kuota: TestCloud, stampingId: string, orderToken: string) =>
  kuota.api.post<StampingAnswer>(`/v1/stampings/${stampingId}/submit`, { headers: withToken(orderToken) });

export const readStamping = (kuota: TestCloud, stampingId: string, orderToken: string) =>
  kuota.api.get<StampingAnswer>(`/v1/stampings/${stampingId}`, { headers: withToken(orderToken) });

/** Polls a stamping until it is STAMPED or FAILED (the stamping worker runs on its queue). */
export const waitForStamping = async (
  kuota: TestCloud,
  stampingId: string,
  orderToken: string,
  timeoutMs = 30_000,
): Promise<ApiResponse<StampingAnswer>> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = await readStamping(kuota, stampingId, orderToken);
    if (read.body.status === 'STAMPED' || read.body.status === 'FAILED' || Date.now() > deadline) return read;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
};

/** The whole flow: create, upload, submit, wait. */
export const stampDocument = async (
  kuota: TestCloud,
  serial: string,
  orderToken: string,
  pdf: Uint8Array,
  body: unknown = {},
): Promise<StampingAnswer> => {
  const created = await createStamping(kuota, serial, orderToken, body);
  expect(created.status).toBe(201);
  await upload(created.body.upload.url, created.body.upload.headers, pdf);
  const submitted = await submitStamping(kuota, created.body.stampingId, orderToken);
  expect(submitted.status).toBe(202);
  return (await waitForStamping(kuota, created.body.stampingId, orderToken)).body;
};

export const download = async (answer: StampingAnswer): Promise<Uint8Array> => {
  if (!answer.download) throw new Error(`stamping ${answer.stampingId} has no download (${answer.status})`);
  const response = await fetch(answer.download.url);
  expect(response.status).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
};

export interface DocumentCheck {
  readonly status: string;
  readonly signatures: {
    serial: string;
    status: string;
    stampedAt?: string;
    signatureValid: boolean;
    documentIntact: boolean;
    certificateChainValid: boolean;
    boundToThisDocument: boolean;
    valid: boolean;
  }[];
}

/** kuota's public check of a document, through its upload mechanism. */
export const checkDocument = async (
  kuota: TestCloud,
  pdf: Uint8Array,
): Promise<ApiResponse<DocumentCheck>> => {
  const created = await kuota.api.post<{
    checkId: string;
    upload: { url: string; headers: Record<string, string> };
  }>('/v1/document-checks');
  expect(created.status).toBe(201);
  await upload(created.body.upload.url, created.body.upload.headers, pdf);
  return kuota.api.get<DocumentCheck>(`/v1/document-checks/${created.body.checkId}`);
};

export interface PdfsigSignature {
  readonly fieldName: string;
  readonly validation: string;
  readonly totalDocumentSigned: boolean;
  readonly type: string;
}

/**
 * Poppler's `pdfsig` (Debian's poppler-utils): a verifier nobody here wrote. Without `-nocert` it also
 * checks the chain against its NSS store, which does not hold the sandbox root; the chain is checked by
 * kuota's own verifier against the root it is given.
 */
export const pdfsig = (pdf: Uint8Array): PdfsigSignature[] => {
  const directory = mkdtempSync(join(tmpdir(), 'kuota-pdfsig-'));
  try {
    const file = join(directory, 'document.pdf');
    writeFileSync(file, pdf);
    const run = (): string => {
      try {
        return execFileSync('pdfsig', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        // pdfsig exits non-zero when a signature is invalid; its report is still on stdout.
        const failed = error as { stdout?: string; stderr?: string; status?: number };
        // What pdfsig said beside its verdict, for a failure that is pdfsig's own (seen only in CI).
        if (/Unknown Validation Failure/.test(String(failed.stdout)))
          console.error(
            'pdfsig',
            failed.status,
            String(failed.stderr ?? '').slice(0, 500),
            String(failed.stdout),
          );
        return String(failed.stdout ?? '');
      }
    };
    let output = run();
    // When NSS fails to start (seen under load in CI, while another process creates an NSS store), pdfsig
    // parses no certificate at all: every signature reads "Signing Hash Algorithm: unknown" with no signer.
    // That is pdfsig not running, not a verdict on the document: ask it again, a few times.
    for (let attempt = 0; attempt < 5 && nssDidNotStart(output); attempt += 1) {
      execFileSync('sleep', ['0.2']);
      output = run();
    }
    return output
      .split(/^Signature #\d+:$/m)
      .slice(1)
      .map((block) => ({
        fieldName: block.match(/Signature Field Name: (.*)/)?.[1]?.trim() ?? '',
        validation: block.match(/Signature Validation: (.*)/)?.[1]?.trim() ?? '',
        totalDocumentSigned: /Total document signed/.test(block),
        type: block.match(/Signature Type: (.*)/)?.[1]?.trim() ?? '',
      }));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
};

/** pdfsig's report when NSS did not initialise: signatures listed, none with a signer or a hash algorithm. */
const nssDidNotStart = (output: string): boolean =>
  /Signature #1:/.test(output) &&
  /Signing Hash Algorithm: unknown/.test(output) &&
  /Signer full Distinguished Name: \(null\)/.test(output);

/** Where each e-Meterai widget sits: [page number, x1, y1, x2, y2] in PDF points, read with pdf-lib. */
export const stampRectangles = async (
  pdf: Uint8Array,
): Promise<[number, number, number, number, number][]> => {
  const document = await PDFDocument.load(pdf, { updateMetadata: false });
  const found: [number, number, number, number, number][] = [];
  document.getPages().forEach((page, index) => {
    const annotations = page.node.Annots();
    for (let i = 0; i < (annotations?.size() ?? 0); i += 1) {
      const annotation = annotations?.lookupMaybe(i, PDFDict);
      if (annotation?.lookupMaybe(PDFName.of('FT'), PDFName)?.asString() !== '/Sig') continue;
      const rect = annotation.lookupMaybe(PDFName.of('Rect'), PDFArray);
      const numbers = [0, 1, 2, 3].map((n) => rect?.lookupMaybe(n, PDFNumber)?.asNumber() ?? Number.NaN);
      found.push([index + 1, ...(numbers as [number, number, number, number])]);
    }
  });
  return found;
};
