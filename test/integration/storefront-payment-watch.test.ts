import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  payAtGateway,
  readOrder,
  reservedOrder,
  runSweeper,
  setGatewayFaults,
  stockReseller,
  validNik,
  waitForStatus,
} from '../support/flows.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_RESERVATION_TTL_SECONDS: '3',
      KUOTA_PAYMENT_WATCH_SECONDS: '1',
    },
  });
  await stockReseller(kuota, 8, 10);
});
afterAll(async () => {
  await kuota?.stop();
});

describe('the payment watch of settled orders', () => {
  it('refunds a second payment of a fulfilled order whose webhooks were all lost', async () => {
    // Arrange: a fulfilled order, then every gateway webhook dropped
    const { placed, payment } = await reservedOrder(kuota, 'R09', validNik(901), 2);
    await payAtGateway(kuota, payment.paymentId);
    await waitForStatus(kuota, placed, ['FULFILLED']);
    await setGatewayFaults(kuota, { dropRate: 1 });

    // Act: the buyer pays the same QR again; nobody hears of it until the watch ends
    const secondCapture = await payAtGateway(kuota, payment.paymentId);
    const beforeWatchEnds = await readOrder(kuota, placed);
    await sleep(Date.parse(payment.expiresAt) + 1_500 - Date.now());
    const firstSweep = await runSweeper(kuota);
    const afterFirstSweep = await readOrder(kuota, placed);
    const secondSweep = await runSweeper(kuota);
    const settled = await readOrder(kuota, placed);

    // Assert
    expect(secondCapture.deliveries).toBe(0);
    expect(beforeWatchEnds.body.refund).toBeUndefined();
    expect(firstSweep.lateCapturesFound).toBe(1);
    expect(afterFirstSweep.body.refund).toEqual({ amountIdr: secondCapture.amountIdr, status: 'PENDING' });
    expect(secondSweep.refundsConfirmed).toBe(1);
    expect(settled.body).toMatchObject({
      status: 'FULFILLED',
      refund: { amountIdr: payment.amountIdr, status: 'COMPLETED' },
    });
    expect(settled.body.stamps).toHaveLength(2);
  });
});
