import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { type PlacedOrder, stockReseller, validNik, waitForStatus } from '../support/flows.js';
import { samplePdf, stampDocument } from '../support/stamping.js';
import { payQris, reserve, vendorRow } from './oversight-support.js';

const sha256Bytes = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The public side: anyone verifies a serial; only the buyer (Order-Token) stamps it, onto exactly
 * one document (a real PDF stamping); open availability per reseller, cacheable.
 */
let kuota: TestCloud;
const bought: Record<'mine' | 'theirs', { placed: PlacedOrder; serials: string[] }> = {
  mine: { placed: { orderId: '', orderToken: '', statusUrl: '' }, serials: [] },
  theirs: { placed: { orderId: '', orderToken: '', statusUrl: '' }, serials: [] },
};

const buy = async (resellerId: string, nik: string, quantity: number) => {
  const reservation = await reserve(kuota, resellerId, nik, quantity);
  await payQris(kuota, reservation.paymentId);
  const order = await waitForStatus(kuota, reservation.placed, ['FULFILLED']);
  return { placed: reservation.placed, serials: (order.stamps as { serial: string }[]).map((s) => s.serial) };
};

beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  // R08 keeps plenty of stock; R09 sells its only 2 stamps.
  await Promise.all([stockReseller(kuota, 7, 60), stockReseller(kuota, 8, 2)]);
  bought.mine = await buy('R08', validNik(501), 2);
  bought.theirs = await buy('R09', validNik(502), 2);
}, 60_000);
afterAll(async () => {
  await kuota?.stop();
});

describe('stamp verification and stamping', () => {
  it('verifies a sold serial; a malformed one is 400, an unknown well-formed one 404', async () => {
    // Arrange
    const [serial] = bought.mine.serials as [string];

    // Act
    const sold = await kuota.api.get(`/v1/stamps/${serial}`);
    const malformed = await kuota.api.get('/v1/stamps/not-a-serial');
    const lowercase = await kuota.api.get(`/v1/stamps/${serial.toLowerCase()}`);
    const unknown = await kuota.api.get(`/v1/stamps/${'Z'.repeat(22)}`);

    // Assert
    expect(sold.status).toBe(200);
    expect(sold.body).toEqual({ serial, status: 'SOLD', resellerId: 'R08', soldAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(String(sold.body.soldAt)))).toBe(false);
    expect(malformed.status).toBe(400);
    expect(lowercase.status).toBe(400);
    expect(unknown.status).toBe(404);
  });

  it('stamps once: the serial is AFFIXED to that document and counted as affixed for its vendor', async () => {
    // Arrange
    const [serial] = bought.mine.serials as [string];
    const contract = await samplePdf('Kontrak');

    // Act
    const stamped = await stampDocument(kuota, serial, bought.mine.placed.orderToken, contract);
    const verified = await kuota.api.get(`/v1/stamps/${serial}`);
    const row = await vendorRow(kuota, 'R08');

    // Assert
    expect(stamped.status).toBe('STAMPED');
    expect(verified.body).toMatchObject({
      status: 'AFFIXED',
      resellerId: 'R08',
      documentSha256: sha256Bytes(contract),
      affixedAt: expect.any(String),
      signedDigestSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(row).toMatchObject({ sold: 2, affixed: 1 });
  });

  it("answers 404 without the order's token, and for a serial of someone else's order", async () => {
    // Arrange
    const [, mySecond] = bought.mine.serials as [string, string];
    const [theirSerial] = bought.theirs.serials as [string];
    const start = (serial: string, orderToken?: string) =>
      kuota.api.post(`/v1/stamps/${serial}/stampings`, {
        headers: orderToken === undefined ? {} : { 'order-token': orderToken },
        body: {},
      });

    // Act
    const wrongToken = await start(mySecond, bought.theirs.placed.orderToken);
    const garbageToken = await start(mySecond, 'not-a-token');
    const missingToken = await start(mySecond);
    const theirs = await start(theirSerial, bought.mine.placed.orderToken);
    const stillSold = await Promise.all(
      [mySecond, theirSerial].map((serial) => kuota.api.get(`/v1/stamps/${serial}`)),
    );
    const r09 = await vendorRow(kuota, 'R09');

    // Assert
    expect([wrongToken.status, garbageToken.status, missingToken.status, theirs.status]).toEqual([
      404, 404, 404, 404,
    ]);
    expect(stillSold.map((answer) => answer.body.status)).toEqual(['SOLD', 'SOLD']);
    expect(r09).toMatchObject({ sold: 2, affixed: 0 });
  });

  it('publishes availability: SOLD_OUT for a sold-out vendor, AVAILABLE for a stocked one, cacheable', async () => {
    // Act
    const answer = await kuota.api.get<{
      updatedAt: string;
      resellers: { resellerId: string; availability: string; unitPriceIdr: number; open: boolean }[];
    }>('/v1/public/availability');

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toMatch(/public.*max-age=\d+/);
    const byId = new Map(answer.body.resellers.map((reseller) => [reseller.resellerId, reseller]));
    expect(byId.size).toBe(26);
    expect(byId.get('R08')).toMatchObject({ availability: 'AVAILABLE', unitPriceIdr: 12_500, open: true });
    expect(byId.get('R09')).toMatchObject({ availability: 'SOLD_OUT' });
    expect(byId.get('R10')).toMatchObject({ availability: 'SOLD_OUT' });
    for (const serial of [...bought.mine.serials, ...bought.theirs.serials])
      expect(answer.text).not.toContain(serial);
  });
});
