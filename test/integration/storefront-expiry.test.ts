import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { storefrontStore } from '../../lib/adapters/storefront-store.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  ledgerReport,
  nikDayCount,
  type OrderPayment,
  payAtGateway,
  readOrder,
  reservedOrder,
  runSweeper,
  sendGatewayEvent,
  setGatewayFaults,
  stockResellers,
  stockShards,
  stockTotals,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * With a short reservation TTL (5 s instead of 15 min): a lost payment webhook still fulfils a
 * paid-in-time order (the sweeper asks the gateway before it expires anything), an unpaid reservation
 * returns its stock and the buyer's cap, and money paid after the reservation lapsed comes back in full.
 */
const TTL_SECONDS = 5;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_RESERVATION_TTL_SECONDS: String(TTL_SECONDS),
      // One NIK holds several unpaid reservations here: this test isolates another rule from the one-hold rule
      // (storefront-holding.test.ts tests that one), as it isolates the cap from the intake limits.
      KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON: 'false',
      // Many reservations lapse here, all from one client (127.0.0.1).
      KUOTA_CLIENT_LAPSES_PER_HOUR: '100000',
    },
  });
  await stockResellers(kuota, [0, 1, 2, 3], 30);
});
beforeEach(async () => {
  await setGatewayFaults(kuota, {});
});
afterAll(async () => {
  await kuota?.stop();
});

const waitPastExpiry = async (payment: OrderPayment) => {
  const wait = Date.parse(payment.expiresAt) - Date.now() + 300;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
};

/** Each test uses its own storefront, so one test's leftovers never move another's stock figures. */
const stockOf = async (resellerId: string) => stockTotals(await stockShards(kuota, resellerId));

