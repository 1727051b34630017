import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, useTestCloud } from '../support/cloud.js';
import {
  alertsSince,
  allocationQueueHasConsumer,
  drainAllocationQueue,
  getOrder,
  invocationsOf,
  itemsWithPkPrefix,
  mustCreateOrder,
  noticeOf,
  ntpnItemsOf,
  PAID_STATES,
  payInSandbox,
  payWithoutWebhook,
  resellerAt,
  sendNotice,
  setTaxAuthorityFaults,
} from './quota-orders-support.js';

/** Buying quota from the tax authority, and every way its payment notice can arrive. */
const kuota = useTestCloud();
beforeEach(async () => {
  await setTaxAuthorityFaults(kuota, { duplicateRate: 0, dropRate: 0, delayMs: 0 });
});

const paidOrder = async (reseller: ReturnType<typeof resellerAt>, orderId: string) =>
  eventually(async () => {
    const response = await getOrder(kuota, reseller, orderId);
    return PAID_STATES.includes(response.body.status) ? response : undefined;
  });

describe('purchase flow', () => {
  it('answers 201 with the order, its duty and a 15-digit billing code that expires in the future', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 0);
    const before = Date.now();

    // Act
    const created = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': 'flow-shape-0001' },
      body: { quantity: 37 },
    });

    // Assert
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(created.body).sort()).toEqual(
      ['amountIdr', 'billingCode', 'expiresAt', 'id', 'quantity', 'status'].sort(),
    );
    expect(created.body).toMatchObject({ status: 'AWAITING_PAYMENT', quantity: 37, amountIdr: 370_000 });
    expect(created.body.id).toMatch(/^QO_[0-9A-Z]{26}$/);
    expect(created.body.billingCode).toMatch(/^[0-9]{15}$/);
    expect(Date.parse(String(created.body.expiresAt))).toBeGreaterThan(before);
  });

  it('shows the order AWAITING_PAYMENT without an NTPN, then PAID with the NTPN the tax authority issued', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 1);
    const order = await mustCreateOrder(kuota, reseller, 3, 'flow-paid-0001');
    const before = await getOrder(kuota, reseller, order.id);

    // Act
    const paid = await payInSandbox(kuota, order.billingCode, order.amountIdr);
    const after = await paidOrder(reseller, order.id);

    // Assert
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      id: order.id,
      status: 'AWAITING_PAYMENT',
      quantity: 3,
      amountIdr: 30_000,
      billingCode: order.billingCode,
      expiresAt: order.expiresAt,
      allocation: { allocated: 0, remaining: 3 },
    });
    expect(before.body.ntpn).toBeUndefined();
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      billingCode: order.billingCode,
      amountIdr: 30_000,
      webhook: 'SCHEDULED',
    });
    expect(PAID_STATES).toContain(after.body.status);
    expect(after.body.ntpn).toBe(paid.body.ntpn);
    expect(after.body.ntpn).toMatch(/^[0-9A-Z]{16}$/);
    expect(after.body.paidAt).toBe(paid.body.paidAt);
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(1);
  });

  it('refuses to pay the same billing twice in the sandbox', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 2);
    const order = await mustCreateOrder(kuota, reseller, 1, 'flow-twice-0001');
    const first = await payInSandbox(kuota, order.billingCode, order.amountIdr);

    // Act
    const second = await payInSandbox(kuota, order.billingCode, order.amountIdr);

    // Assert
    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('BILLING_NOT_PAYABLE');
  });
});

describe('duplicate payment notices', () => {
  it('credits 25 concurrent copies of one signed notice exactly once', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 3);
    const order = await mustCreateOrder(kuota, reseller, 5, 'dup-direct-0001');
    const payment = await payWithoutWebhook(kuota, order.billingCode, order.amountIdr);
    if (!allocationQueueHasConsumer()) await drainAllocationQueue(kuota);
    const allocationRunsBefore = invocationsOf(kuota, 'allocation');

    // Act
    const responses = await Promise.all(
      Array.from({ length: 25 }, () => sendNotice(kuota, noticeOf(payment))),
    );

    // Assert
    expect(responses.map((response) => response.status)).toEqual(Array(25).fill(200));
    const outcomes = responses.map((response) => response.body.outcome);
    expect(outcomes.filter((outcome) => outcome === 'CREDITED')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'ALREADY_CREDITED')).toHaveLength(24);
    const view = await getOrder(kuota, reseller, order.id);
    expect(PAID_STATES).toContain(view.body.status);
    expect(view.body.ntpn).toBe(payment.ntpn);
    const ntpnItems = await itemsWithPkPrefix(kuota, 'main', `NTPN#${payment.ntpn}`);
    expect(ntpnItems).toHaveLength(1);
    expect(ntpnItems[0]).toMatchObject({
      orderId: order.id,
      billingCode: order.billingCode,
      amountIdr: 50_000,
    });
    if (!allocationQueueHasConsumer()) {
      // Every report (re-)requests allocation; the allocation consumer is idempotent per order.
      const messages = await drainAllocationQueue(kuota);
      expect(messages.length).toBeGreaterThanOrEqual(1);
      for (const message of messages) {
        expect(message).toMatchObject({ quotaOrderId: order.id, resellerId: reseller.id });
      }
    } else {
      // The allocation consumer picks the request up from the queue.
      await eventually(async () =>
        invocationsOf(kuota, 'allocation') > allocationRunsBefore ? true : undefined,
      );
    }
  });

  it('credits once when the sandbox delivers every webhook 25 times', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 4);
    const order = await mustCreateOrder(kuota, reseller, 2, 'dup-sandbox-0001');
    await setTaxAuthorityFaults(kuota, { duplicateRate: 1 });
    const webhooksBefore = invocationsOf(kuota, 'taxAuthorityWebhook');

    // Act
    const paid = await payInSandbox(kuota, order.billingCode, order.amountIdr);
    await eventually(async () =>
      invocationsOf(kuota, 'taxAuthorityWebhook') - webhooksBefore >= 25 ? true : undefined,
    );

    // Assert
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ webhook: 'SCHEDULED', deliveries: 25 });
    const view = await paidOrder(reseller, order.id);
    expect(view.body.ntpn).toBe(paid.body.ntpn);
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(1);
    expect(await itemsWithPkPrefix(kuota, 'main', `NTPN#${paid.body.ntpn}`)).toHaveLength(1);
  });
});

