import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearFaults, faultCounters, setFaultPlan } from '../../lib/adapters/fault-injection.js';
import { queues } from '../../lib/adapters/queues.js';
import { stampingStore } from '../../lib/adapters/stamping-store.js';
import { MAX_DOCUMENT_BYTES, STAMPING_MAX_ATTEMPTS } from '../../lib/domain/stamping.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { type PlacedOrder, stockReseller, validNik, waitForStatus } from '../support/flows.js';
import {
  checkDocument,
  createStamping,
  download,
  pdfsig,
  readStamping,
  samplePdf,
  stampDocument,
  submitStamping,
  upload,
  waitForStamping,
} from '../support/stamping.js';
import { payQris, reserve } from './oversight-support.js';

/**
 * Pembubuhan on real PDFs. Every stamped output is checked by poppler's pdfsig as well as by
 * kuota's verifier; every failure leaves the serial SOLD and usable.
 */
let kuota: TestCloud;
interface Purchase {
  readonly placed: PlacedOrder;
  readonly serials: string[];
}
let nextBuyer = 700;

const buy = async (quantity: number): Promise<Purchase> => {
  nextBuyer += 1;
  const reservation = await reserve(kuota, 'R05', validNik(nextBuyer), quantity);
  await payQris(kuota, reservation.paymentId);
  const order = await waitForStatus(kuota, reservation.placed, ['FULFILLED']);
  return { placed: reservation.placed, serials: (order.stamps as { serial: string }[]).map((s) => s.serial) };
};

const serialStatus = async (serial: string) => (await kuota.api.get(`/v1/stamps/${serial}`)).body;

const stampedObjects = async (prefix = 'stamped/'): Promise<string[]> => {
  const s3 = new S3Client({
    region: 'ap-southeast-3',
    endpoint: String(process.env.KUOTA_S3_ENDPOINT),
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: String(kuota.cloud.buckets.documents), Prefix: prefix }),
  );
  s3.destroy();
  return (listed.Contents ?? []).map((object) => object.Key ?? '');
};

beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
  await stockReseller(kuota, 4, 60);
}, 60_000);
afterAll(async () => {
  await kuota?.stop();
});

describe('stamping a PDF (pembubuhan)', () => {
  it('buys two stamps, stamps two PDFs, and both verify with pdfsig and with kuota', async () => {
    // Arrange
    const { placed, serials } = await buy(2);
    const [first, second] = serials as [string, string];
    const letter = await samplePdf('Surat lamaran');
    const statement = await samplePdf('Surat pernyataan', { pages: 3 });

    // Act
    const one = await stampDocument(kuota, first, placed.orderToken, letter, { documentName: 'lamaran.pdf' });
    const two = await stampDocument(kuota, second, placed.orderToken, statement, { page: 2, x: 72, y: 90 });
    const [stampedLetter, stampedStatement] = await Promise.all([download(one), download(two)]);

    // Assert
    expect(one).toMatchObject({ status: 'STAMPED', serial: first });
    expect(two).toMatchObject({ status: 'STAMPED', serial: second });
    for (const [pdf, serial] of [
      [stampedLetter, first],
      [stampedStatement, second],
    ] as const) {
      expect(pdfsig(pdf)).toEqual([
        {
          fieldName: `e-Meterai ${serial}`,
          validation: 'Signature is Valid.',
          totalDocumentSigned: true,
          type: 'ETSI.CAdES.detached',
        },
      ]);
      const check = await checkDocument(kuota, pdf);
      expect(check.status).toBe(200);
      expect(check.body.signatures).toEqual([
        expect.objectContaining({
          serial,
          status: 'AFFIXED',
          stampedAt: expect.any(String),
          signatureValid: true,
          documentIntact: true,
          certificateChainValid: true,
          boundToThisDocument: true,
          valid: true,
        }),
      ]);
      expect(await serialStatus(serial)).toMatchObject({ status: 'AFFIXED', affixedAt: expect.any(String) });
    }
    // The original bytes are untouched: the stamp is an incremental update after them.
    expect(Buffer.from(stampedLetter.subarray(0, letter.length)).equals(Buffer.from(letter))).toBe(true);
  });

  it('a second stamp on a stamped document keeps the first signature valid (incremental update)', async () => {
    // Arrange
    const { placed, serials } = await buy(2);
    const [first, second] = serials as [string, string];
    const once = await download(
      await stampDocument(kuota, first, placed.orderToken, await samplePdf('Ijazah')),
    );

    // Act
    const twice = await download(
      await stampDocument(kuota, second, placed.orderToken, once, { page: 1, x: 72, y: 72 }),
    );

    // Assert
    const signatures = pdfsig(twice);
    expect(signatures.map((signature) => signature.validation)).toEqual([
      'Signature is Valid.',
      'Signature is Valid.',
    ]);
    expect(signatures.map((signature) => signature.totalDocumentSigned)).toEqual([false, true]);
    const check = await checkDocument(kuota, twice);
    expect(check.body.signatures.map((signature) => [signature.serial, signature.valid])).toEqual([
      [first, true],
      [second, true],
    ]);
  });

  it('a changed byte is reported by pdfsig and by kuota, and the serial is not bound to the copy', async () => {
    // Arrange
    const { placed, serials } = await buy(1);
    const stamped = await download(
      await stampDocument(kuota, serials[0] as string, placed.orderToken, await samplePdf('Transkrip')),
    );
    const tampered = Buffer.from(stamped);
    const inFirstPageContent = tampered.indexOf('stream', 64) + 12;
    tampered[inFirstPageContent] = (tampered[inFirstPageContent] ?? 0) ^ 0x01;

    // Act
    const external = pdfsig(tampered);
    const check = await checkDocument(kuota, tampered);

    // Assert
    expect(external.map((signature) => signature.validation)).toEqual(['Digest Mismatch.']);
    expect(check.body.signatures).toEqual([
      expect.objectContaining({
        serial: serials[0],
        documentIntact: false,
        boundToThisDocument: false,
        valid: false,
      }),
    ]);
  });

  it('a document without an e-Meterai, or not a PDF, is reported as such', async () => {
    // Act
    const plain = await checkDocument(kuota, await samplePdf('Tanpa meterai'));
    const notPdf = await checkDocument(kuota, new TextEncoder().encode('hello, not a pdf'));

    // Assert
    expect(plain.body).toMatchObject({ status: 'CHECKED', signatures: [] });
    expect(notPdf.body).toMatchObject({ status: 'UNREADABLE', reason: 'NOT_A_PDF' });
  });
});

