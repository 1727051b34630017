import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, OwnChannelSaleResult, VendorList } from '../../lib/api/schemas.js';
import { SERIAL_PATTERN } from '../../lib/domain/serials.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  ledgerOf,
  ledgerReport,
  mapLimit,
  nikDayCount,
  placeOrder,
  stockByReseller,
  stockResellers,
  uniqueKey,
  validNik,
} from '../support/flows.js';
import { samplePdf, stampDocument } from '../support/stamping.js';

/**
 * Own-channel sales. A reseller's counter sells to an applicant in front of it through
 * `POST /v1/wholesale/sales`: the stamps at once, from the same stock, under the same national cap and fee
 * cap, with the same ledger and regulator figures as a storefront sale; a replay never sells twice.
 */
let kuota: TestCloud;
const apiKeyOf = (resellerId: string) => {
  const reseller = kuota.credentials.resellers.find((candidate) => candidate.id === resellerId);
  if (!reseller) throw new Error(`no reseller ${resellerId}`);
  return reseller.apiKey;
};

const sell = (
  resellerId: string,
  sale: { nik: string; quantity: number; unitPriceIdr?: number },
  key = uniqueKey('sale'),
) =>
  kuota.api.post('/v1/wholesale/sales', {
    apiKey: apiKeyOf(resellerId),
    headers: { 'idempotency-key': key },
    body: {
      nik: sale.nik,
      ...claimOf(sale.nik),
      quantity: sale.quantity,
      unitPriceIdr: sale.unitPriceIdr ?? 12_500,
    },
  });

const stockOf = async (resellerId: string) => (await stockByReseller(kuota)).get(resellerId);

beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_NIK_INTAKE_PER_MINUTE: '100000',
      KUOTA_CLIENT_INTAKE_PER_MINUTE: '100000',
    },
  });
  // R01..R05 get 20 stamps each; R06 gets 5 (the sell-out); R07 none.
  await stockResellers(kuota, [0, 1, 2, 3, 4], 20);
  await stockResellers(kuota, [5], 5);
}, 120_000);
afterAll(async () => {
  await kuota?.stop();
});