describe('dropped payment notices and reconciliation', () => {
  it('credits a paid billing whose webhook was dropped when reconciliation runs', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 5);
    const order = await mustCreateOrder(kuota, reseller, 4, 'dropped-0001');
    await setTaxAuthorityFaults(kuota, { dropRate: 1 });
    const paid = await payInSandbox(kuota, order.billingCode, order.amountIdr);
    const beforeReconciliation = await getOrder(kuota, reseller, order.id);

    // Act
    await kuota.cloud.runtime.runJob('quotaReconciliation');
    const after = await getOrder(kuota, reseller, order.id);

    // Assert
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ webhook: 'DROPPED', deliveries: 0 });
    expect(beforeReconciliation.body.status).toBe('AWAITING_PAYMENT');
    expect(beforeReconciliation.body.ntpn).toBeUndefined();
    expect(PAID_STATES).toContain(after.body.status);
    expect(after.body.ntpn).toBe(paid.body.ntpn);
    expect(after.body.paidAt).toBe(paid.body.paidAt);
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(1);
  });

  it('leaves unpaid, unexpired billings awaiting payment and credits nothing twice on a second run', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 6);
    const unpaid = await mustCreateOrder(kuota, reseller, 1, 'recon-unpaid-0001');
    const paidOrderCreated = await mustCreateOrder(kuota, reseller, 1, 'recon-paid-0001');
    await payWithoutWebhook(kuota, paidOrderCreated.billingCode, paidOrderCreated.amountIdr);

    // Act
    await kuota.cloud.runtime.runJob('quotaReconciliation');
    await kuota.cloud.runtime.runJob('quotaReconciliation');

    // Assert
    expect((await getOrder(kuota, reseller, unpaid.id)).body.status).toBe('AWAITING_PAYMENT');
    expect(PAID_STATES).toContain((await getOrder(kuota, reseller, paidOrderCreated.id)).body.status);
    expect(await ntpnItemsOf(kuota, paidOrderCreated.id)).toHaveLength(1);
    expect(await ntpnItemsOf(kuota, unpaid.id)).toHaveLength(0);
  });
});

describe('amount mismatch', () => {
  it('answers 422 to a notice whose amount differs from the billing, credits nothing and records an alert', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 7);
    const order = await mustCreateOrder(kuota, reseller, 10, 'mismatch-direct-0001');
    const payment = await payWithoutWebhook(kuota, order.billingCode, order.amountIdr);
    const started = new Date();

    // Act
    const response = await sendNotice(kuota, { ...noticeOf(payment), amountIdr: 90_000 });

    // Assert
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('AMOUNT_MISMATCH');
    const view = await getOrder(kuota, reseller, order.id);
    expect(view.body.status).toBe('AWAITING_PAYMENT');
    expect(view.body.ntpn).toBeUndefined();
    expect(await itemsWithPkPrefix(kuota, 'main', `NTPN#${payment.ntpn}`)).toHaveLength(0);
    const alerts = (await alertsSince(kuota, started)).filter(
      (alert) => alert.kind === 'TAX_AMOUNT_MISMATCH',
    );
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      resellerId: reseller.id,
      evidence: { billingCode: order.billingCode, ntpn: payment.ntpn, expectedIdr: 100_000, paidIdr: 90_000 },
    });
  });

  it('refuses the sandbox webhook of an underpaid billing with 422, also on reconciliation', async () => {
    // Arrange
    const reseller = resellerAt(kuota, 8);
    const order = await mustCreateOrder(kuota, reseller, 2, 'mismatch-sandbox-0001');
    const started = new Date();
    const webhooksBefore = invocationsOf(kuota, 'taxAuthorityWebhook');

    // Act
    const paid = await payInSandbox(kuota, order.billingCode, 15_000);
    const alert = await eventually(async () =>
      (await alertsSince(kuota, started)).find(
        (item) => item.kind === 'TAX_AMOUNT_MISMATCH' && item.resellerId === reseller.id,
      ),
    );
    const tally = (await kuota.cloud.runtime.runJob('quotaReconciliation')) as Record<string, number>;

    // Assert
    expect(paid.status).toBe(200);
    expect(invocationsOf(kuota, 'taxAuthorityWebhook')).toBeGreaterThan(webhooksBefore);
    expect(alert).toMatchObject({ evidence: { ntpn: paid.body.ntpn, expectedIdr: 20_000, paidIdr: 15_000 } });
    expect(tally.mismatched).toBeGreaterThanOrEqual(1);
    const view = await getOrder(kuota, reseller, order.id);
    expect(view.body.status).toBe('AWAITING_PAYMENT');
    expect(view.body.ntpn).toBeUndefined();
    expect(await ntpnItemsOf(kuota, order.id)).toHaveLength(0);
  });
});