describe('reservation expiry and reconciliation', () => {
  it('fulfils a paid-in-time order whose webhook was dropped, and expires the unpaid one (cap and stock back)', async () => {
    // Arrange
    const paidNik = validNik(11);
    const unpaidNik = validNik(12);
    const paid = await reservedOrder(kuota, 'R01', paidNik, 2);
    const unpaid = await reservedOrder(kuota, 'R01', unpaidNik, 5);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, paid.payment.paymentId);
    await waitPastExpiry(unpaid.payment);
    await waitPastExpiry(paid.payment);
    const beforeSweep = await readOrder(kuota, paid.placed);
    const stockBefore = await stockOf('R01');

    // Act
    const tally = await runSweeper(kuota);
    const paidAfter = await readOrder(kuota, paid.placed);
    const unpaidAfter = await readOrder(kuota, unpaid.placed);
    const stockAfter = await stockOf('R01');
    const unpaidCapAfter = await nikDayCount(kuota, unpaidNik);
    await setGatewayFaults(kuota, {});
    const orderedAgain = await reservedOrder(kuota, 'R01', unpaidNik, 5);

    // Assert
    expect(Date.parse(capture.occurredAt)).toBeLessThanOrEqual(Date.parse(paid.payment.expiresAt));
    expect(beforeSweep.body.status).toBe('RESERVED');
    expect(tally).toMatchObject({ reconciled: 1, expired: 1, failed: 0 });
    expect(paidAfter.body.status).toBe('FULFILLED');
    expect(paidAfter.body.stamps).toHaveLength(2);
    expect(paidAfter.body.refund).toBeUndefined();
    expect(unpaidAfter.body).toMatchObject({ status: 'EXPIRED' });
    expect(unpaidAfter.body.stamps).toBeUndefined();
    expect(stockAfter.sold - stockBefore.sold).toBe(2);
    expect(stockAfter.onHand - stockBefore.onHand).toBe(5);
    expect(stockAfter.reserved).toBe(0);
    expect(await nikDayCount(kuota, paidNik)).toBe(2);
    expect(unpaidCapAfter).toBe(0);
    expect(orderedAgain.payment.amountIdr).toBe(5 * 12_500);
    expect(await nikDayCount(kuota, unpaidNik)).toBe(5);
  });

  it('expires an unpaid reservation whose timer first reads it from a replica that has no copy yet', async () => {
    // Arrange: the timer reads the order a moment stale (half the read units); here that read finds nothing.
    const nik = validNik(13);
    const unpaid = await reservedOrder(kuota, 'R04', nik, 1);
    await waitPastExpiry(unpaid.payment);
    const getOrder = storefrontStore.getOrder.bind(storefrontStore);
    const staleReads = vi
      .spyOn(storefrontStore, 'getOrder')
      .mockImplementation((orderId, options) =>
        options?.consistent === false ? Promise.resolve(undefined) : getOrder(orderId, options),
      );

    // Act
    const tally = await runSweeper(kuota);
    const reads = staleReads.mock.calls
      .filter(([orderId]) => orderId === unpaid.placed.orderId)
      .map(([, options]) => options?.consistent ?? true);
    staleReads.mockRestore();
    const after = await readOrder(kuota, unpaid.placed);

    // Assert: read again consistently, and expired; not dropped as an order that does not exist.
    expect(reads).toEqual([false, true]);
    expect(tally.failed).toBe(0);
    expect(after.body).toMatchObject({ status: 'EXPIRED' });
    expect(await nikDayCount(kuota, nik)).toBe(0);
  });

  it('refunds 100% of a payment made after the reservation expired (REFUND_PENDING until the gateway confirms)', async () => {
    // Arrange: the reservation lapses and the sweeper releases it; then the buyer pays the old QR.
    const nik = validNik(21);
    const stockBefore = await stockOf('R02');
    const { placed, payment } = await reservedOrder(kuota, 'R02', nik, 2);
    await waitPastExpiry(payment);
    await runSweeper(kuota);
    const expired = await readOrder(kuota, placed);
    const stockAfterExpiry = await stockOf('R02');
    const capAfterExpiry = await nikDayCount(kuota, nik);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, payment.paymentId);

    // Act: the capture is reported, the refund's confirmation webhook is lost, the sweeper confirms it.
    const reported = await sendGatewayEvent(kuota, {
      eventId: capture.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: capture.amountIdr,
      occurredAt: capture.occurredAt,
    });
    const pending = await readOrder(kuota, placed);
    const tally = await runSweeper(kuota);
    const refunded = await readOrder(kuota, placed);

    // Assert
    expect(expired.body.status).toBe('EXPIRED');
    expect(stockAfterExpiry).toEqual(stockBefore);
    expect(capAfterExpiry).toBe(0);
    expect(reported.body).toMatchObject({ received: true, outcome: 'REFUND_REQUESTED' });
    expect(pending.body).toMatchObject({
      status: 'REFUND_PENDING',
      refund: { amountIdr: payment.amountIdr, status: 'PENDING' },
    });
    expect(tally.refundsConfirmed).toBe(1);
    expect(refunded.body).toMatchObject({
      status: 'REFUNDED',
      refund: { amountIdr: capture.amountIdr, status: 'COMPLETED' },
    });
    expect(capture.amountIdr).toBe(payment.amountIdr);
    expect(refunded.body.stamps).toBeUndefined();
    expect(await stockOf('R02')).toEqual(stockBefore);
  });

  it('expires and refunds a reservation paid late before any sweeper ran, returning stock and cap', async () => {
    // Arrange
    const nik = validNik(31);
    const stockBefore = await stockOf('R03');
    const { placed, payment } = await reservedOrder(kuota, 'R03', nik, 1);
    const capWhileReserved = await nikDayCount(kuota, nik);
    await waitPastExpiry(payment);

    // Act: the gateway's webhooks (capture, then refund confirmation) flow normally.
    const capture = await payAtGateway(kuota, payment.paymentId);
    const refunded = await waitForStatus(kuota, placed, ['REFUNDED']);

    // Assert
    expect(Date.parse(capture.occurredAt)).toBeGreaterThan(Date.parse(payment.expiresAt));
    expect(capWhileReserved).toBe(1);
    expect(refunded).toMatchObject({ refund: { amountIdr: payment.amountIdr, status: 'COMPLETED' } });
    expect(await nikDayCount(kuota, nik)).toBe(0);
    expect(await stockOf('R03')).toEqual(stockBefore);
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });
});
