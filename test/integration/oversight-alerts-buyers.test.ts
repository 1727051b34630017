import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { stockReseller, validNik } from '../support/flows.js';
import {
  type Alert,
  alertsOfKind,
  buyerOf,
  eventually,
  listAlerts,
  orderAndWait,
  resellerKey,
} from './oversight-support.js';

/**
 * Alerts raised where buyers and resellers act: a NIK reaching the national cap, a NIK trying
 * several storefronts, a reseller asking for a fee above the cap, a tax payment of the wrong amount. Each
 * is produced by the scenario that should produce it and not by its harmless twin, carries time, vendor
 * (where one applies) and evidence, and never shows a NIK.
 */
const NIK = {
  overCap: validNik(101),
  underCap: validNik(102),
  threeStorefronts: validNik(103),
  twoStorefronts: validNik(104),
};

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '4',
      // One NIK holds several unpaid reservations here: this test isolates another rule from the one-hold rule
      // (storefront-holding.test.ts tests that one), as it isolates the cap from the intake limits.
      KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON: 'false',
    },
  });
  await stockReseller(kuota, 0, 40);
}, 60_000);
afterAll(async () => {
  await kuota?.stop();
});

const expectWellFormed = (alert: Alert) => {
  expect(Number.isNaN(Date.parse(alert.at))).toBe(false);
  expect(alert.alertId).toEqual(expect.any(String));
  expect(Object.keys(alert.evidence).length).toBeGreaterThan(0);
};