describe('a failed stamping never burns the stamp', () => {
  const failures: [string, () => Promise<Uint8Array>, Record<string, unknown>, string][] = [
    ['not a PDF', async () => new TextEncoder().encode('%PDX not really a pdf'), {}, 'NOT_A_PDF'],
    ['encrypted', () => samplePdf('Rahasia', { password: 'rahasia' }), {}, 'ENCRYPTED'],
    ['page out of range', () => samplePdf('Dua halaman', { pages: 2 }), { page: 3 }, 'PAGE_OUT_OF_RANGE'],
    ['position off the page', () => samplePdf('Satu halaman'), { x: 500, y: 800 }, 'POSITION_OFF_PAGE'],
  ];

  it.each(failures)(
    '%s: FAILED with its reason, the serial stays SOLD, and a retry stamps it',
    async (_, make, body, reason) => {
      // Arrange
      const { placed, serials } = await buy(1);
      const serial = serials[0] as string;

      // Act
      const failed = await stampDocument(kuota, serial, placed.orderToken, await make(), body);
      const afterFailure = await serialStatus(serial);
      const retried = await stampDocument(kuota, serial, placed.orderToken, await samplePdf('Perbaikan'));

      // Assert
      expect(failed).toMatchObject({ status: 'FAILED', reason, message: expect.any(String) });
      expect(failed.download).toBeUndefined();
      expect(afterFailure).toMatchObject({ status: 'SOLD' });
      expect(afterFailure.affixedAt).toBeUndefined();
      expect(retried).toMatchObject({ status: 'STAMPED' });
    },
  );

  it('too large: FAILED TOO_LARGE at submit, before any PDF work', async () => {
    // Arrange
    const { placed, serials } = await buy(1);
    const created = await createStamping(kuota, serials[0] as string, placed.orderToken);
    await upload(
      created.body.upload.url,
      created.body.upload.headers,
      new Uint8Array(MAX_DOCUMENT_BYTES + 1),
    );

    // Act
    const submitted = await submitStamping(kuota, created.body.stampingId, placed.orderToken);

    // Assert
    expect(submitted.status).toBe(202);
    expect(submitted.body).toMatchObject({ status: 'FAILED', reason: 'TOO_LARGE' });
    expect(await serialStatus(serials[0] as string)).toMatchObject({ status: 'SOLD' });
  });

  it('submitting before uploading is 409 UPLOAD_MISSING; the stamping still waits for its upload', async () => {
    // Arrange
    const { placed, serials } = await buy(1);
    const created = await createStamping(kuota, serials[0] as string, placed.orderToken);

    // Act
    const early = await submitStamping(kuota, created.body.stampingId, placed.orderToken);
    await upload(created.body.upload.url, created.body.upload.headers, await samplePdf('Terlambat'));
    const onTime = await submitStamping(kuota, created.body.stampingId, placed.orderToken);
    const done = await waitForStamping(kuota, created.body.stampingId, placed.orderToken);

    // Assert
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: { code: 'UPLOAD_MISSING' } });
    expect(onTime.status).toBe(202);
    expect(done.body.status).toBe('STAMPED');
  });

  it('a worker that died mid-stamping is resumed by the redelivered message', async () => {
    // Arrange: the stamping is claimed as a worker that then died would leave it (STAMPING).
    const { placed, serials } = await buy(1);
    const created = await createStamping(kuota, serials[0] as string, placed.orderToken);
    await upload(created.body.upload.url, created.body.upload.headers, await samplePdf('Dilanjutkan'));
    const { stampingId } = created.body;
    await stampingStore.queue(stampingId, new Date().toISOString());
    await stampingStore.claim(stampingId, new Date().toISOString());

    // Act: SQS delivers the message again once its visibility timeout passes.
    await queues.requestStamping({ stampingId });
    const done = await waitForStamping(kuota, stampingId, placed.orderToken);

    // Assert
    expect(done.body.status).toBe('STAMPED');
    expect(pdfsig(await download(done.body)).map((signature) => signature.validation)).toEqual([
      'Signature is Valid.',
    ]);
  });

  it('a stamping that failed on every attempt ends FAILED STAMPING_ERROR with the serial still SOLD', async () => {
    // Arrange: as many claims as attempts allowed, each by a worker that died.
    const { placed, serials } = await buy(1);
    const serial = serials[0] as string;
    const created = await createStamping(kuota, serial, placed.orderToken);
    await upload(created.body.upload.url, created.body.upload.headers, await samplePdf('Gagal terus'));
    const { stampingId } = created.body;
    await stampingStore.queue(stampingId, new Date().toISOString());
    for (let attempt = 0; attempt < STAMPING_MAX_ATTEMPTS; attempt += 1)
      await stampingStore.claim(stampingId, new Date().toISOString());

    // Act
    await queues.requestStamping({ stampingId });
    const done = await waitForStamping(kuota, stampingId, placed.orderToken);
    const retried = await stampDocument(kuota, serial, placed.orderToken, await samplePdf('Akhirnya'));

    // Assert
    expect(done.body).toMatchObject({ status: 'FAILED', reason: 'STAMPING_ERROR' });
    expect(retried.status).toBe('STAMPED');
  });
});

