import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  payAtGateway,
  placeOrder,
  reservedOrder,
  stockReseller,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * A reseller sets its service fee (at most the regulator's cap, default Rp2,500) and opens or
 * closes its storefront. The unit price is Rp10,000 + fee, fixed on the order when it is reserved.
 */
let kuota: TestCloud;
let apiKey: string;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
  apiKey = kuota.credentials.resellers[1]?.apiKey ?? '';
  await stockReseller(kuota, 1, 20);
});
afterAll(async () => {
  await kuota?.stop();
});

const setStorefront = (serviceFeeIdr: number, open = true) =>
  kuota.api.put('/v1/wholesale/storefront', { apiKey, body: { serviceFeeIdr, open } });
const offer = () => kuota.api.get('/v1/storefronts/R02/offer');

describe('storefront fee and opening', () => {
  it('refuses a fee above the regulator’s cap with 422 FEE_CAP_EXCEEDED and keeps the price', async () => {
    // Arrange
    const before = await offer();

    // Act
    const answer = await setStorefront(2_501);
    const anonymous = await kuota.api.put('/v1/wholesale/storefront', {
      body: { serviceFeeIdr: 0, open: true },
    });
    const after = await offer();

    // Assert
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({
      code: 'FEE_CAP_EXCEEDED',
      issues: [{ path: 'body.serviceFeeIdr', message: 'must be at most 2500' }],
    });
    expect(anonymous.status).toBe(401);
    expect(after.body).toMatchObject({ unitPriceIdr: 12_500, serviceFeeIdr: 2_500 });
    expect(after.body.unitPriceIdr).toBe(before.body.unitPriceIdr);
  });

  it('changes the offered unit price at once and fixes the price on each order when it is reserved', async () => {
    // Arrange
    const lowered = await setStorefront(1_000);
    const loweredOffer = await offer();
    const early = await reservedOrder(kuota, 'R02', validNik(1), 2);

    // Act
    const raised = await setStorefront(2_000);
    const raisedOffer = await offer();
    const late = await reservedOrder(kuota, 'R02', validNik(2), 2);
    await payAtGateway(kuota, early.payment.paymentId);
    const earlyFulfilled = await waitForStatus(kuota, early.placed, ['FULFILLED']);

    // Assert
    expect(lowered.body).toMatchObject({ serviceFeeIdr: 1_000, unitPriceIdr: 11_000, open: true });
    expect(loweredOffer.body).toMatchObject({ unitPriceIdr: 11_000, serviceFeeIdr: 1_000 });
    expect(early.payment.amountIdr).toBe(22_000);
    expect(raised.body).toMatchObject({ unitPriceIdr: 12_000 });
    expect(raisedOffer.body).toMatchObject({ unitPriceIdr: 12_000, serviceFeeIdr: 2_000 });
    expect(late.payment.amountIdr).toBe(24_000);
    expect(earlyFulfilled).toMatchObject({ unitPriceIdr: 11_000 });
    expect(earlyFulfilled.refund).toBeUndefined();
  });

  it('accepts a zero fee (Rp10,000 face value) and refuses orders while closed (403 STOREFRONT_CLOSED)', async () => {
    // Arrange
    await setStorefront(0, false);

    // Act
    const closedOffer = await offer();
    const refused = await placeOrder(kuota, 'R02', validNik(3), 1);
    await setStorefront(0, true);
    const reopened = await reservedOrder(kuota, 'R02', validNik(3), 1);

    // Assert
    expect(closedOffer.body).toMatchObject({ status: 'CLOSED', unitPriceIdr: 10_000 });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'STOREFRONT_CLOSED' });
    expect(reopened.payment.amountIdr).toBe(10_000);
  });
});
