import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  type PlacedOrder,
  payAtGateway,
  readOrder,
  reservedOrder,
  runSweeper,
  sendGatewayEvent,
  setGatewayFaults,
  soldStampsOf,
  stockReseller,
  stockShards,
  stockTotals,
  validNik,
  waitForStatus,
} from '../support/flows.js';
import { alertsOfKind, vendorRow } from './oversight-support.js';

/**
 * Money that cannot buy stamps goes back in full (never 75%, never "minus fees"), and the order
 * shows it: a second payment of a fulfilled order, an over-payment, an under-payment; a lost refund
 * confirmation is picked up by the sweeper.
 */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
  await stockReseller(kuota, 0, 30);
});
beforeEach(async () => {
  await setGatewayFaults(kuota, {});
});
afterAll(async () => {
  await kuota?.stop();
});

const refundCompleted = (placed: PlacedOrder) =>
  eventually(async () => {
    const order = await readOrder(kuota, placed);
    const refund = order.body.refund as { status: string } | undefined;
    return refund?.status === 'COMPLETED' ? order.body : undefined;
  });

describe('100% refunds', () => {
  it('refunds a second payment of a fulfilled order in full and keeps the order FULFILLED', async () => {
    // Arrange
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(1), 2);
    await payAtGateway(kuota, payment.paymentId);
    const fulfilled = await waitForStatus(kuota, placed, ['FULFILLED']);
    const soldBefore = stockTotals(await stockShards(kuota, 'R01')).sold;

    // Act
    const second = await payAtGateway(kuota, payment.paymentId);
    const after = await refundCompleted(placed);

    // Assert
    expect(after).toMatchObject({
      status: 'FULFILLED',
      refund: { amountIdr: second.amountIdr, status: 'COMPLETED' },
    });
    expect(second.amountIdr).toBe(payment.amountIdr);
    expect(after.stamps).toEqual(fulfilled.stamps);
    expect(await soldStampsOf(kuota, placed.orderId)).toHaveLength(2);
    expect(stockTotals(await stockShards(kuota, 'R01')).sold).toBe(soldBefore);
  });

  it('refunds an over-payment and an under-payment in full; the exact payment then fulfils', async () => {
    // Arrange
    const over = await reservedOrder(kuota, 'R01', validNik(2), 1);
    const under = await reservedOrder(kuota, 'R01', validNik(3), 1);

    // Act
    const overPaid = await payAtGateway(kuota, over.payment.paymentId, over.payment.amountIdr + 87_500);
    const underPaid = await payAtGateway(kuota, under.payment.paymentId, 10_000);
    const overRefunded = await refundCompleted(over.placed);
    const underRefunded = await refundCompleted(under.placed);
    await payAtGateway(kuota, over.payment.paymentId);
    const overFulfilled = await waitForStatus(kuota, over.placed, ['FULFILLED']);

    // Assert
    expect(overPaid.amountIdr).toBe(100_000);
    expect(overRefunded).toMatchObject({
      status: 'RESERVED',
      refund: { amountIdr: 100_000, status: 'COMPLETED' },
    });
    expect(underPaid.amountIdr).toBe(10_000);
    expect(underRefunded).toMatchObject({
      status: 'RESERVED',
      refund: { amountIdr: 10_000, status: 'COMPLETED' },
    });
    expect(overFulfilled).toMatchObject({ refund: { amountIdr: 100_000, status: 'COMPLETED' } });
    expect(overFulfilled.stamps).toHaveLength(1);
  });

  it('leaves a refund open, and alerts, when the gateway confirms another amount; completes it at the amount owed', async () => {
    // Arrange: fulfilled order; a second capture to refund, its confirmation held back.
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(5), 1);
    await payAtGateway(kuota, payment.paymentId);
    await waitForStatus(kuota, placed, ['FULFILLED']);
    const refundedBefore = (await vendorRow(kuota, 'R01')).refundedIdr;
    await setGatewayFaults(kuota, { dropRate: 1 });
    const second = await payAtGateway(kuota, payment.paymentId);
    await sendGatewayEvent(kuota, {
      eventId: second.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: second.amountIdr,
      occurredAt: second.occurredAt,
    });

    // Act: the gateway reports the refund complete for less than was owed; later the sweeper asks again.
    const short = await sendGatewayEvent(kuota, {
      eventId: `EV_${'SHORT'.padEnd(26, '0')}`,
      paymentId: payment.paymentId,
      type: 'REFUND_COMPLETED',
      refundId: `RF_${second.eventId}`,
      amountIdr: second.amountIdr - 1_000,
      occurredAt: new Date().toISOString(),
    });
    const afterShort = await readOrder(kuota, placed);
    const refundedAfterShort = (await vendorRow(kuota, 'R01')).refundedIdr;
    const alerts = await alertsOfKind(kuota, 'REFUND_AMOUNT_MISMATCH');
    const tally = await runSweeper(kuota);
    const settled = await readOrder(kuota, placed);

    // Assert
    expect(short.body).toMatchObject({ received: true, outcome: 'AMOUNT_MISMATCH' });
    expect(afterShort.body).toMatchObject({ refund: { amountIdr: second.amountIdr, status: 'PENDING' } });
    expect(refundedAfterShort).toBe(refundedBefore);
    expect(alerts.some((alert) => JSON.stringify(alert).includes(`RF_${second.eventId}`))).toBe(true);
    expect(tally.refundsConfirmed).toBe(1);
    expect(settled.body).toMatchObject({ refund: { amountIdr: second.amountIdr, status: 'COMPLETED' } });
    expect((await vendorRow(kuota, 'R01')).refundedIdr).toBe(refundedBefore + second.amountIdr);
  });

  it('confirms a refund whose REFUND_COMPLETED webhook was dropped when the sweeper runs', async () => {
    // Arrange: fulfilled order; then a second capture whose refund confirmation never arrives.
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(4), 1);
    await payAtGateway(kuota, payment.paymentId);
    await waitForStatus(kuota, placed, ['FULFILLED']);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const second = await payAtGateway(kuota, payment.paymentId);
    const reported = await sendGatewayEvent(kuota, {
      eventId: second.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: second.amountIdr,
      occurredAt: second.occurredAt,
    });
    const pending = await readOrder(kuota, placed);

    // Act
    const tally = await runSweeper(kuota);
    const confirmed = await readOrder(kuota, placed);
    const again = await runSweeper(kuota);

    // Assert
    expect(reported.body).toMatchObject({ outcome: 'REFUND_REQUESTED' });
    expect(pending.body).toMatchObject({
      status: 'FULFILLED',
      refund: { amountIdr: second.amountIdr, status: 'PENDING' },
    });
    expect(tally).toMatchObject({ refundsConfirmed: 1, failed: 0 });
    expect(confirmed.body).toMatchObject({
      status: 'FULFILLED',
      refund: { amountIdr: second.amountIdr, status: 'COMPLETED' },
    });
    expect(again.refundsConfirmed).toBe(0);
  });

  it('fulfils (does not refund) an in-time payment the gateway timestamps in Jakarta time (+07:00)', async () => {
    // Arrange
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(5), 1);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, payment.paymentId);
    const jakarta = new Date(Date.parse(capture.occurredAt) + 7 * 3_600_000)
      .toISOString()
      .replace('Z', '+07:00');

    // Act
    const answer = await sendGatewayEvent(kuota, {
      eventId: capture.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: capture.amountIdr,
      occurredAt: jakarta,
    });
    const order = await readOrder(kuota, placed);

    // Assert
    expect(Date.parse(jakarta)).toBe(Date.parse(capture.occurredAt));
    expect(Date.parse(jakarta)).toBeLessThan(Date.parse(payment.expiresAt));
    expect(answer.body).toMatchObject({ outcome: 'FULFILLED' });
    expect(order.body).toMatchObject({ status: 'FULFILLED' });
    expect(order.body.refund).toBeUndefined();
  });
});