describe('alerts about buyers and resellers', () => {
  it('NIK_CAP_REACHED: a NIK over the national cap is reported, a NIK under it is not', async () => {
    // Arrange + Act: the cap is 5 a day; 3 + 3 goes over it, 2 + 2 does not.
    const first = await orderAndWait(kuota, 'R01', NIK.overCap, 3);
    const second = await orderAndWait(kuota, 'R01', NIK.overCap, 3);
    const under = [
      await orderAndWait(kuota, 'R01', NIK.underCap, 2),
      await orderAndWait(kuota, 'R01', NIK.underCap, 2),
    ];
    const alerts = await eventually(async () => {
      const found = await alertsOfKind(kuota, 'NIK_CAP_REACHED');
      return found.length > 0 ? found : undefined;
    });

    // Assert
    expect(first.outcome).toBe('RESERVED');
    expect(second).toMatchObject({ outcome: 'REJECTED', reason: 'BUYER_CAP_EXCEEDED' });
    expect(under.map((result) => result.outcome)).toEqual(['RESERVED', 'RESERVED']);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Alert];
    expectWellFormed(alert);
    expect(alert).toMatchObject({
      resellerId: 'R01',
      evidence: { buyer: buyerOf(kuota, NIK.overCap), cap: 5, reservedToday: 3, storefronts: ['R01'] },
    });
    expect(alerts.some((a) => a.evidence.buyer === buyerOf(kuota, NIK.underCap))).toBe(false);
  });

  it('NIK_MULTI_STOREFRONT: a NIK at three storefronts in a day is reported, one at two is not', async () => {
    // Arrange + Act (R02 and R03 have no stock: the orders are rejected, the attempt still counts)
    for (const resellerId of ['R01', 'R02', 'R03'])
      await orderAndWait(kuota, resellerId, NIK.threeStorefronts, 1);
    for (const resellerId of ['R01', 'R02']) await orderAndWait(kuota, resellerId, NIK.twoStorefronts, 1);
    const alerts = await alertsOfKind(kuota, 'NIK_MULTI_STOREFRONT');

    // Assert
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Alert];
    expectWellFormed(alert);
    expect(alert.evidence).toMatchObject({
      buyer: buyerOf(kuota, NIK.threeStorefronts),
      storefronts: ['R01', 'R02', 'R03'],
    });
    expect(alerts.some((a) => a.evidence.buyer === buyerOf(kuota, NIK.twoStorefronts))).toBe(false);
  });

  it('FEE_CAP_VIOLATION_ATTEMPT: a fee above the cap is refused and reported, one within it is not', async () => {
    // Act
    const above = await kuota.api.put('/v1/wholesale/storefront', {
      apiKey: resellerKey(kuota, 'R04'),
      body: { serviceFeeIdr: 3_000, open: true },
    });
    const within = await kuota.api.put('/v1/wholesale/storefront', {
      apiKey: resellerKey(kuota, 'R05'),
      body: { serviceFeeIdr: 2_000, open: true },
    });
    const alerts = await alertsOfKind(kuota, 'FEE_CAP_VIOLATION_ATTEMPT');

    // Assert
    expect(above.status).toBe(422);
    expect(above.body).toMatchObject({ error: { code: 'FEE_CAP_EXCEEDED' } });
    expect(within.status).toBe(200);
    expect(within.body).toMatchObject({ serviceFeeIdr: 2_000, unitPriceIdr: 12_000 });
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Alert];
    expectWellFormed(alert);
    expect(alert).toMatchObject({ resellerId: 'R04', evidence: { requestedFeeIdr: 3_000, capIdr: 2_500 } });
  });

  it('TAX_AMOUNT_MISMATCH: a billing paid with the wrong amount is reported, an exact payment is not', async () => {
    // Arrange
    const billings = await Promise.all(
      ['R06', 'R07'].map(async (resellerId) => {
        const created = await kuota.api.post('/v1/wholesale/quota-orders', {
          apiKey: resellerKey(kuota, resellerId),
          headers: { 'idempotency-key': `tax-order-${resellerId}` },
          body: { quantity: 10 },
        });
        expect(created.status, created.text).toBe(201);
        return { resellerId, id: String(created.body.id), billingCode: String(created.body.billingCode) };
      }),
    );
    const [wrong, exact] = billings as [(typeof billings)[0], (typeof billings)[0]];

    // Act
    const paidWrong = await kuota.api.post(`/sandbox/tax-authority/billings/${wrong.billingCode}/pay`, {
      body: { amountIdr: 90_000 },
    });
    const paidExact = await kuota.api.post(`/sandbox/tax-authority/billings/${exact.billingCode}/pay`, {
      body: { amountIdr: 100_000 },
    });
    const alerts = await eventually(async () => {
      const found = await alertsOfKind(kuota, 'TAX_AMOUNT_MISMATCH');
      return found.length > 0 ? found : undefined;
    });
    const exactOrder = await eventually(async () => {
      const order = await kuota.api.get(`/v1/wholesale/quota-orders/${exact.id}`, {
        apiKey: resellerKey(kuota, 'R07'),
      });
      return order.body.status === 'ALLOCATED' ? order.body : undefined;
    });
    const wrongOrder = await kuota.api.get(`/v1/wholesale/quota-orders/${wrong.id}`, {
      apiKey: resellerKey(kuota, 'R06'),
    });

    // Assert
    expect(paidWrong.status).toBe(200);
    expect(paidExact.status).toBe(200);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Alert];
    expectWellFormed(alert);
    expect(alert).toMatchObject({
      resellerId: 'R06',
      evidence: { billingCode: wrong.billingCode, expectedIdr: 100_000, paidIdr: 90_000 },
    });
    expect(exactOrder.allocation).toMatchObject({ allocated: 10, remaining: 0 });
    expect(wrongOrder.body.status).toBe('AWAITING_PAYMENT');
  });

  it('never shows a NIK in clear, and answers resellers 403', async () => {
    // Act
    const { alerts, text } = await listAlerts(kuota);
    const asReseller = await kuota.api.get('/v1/regulator/alerts', { apiKey: resellerKey(kuota, 'R01') });

    // Assert
    expect(new Set(alerts.map((alert) => alert.kind))).toEqual(
      new Set([
        'NIK_CAP_REACHED',
        'NIK_MULTI_STOREFRONT',
        'FEE_CAP_VIOLATION_ATTEMPT',
        'TAX_AMOUNT_MISMATCH',
      ]),
    );
    for (const nik of Object.values(NIK)) expect(text).not.toContain(nik);
    expect(asReseller.status).toBe(403);
  });
});