describe('one stamp, one document', () => {
  it('two stampings of one serial racing with different documents: exactly one STAMPED, one output kept', async () => {
    // Arrange
    const { placed, serials } = await buy(1);
    const serial = serials[0] as string;
    const documents = await Promise.all([samplePdf('Dokumen A'), samplePdf('Dokumen B')]);
    const before = await stampedObjects();
    const created = await Promise.all(documents.map(() => createStamping(kuota, serial, placed.orderToken)));
    await Promise.all(
      created.map((entry, i) =>
        upload(entry.body.upload.url, entry.body.upload.headers, documents[i] as Uint8Array),
      ),
    );

    // Act
    await Promise.all(
      created.map((entry) => submitStamping(kuota, entry.body.stampingId, placed.orderToken)),
    );
    const results = await Promise.all(
      created.map((entry) => waitForStamping(kuota, entry.body.stampingId, placed.orderToken)),
    );

    // Assert
    const statuses = results.map((result) => result.body.status).sort();
    expect(statuses).toEqual(['FAILED', 'STAMPED']);
    const loser = results.find((result) => result.body.status === 'FAILED');
    expect(loser?.body).toMatchObject({ reason: 'STAMP_ALREADY_AFFIXED' });
    expect(loser?.body.download).toBeUndefined();
    const added = (await stampedObjects()).filter((key) => !before.includes(key));
    expect(added).toEqual([
      `stamped/${results.find((r) => r.body.status === 'STAMPED')?.body.stampingId}.pdf`,
    ]);
  });

  it('the same document again gets the same result back; another document is refused', async () => {
    // Arrange
    const { placed, serials } = await buy(1);
    const serial = serials[0] as string;
    const original = await samplePdf('Sekali saja');
    const first = await stampDocument(kuota, serial, placed.orderToken, original);

    // Act
    const again = await stampDocument(kuota, serial, placed.orderToken, original);
    const other = await stampDocument(kuota, serial, placed.orderToken, await samplePdf('Lain'));

    // Assert
    expect(first.status).toBe('STAMPED');
    expect(again).toMatchObject({ status: 'STAMPED', stampedAt: first.stampedAt });
    expect(Buffer.from(await download(again)).equals(Buffer.from(await download(first)))).toBe(true);
    expect(other).toMatchObject({ status: 'FAILED', reason: 'STAMP_ALREADY_AFFIXED' });
  });

  it('only the order token holder can stamp or read a stamping; others get 404', async () => {
    // Arrange
    const mine = await buy(1);
    const theirs = await buy(1);
    const created = await createStamping(kuota, mine.serials[0] as string, mine.placed.orderToken);

    // Act
    const foreignCreate = await createStamping(kuota, mine.serials[0] as string, theirs.placed.orderToken);
    const noToken = await kuota.api.post(`/v1/stamps/${mine.serials[0]}/stampings`, { body: {} });
    const foreignRead = await readStamping(kuota, created.body.stampingId, theirs.placed.orderToken);
    const foreignSubmit = await submitStamping(kuota, created.body.stampingId, 'garbage');
    const badBody = await createStamping(kuota, mine.serials[0] as string, mine.placed.orderToken, {
      page: 0,
      x: -1,
      colour: 'red',
    });

    // Assert
    expect(created.status).toBe(201);
    expect([foreignCreate.status, noToken.status, foreignRead.status, foreignSubmit.status]).toEqual([
      404, 404, 404, 404,
    ]);
    expect(badBody.status).toBe(400);
    const paths = (badBody.body as unknown as { error: { issues: { path: string }[] } }).error.issues.map(
      (i) => i.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['body.page', 'body.x']));
  });
});

