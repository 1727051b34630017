import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { storefrontStore } from '../../lib/adapters/storefront-store.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  ledgerOf,
  payAtGateway,
  queueBacklog,
  readOrder,
  reservedOrder,
  scanMain,
  sendGatewayEvent,
  setGatewayFaults,
  soldStampsOf,
  stockReseller,
  stockShards,
  stockTotals,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/** The gateway says "captured" 25 times; the buyer gets one set of stamps and pays once. */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  await stockReseller(kuota, 0, 40);
});
beforeEach(async () => {
  await setGatewayFaults(kuota, {});
});
afterAll(async () => {
  await kuota?.stop();
});

/** Waits until the sandbox has delivered every webhook it scheduled (including delayed copies). */
const webhooksDelivered = () =>
  eventually(async () => ((await queueBacklog(kuota, 'webhookDelivery')) === 0 ? true : undefined), {
    timeoutMs: 20_000,
    intervalMs: 200,
  });

describe('duplicate PAYMENT_CAPTURED webhooks', () => {
  it('fulfils once when the same signed event arrives 25 times at once', async () => {
    // Arrange: the buyer pays; the gateway's own webhook is dropped so the test delivers the copies.
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(1), 2);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, payment.paymentId);
    const event = {
      eventId: capture.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED' as const,
      amountIdr: capture.amountIdr,
      occurredAt: capture.occurredAt,
    };

    // Act
    const answers = await Promise.all(Array.from({ length: 25 }, () => sendGatewayEvent(kuota, event)));
    const order = await readOrder(kuota, placed);
    const serials = await soldStampsOf(kuota, placed.orderId);
    const captures = (await scanMain(kuota, `SORDER#${placed.orderId}`)).filter((item) =>
      String(item.sk).startsWith('CAPTURE#'),
    );
    const sells = (await ledgerOf(kuota, 'R01')).filter(
      (item) => item.kind === 'SELL' && item.reference === placed.orderId,
    );
    const orderItem = (await scanMain(kuota, `SORDER#${placed.orderId}`)).find((item) => item.sk === 'ORDER');

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const outcomes = answers.map((answer) => answer.body.outcome);
    expect(outcomes.filter((outcome) => outcome === 'FULFILLED')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'ALREADY_PROCESSED')).toHaveLength(24);
    expect(order.body.status).toBe('FULFILLED');
    expect(order.body.refund).toBeUndefined();
    const stamps = (order.body.stamps as { serial: string }[]).map((stamp) => stamp.serial);
    expect(stamps).toHaveLength(2);
    expect(new Set(stamps).size).toBe(2);
    expect(serials.map((item) => item.serial).sort()).toEqual([...stamps].sort());
    // The capture that bought the order is recorded once, on the order itself (no separate item).
    expect(captures).toHaveLength(0);
    expect(orderItem?.captureEventId).toBe(capture.eventId);
    expect(sells).toHaveLength(1);
  });

  it('fulfils once when the sandbox gateway duplicates (25 copies) and reorders its webhooks', async () => {
    // Arrange
    const before = stockTotals(await stockShards(kuota, 'R01'));
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(2), 3);
    await setGatewayFaults(kuota, { duplicateRate: 1, reorder: true });
    const invocationsBefore = kuota.cloud.runtime.invocations.get('paymentGatewayWebhook') ?? 0;

    // Act
    const capture = await payAtGateway(kuota, payment.paymentId);
    const fulfilled = await waitForStatus(kuota, placed, ['FULFILLED']);
    await webhooksDelivered();
    const order = await readOrder(kuota, placed);
    const serials = await soldStampsOf(kuota, placed.orderId);
    const after = stockTotals(await stockShards(kuota, 'R01'));

    // Assert
    expect((capture as { deliveries?: number }).deliveries).toBe(25);
    expect(
      (kuota.cloud.runtime.invocations.get('paymentGatewayWebhook') ?? 0) - invocationsBefore,
    ).toBeGreaterThanOrEqual(25);
    expect(order.body).toEqual(fulfilled);
    expect(order.body.refund).toBeUndefined();
    expect(serials).toHaveLength(3);
    expect(serials.map((item) => item.serial).sort()).toEqual(
      (order.body.stamps as { serial: string }[]).map((stamp) => stamp.serial).sort(),
    );
    expect(after.sold - before.sold).toBe(3);
    expect(after.onHand + after.reserved + after.sold).toBe(after.allocated);
  });
  it('fulfils a capture whose first read of the order comes from a replica that has no copy yet', async () => {
    // Arrange: the capture's first read is a moment stale (half the read units); here it finds nothing.
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(3), 1);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, payment.paymentId);
    const getOrder = storefrontStore.getOrder.bind(storefrontStore);
    const staleReads = vi
      .spyOn(storefrontStore, 'getOrder')
      .mockImplementation((orderId, options) =>
        options?.consistent === false ? Promise.resolve(undefined) : getOrder(orderId, options),
      );

    // Act
    const answer = await sendGatewayEvent(kuota, {
      eventId: capture.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED' as const,
      amountIdr: capture.amountIdr,
      occurredAt: capture.occurredAt,
    });
    const reads = staleReads.mock.calls
      .filter(([orderId]) => orderId === placed.orderId)
      .map(([, options]) => options?.consistent ?? true);
    staleReads.mockRestore();
    const order = await readOrder(kuota, placed);

    // Assert: read again consistently and fulfilled, not answered 404 as a payment that is not ours.
    expect(reads.slice(0, 2)).toEqual([false, true]);
    expect(answer.status).toBe(200);
    expect(order.body).toMatchObject({ status: 'FULFILLED' });
    expect(order.body.stamps).toHaveLength(1);
  });
});
