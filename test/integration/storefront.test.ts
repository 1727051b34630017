import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { isAccepted, placeOrder, stockReseller, validNik, waitForStatus } from '../support/flows.js';

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  await stockReseller(kuota, 0, 50);
});
afterAll(async () => {
  await kuota?.stop();
});

describe('storefront order journey', () => {
  it('queues, reserves, takes a QRIS payment and fulfils with serials', async () => {
    // Arrange
    const offer = await kuota.api.get('/v1/storefronts/R01/offer');

    // Act
    const placed = await placeOrder(kuota, 'R01', validNik(1), 2);
    const reserved = await waitForStatus(kuota, placed.body, ['RESERVED']);
    const payment = reserved.payment as { paymentId: string; amountIdr: number };
    const paid = await kuota.api.post(`/sandbox/payment-gateway/payments/${payment.paymentId}/pay`, {
      body: {},
    });
    const fulfilled = await waitForStatus(kuota, placed.body, ['FULFILLED']);
    const stock = await kuota.api.get('/v1/wholesale/stock', {
      apiKey: kuota.credentials.resellers[0]?.apiKey,
    });

    // Assert
    expect(offer.body).toMatchObject({
      resellerId: 'R01',
      unitPriceIdr: 12_500,
      availability: 'AVAILABLE',
      status: 'OPEN',
    });
    expect(isAccepted(placed.status)).toBe(true);
    expect(payment.amountIdr).toBe(25_000);
    expect(paid.status).toBe(200);
    const stamps = fulfilled.stamps as { serial: string }[];
    expect(stamps).toHaveLength(2);
    for (const stamp of stamps) expect(stamp.serial).toMatch(/^[A-Z0-9]{22}$/);
    expect(stock.body).toMatchObject({ onHand: 48, reserved: 0, sold: 2, allocatedTotal: 50 });
  });
});