describe('stamping under DynamoDB faults', () => {
  it('throttling, transaction conflicts and lost responses: every stamping ends STAMPED, each output kept once', async () => {
    // Arrange
    const purchases = await Promise.all([buy(2), buy(2), buy(2)]);
    const stamps = purchases.flatMap((purchase) =>
      purchase.serials.map((serial) => ({ serial, orderToken: purchase.placed.orderToken })),
    );
    const documents = await Promise.all(stamps.map((_, i) => samplePdf(`Dokumen gangguan ${i}`)));
    const before = faultCounters();

    // Act
    setFaultPlan({ throttleRate: 0.1, transactionConflictRate: 0.2, lostResponseRate: 0.2 });
    let results: Awaited<ReturnType<typeof stampDocument>>[];
    try {
      results = await Promise.all(
        stamps.map((stamp, i) =>
          stampDocument(kuota, stamp.serial, stamp.orderToken, documents[i] as Uint8Array),
        ),
      );
    } finally {
      clearFaults();
    }
    const after = faultCounters();
    const outputs = await Promise.all(results.map((result) => download(result)));
    const keys = await stampedObjects();

    // Assert
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      Object.values(before).reduce((a, b) => a + b, 0),
    );
    expect(results.map((result) => result.status)).toEqual(stamps.map(() => 'STAMPED'));
    for (const [i, pdf] of outputs.entries()) {
      expect(pdfsig(pdf).map((signature) => signature.fieldName)).toEqual([`e-Meterai ${stamps[i]?.serial}`]);
    }
    for (const result of results) expect(keys).toContain(`stamped/${result.stampingId}.pdf`);
    for (const stamp of stamps) expect(await serialStatus(stamp.serial)).toMatchObject({ status: 'AFFIXED' });
  });

  it('names objects by random ids only: no NIK, no name in any key', async () => {
    // Arrange: a stamping and a document check of its own.
    const { placed, serials } = await buy(1);
    const stamped = await stampDocument(
      kuota,
      serials[0] as string,
      placed.orderToken,
      await samplePdf('Nama'),
    );
    await checkDocument(kuota, await download(stamped));

    // Act
    const keys = await stampedObjects('');

    // Assert
    expect(keys.some((key) => key.startsWith('uploads/'))).toBe(true);
    expect(keys.some((key) => key.startsWith('checks/'))).toBe(true);
    for (const key of keys)
      expect(key).toMatch(/^(uploads|stamped)\/STP_[0-9A-Z]{26}\.pdf$|^checks\/CHK_[0-9A-Z]{26}\.pdf$/);
  });
});
