import { describe, expect, it } from 'vitest';
import { eventually, useTestCloud } from '../support/cloud.js';

const kuota = useTestCloud();

describe('quota purchase from the tax authority', () => {
  it('creates an order, pays its billing in the sandbox and shows it credited with the NTPN', async () => {
    // Arrange
    const reseller = kuota.credentials.resellers[0];
    if (!reseller) throw new Error('no reseller seeded');

    // Act
    const created = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': 'purchase-flow-1' },
      body: { quantity: 250 },
    });
    const billingCode = String(created.body.billingCode);
    const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${billingCode}/pay`, {
      body: { amountIdr: 2_500_000 },
    });
    const order = await eventually(async () => {
      const response = await kuota.api.get(`/v1/wholesale/quota-orders/${created.body.id}`, {
        apiKey: reseller.apiKey,
      });
      // PAID, and soon ALLOCATED as the issuer mints the stamps: either shows the credited NTPN.
      return ['PAID', 'ALLOCATED'].includes(String(response.body.status)) ? response : undefined;
    });

    // Assert
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'AWAITING_PAYMENT', quantity: 250, amountIdr: 2_500_000 });
    expect(billingCode).toMatch(/^[0-9]{15}$/);
    expect(paid.status).toBe(200);
    expect(order.body.ntpn).toBe(paid.body.ntpn);
    expect(String(order.body.ntpn)).toMatch(/^[0-9A-Z]{16}$/);
  });
});
