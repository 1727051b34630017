import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  getOrder,
  mustCreateOrder,
  ntpnItemsOf,
  PAID_STATES,
  payInSandbox,
  resellerAt,
  sendNotice,
  setTaxAuthorityFaults,
} from './quota-orders-support.js';

/**
 * Billing expiry (reconciliation): configuration is per process, so this file runs its own cloud
 * whose billings lapse two seconds after creation.
 */
const BILLING_TTL_SECONDS = 2;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_BILLING_TTL_SECONDS: String(BILLING_TTL_SECONDS) } });
  // Every webhook of this file is dropped: only reconciliation (or a notice a test sends) reports payments.
  await setTaxAuthorityFaults(kuota, { dropRate: 1 });
});
afterAll(async () => {
  await kuota?.stop();
});

/** Runs reconciliation until the order leaves AWAITING_PAYMENT (the billing lapses on the sandbox's clock). */
const reconcileUntilSettled = (reseller: ReturnType<typeof resellerAt>, orderId: string) =>
  eventually(
    async () => {
      await kuota.cloud.runtime.runJob('quotaReconciliation');
      const view = await getOrder(kuota, reseller, orderId);
      return view.body.status === 'AWAITING_PAYMENT' ? undefined : view;
    },
    { timeoutMs: 15_000, intervalMs: 250 },
  );

// The tests wait for billings to lapse, so they wait together.
describe.concurrent('billing expiry on reconciliation', () => {
  it('expires an unpaid order once the tax authority says its billing lapsed', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 0);
    const order = await mustCreateOrder(kuota, reseller, 2, 'expiry-unpaid-0001');

    // Act
    const settled = await reconcileUntilSettled(reseller, order.id);

    // Assert
    expect(settled.body.status).toBe('EXPIRED');
    expect(settled.body.ntpn).toBeUndefined();
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(0);
  });

  it('never expires a billing the tax authority reports paid, even after its expiry passed', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 1);
    const order = await mustCreateOrder(kuota, reseller, 3, 'expiry-paid-0001');
    const paid = await payInSandbox(kuota, order.billingCode, order.amountIdr);
    await eventually(async () => (Date.now() > Date.parse(order.expiresAt) + 100 ? true : undefined));

    // Act
    await kuota.cloud.runtime.runJob('quotaReconciliation');
    await kuota.cloud.runtime.runJob('quotaReconciliation');
    const view = await getOrder(kuota, reseller, order.id);

    // Assert
    expect(paid.status).toBe(200);
    expect(paid.body.webhook).toBe('DROPPED');
    expect(PAID_STATES).toContain(view.body.status);
    expect(view.body.ntpn).toBe(paid.body.ntpn);
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(1);
  });

  it('refuses to take payment of a lapsed billing in the sandbox', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 2);
    const order = await mustCreateOrder(kuota, reseller, 1, 'expiry-late-pay-0001');
    await eventually(async () => (Date.now() > Date.parse(order.expiresAt) + 100 ? true : undefined));

    // Act
    const paid = await payInSandbox(kuota, order.billingCode, order.amountIdr);

    // Assert
    expect(paid.status).toBe(409);
    expect(paid.body.error.code).toBe('BILLING_NOT_PAYABLE');
  });

  it('credits an EXPIRED order once if a genuine payment notice still arrives (the state has the money)', async () => {
    // Arrange: the order expired on reconciliation; a payment made in the last moment is reported later.
    const reseller = resellerAt(kuota, 3);
    const order = await mustCreateOrder(kuota, reseller, 4, 'expiry-late-notice-0001');
    const expired = await reconcileUntilSettled(reseller, order.id);
    const lateNotice = {
      billingCode: order.billingCode,
      ntpn: 'LATE0NTPN0000001',
      amountIdr: order.amountIdr,
      paidAt: order.expiresAt,
    };

    // Act
    const first = await sendNotice(kuota, lateNotice);
    const again = await sendNotice(kuota, lateNotice);
    const view = await getOrder(kuota, reseller, order.id);

    // Assert
    expect(expired.body.status).toBe('EXPIRED');
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('CREDITED');
    expect(again.body.outcome).toBe('ALREADY_CREDITED');
    expect(PAID_STATES).toContain(view.body.status);
    expect(view.body.ntpn).toBe(lateNotice.ntpn);
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(1);
  });
});