describe('an own-channel sale', () => {
  it('sells at once: serials, stock onHand -> sold, the national counter, the ledger and the regulator view', async () => {
    // Arrange
    const nik = validNik(1401);
    const before = await stockOf('R01');

    // Act
    const sale = await sell('R01', { nik, quantity: 2, unitPriceIdr: 12_000 });

    // Assert
    expect(sale.status, sale.text).toBe(201);
    const body = OwnChannelSaleResult.parse(sale.body);
    expect(body).toMatchObject({
      resellerId: 'R01',
      channel: 'OWN_CHANNEL',
      status: 'FULFILLED',
      quantity: 2,
      unitPriceIdr: 12_000,
      amountIdr: 24_000,
      serviceFeeIdr: 4_000,
    });
    expect(body.buyer).toMatch(/^nik:/);
    expect(sale.text).not.toContain(nik);
    expect(body.stamps).toHaveLength(2);
    for (const stamp of body.stamps ?? []) expect(stamp.serial).toMatch(SERIAL_PATTERN);
    expect(body.stampingUrls).toEqual(
      (body.stamps ?? []).map((stamp) => `/v1/stamps/${stamp.serial}/stampings`),
    );
    const after = await stockOf('R01');
    expect(after?.onHand).toBe((before?.onHand ?? 0) - 2);
    expect(after?.sold).toBe((before?.sold ?? 0) + 2);
    expect(after?.reserved).toBe(before?.reserved);
    expect(await nikDayCount(kuota, nik)).toBe(2);
    expect((await ledgerReport(kuota)).differences).toEqual([]);
    const ledger = await kuota.api.get<{ entries: { kind: string; reference: string; quantity: number }[] }>(
      '/v1/wholesale/ledger?limit=200',
      { apiKey: apiKeyOf('R01') },
    );
    expect(
      ledger.body.entries
        .filter((entry) => entry.reference === body.orderId)
        .map((entry) => entry.kind)
        .sort(),
    ).toEqual(['SELL']);
    const vendors = VendorList.parse(
      (await kuota.api.get('/v1/regulator/vendors', { apiKey: kuota.credentials.regulatorKey })).body,
    );
    expect(vendors.vendors.find((vendor) => vendor.resellerId === 'R01')).toMatchObject({
      sold: after?.sold,
      onHand: after?.onHand,
    });
    // The public verifies the serials, and the applicant stamps a PDF with one, using the order token.
    const serial = body.stamps?.[0]?.serial ?? '';
    const verified = await kuota.api.get(`/v1/stamps/${serial}`);
    expect(verified.body).toMatchObject({ serial, status: 'SOLD', resellerId: 'R01' });
    const created = await kuota.api.post(body.stampingUrls[0] ?? '', {
      headers: { 'order-token': body.orderToken },
      body: {},
    });
    expect(created.status, created.text).toBe(201);
    const stamped = await stampDocument(kuota, serial, body.orderToken, await samplePdf('Loket pos'));
    expect(stamped.status).toBe('STAMPED');
  });

  it('refuses a price above face value + the fee cap (422 naming the field), and sells at the cap exactly', async () => {
    // Arrange
    const nik = validNik(1402);
    const before = await stockOf('R02');

    // Act
    const above = await sell('R02', { nik, quantity: 1, unitPriceIdr: 12_501 });
    const below = await sell('R02', { nik, quantity: 1, unitPriceIdr: 9_999 });
    const atCap = await sell('R02', { nik, quantity: 1, unitPriceIdr: 12_500 });

    // Assert
    expect(above.status).toBe(422);
    expect(ErrorBody.parse(above.body).error).toMatchObject({
      code: 'FEE_CAP_EXCEEDED',
      issues: [{ path: 'body.unitPriceIdr', message: 'must be at most 12500' }],
    });
    expect(below.status).toBe(400);
    expect(ErrorBody.parse(below.body).error.issues?.[0]?.path).toBe('body.unitPriceIdr');
    expect(atCap.status, atCap.text).toBe(201);
    const after = await stockOf('R02');
    expect(after?.sold).toBe((before?.sold ?? 0) + 1);
    const alerts = await kuota.api.get<{ alerts: { kind: string; resellerId?: string }[] }>(
      '/v1/regulator/alerts',
      { apiKey: kuota.credentials.regulatorKey },
    );
    expect(
      alerts.body.alerts.some(
        (alert) => alert.kind === 'FEE_CAP_VIOLATION_ATTEMPT' && alert.resellerId === 'R02',
      ),
    ).toBe(true);
  });

  it('never sells more than the stock: 12 applicants at once for 5 stamps get exactly 5, the rest SOLD_OUT', async () => {
    // Act
    const answers = await mapLimit(
      Array.from({ length: 12 }, (_, index) => validNik(1500 + index)),
      12,
      (nik) => sell('R06', { nik, quantity: 1 }),
    );

    // Assert
    const sold = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status === 422);
    expect(sold).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const answer of refused)
      expect(ErrorBody.parse(answer.body).error).toMatchObject({ code: 'SALE_REFUSED', reason: 'SOLD_OUT' });
    expect(await stockOf('R06')).toMatchObject({ onHand: 0, reserved: 0, sold: 5 });
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });

  it('answers a refusal again, unchanged, to a replay of its key', async () => {
    // Arrange
    const nik = validNik(1600);
    const key = uniqueKey('refused');
    const first = await sell('R07', { nik, quantity: 1 }, key);

    // Act
    const again = await sell('R07', { nik, quantity: 1 }, key);

    // Assert
    expect(first.status).toBe(422);
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ error: { code: 'SALE_REFUSED', reason: 'SOLD_OUT' } });
    expect(await nikDayCount(kuota, nik)).toBe(0);
  });

  it('shares the national cap with the storefronts: 3 at a storefront, then 3 at a counter is refused, 2 sells', async () => {
    // Arrange
    const nik = validNik(1700);
    const storefront = await placeOrder(kuota, 'R03', nik, 3);
    expect(storefront.status, storefront.text).toBe(201);

    // Act
    const tooMany = await sell('R04', { nik, quantity: 3 });
    const fits = await sell('R04', { nik, quantity: 2 });
    const oneMore = await sell('R05', { nik, quantity: 1 });

    // Assert
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ error: { code: 'SALE_REFUSED', reason: 'BUYER_CAP_EXCEEDED' } });
    expect(fits.status, fits.text).toBe(201);
    expect(await nikDayCount(kuota, nik)).toBe(5);
    expect(oneMore.body).toMatchObject({ error: { code: 'SALE_REFUSED', reason: 'BUYER_CAP_EXCEEDED' } });
  });

  it('is idempotent under 25 concurrent replays: one sale, one answer, one debit', async () => {
    // Arrange
    const nik = validNik(1800);
    const key = uniqueKey('replayed');
    const before = await stockOf('R05');

    // Act
    const answers = await mapLimit(
      Array.from({ length: 25 }, () => key),
      25,
      () => sell('R05', { nik, quantity: 2, unitPriceIdr: 11_000 }, key),
    );
    const otherBody = await sell('R05', { nik, quantity: 1, unitPriceIdr: 11_000 }, key);

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    const bodies = new Set(answers.map((answer) => answer.text));
    expect(bodies.size).toBe(1);
    const orderId = String(answers[0]?.body.orderId);
    const after = await stockOf('R05');
    expect(after?.sold).toBe((before?.sold ?? 0) + 2);
    expect(after?.onHand).toBe((before?.onHand ?? 0) - 2);
    expect(await nikDayCount(kuota, nik)).toBe(2);
    const entries = (await ledgerOf(kuota, 'R05')).filter((entry) => entry.reference === orderId);
    expect(entries.map((entry) => entry.kind)).toEqual(['SELL']);
    expect(otherBody.status).toBe(409);
    expect(otherBody.body).toMatchObject({ error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });

  it('refuses a suspended reseller (403) and an applicant the civil registry does not know (422); nothing sold', async () => {
    // Arrange
    const before = await stockOf('R03');
    const suspend = await kuota.api.post('/v1/regulator/vendors/R03/suspend', {
      apiKey: kuota.credentials.regulatorKey,
    });
    expect(suspend.status).toBe(200);

    // Act
    const suspended = await sell('R03', { nik: validNik(1900), quantity: 1 });
    await kuota.api.post('/v1/regulator/vendors/R03/resume', { apiKey: kuota.credentials.regulatorKey });
    const stranger = await kuota.api.post('/v1/wholesale/sales', {
      apiKey: apiKeyOf('R03'),
      headers: { 'idempotency-key': uniqueKey('stranger') },
      body: {
        nik: validNik(1901),
        fullName: 'Orang Lain Sekali',
        birthDate: '1970-01-01',
        quantity: 1,
        unitPriceIdr: 10_000,
      },
    });
    const withoutKey = await kuota.api.post('/v1/wholesale/sales', {
      apiKey: apiKeyOf('R03'),
      body: { nik: validNik(1902), ...claimOf(validNik(1902)), quantity: 1, unitPriceIdr: 10_000 },
    });

    // Assert
    expect(suspended.status).toBe(403);
    expect(suspended.body).toMatchObject({ error: { code: 'RESELLER_SUSPENDED' } });
    expect(stranger.status).toBe(422);
    expect(stranger.body).toMatchObject({ error: { code: 'IDENTITY_NOT_VERIFIED' } });
    expect(withoutKey.status).toBe(400);
    expect(withoutKey.text).toContain('headers.idempotency-key');
    expect((await stockOf('R03'))?.sold).toBe(before?.sold);
  });
});
