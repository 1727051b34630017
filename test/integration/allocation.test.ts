import { describe, expect, it } from 'vitest';
import { eventually, useTestCloud } from '../support/cloud.js';

const kuota = useTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '8', KUOTA_ALLOCATION_CHUNK: '300' } });

const buyAndPay = async (apiKey: string, quantity: number, key: string) => {
  const created = await kuota.api.post('/v1/wholesale/quota-orders', {
    apiKey,
    headers: { 'idempotency-key': key },
    body: { quantity },
  });
  expect(created.status).toBe(201);
  const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${created.body.billingCode}/pay`, {
    body: { amountIdr: quantity * 10_000 },
  });
  expect(paid.status).toBe(200);
  return String(created.body.id);
};

describe('allocation', () => {
  it('mints a paid order into the reseller’s stock in chunks and marks it ALLOCATED', async () => {
    // Arrange
    const reseller = kuota.credentials.resellers[2];
    if (!reseller) throw new Error('no reseller');

    // Act
    const orderId = await buyAndPay(reseller.apiKey, 1_000, 'alloc-basic-1');
    const order = await eventually(async () => {
      const response = await kuota.api.get(`/v1/wholesale/quota-orders/${orderId}`, {
        apiKey: reseller.apiKey,
      });
      return response.body.status === 'ALLOCATED' ? response.body : undefined;
    });
    const stock = await kuota.api.get('/v1/wholesale/stock', { apiKey: reseller.apiKey });
    const ledger = await kuota.api.get('/v1/wholesale/ledger?limit=2', { apiKey: reseller.apiKey });
    const rest = await kuota.api.get(`/v1/wholesale/ledger?limit=50&cursor=${ledger.body.nextCursor}`, {
      apiKey: reseller.apiKey,
    });

    // Assert
    expect(order.allocation).toEqual({ allocated: 1_000, remaining: 0 });
    expect(stock.body).toMatchObject({
      onHand: 1_000,
      reserved: 0,
      sold: 0,
      allocatedTotal: 1_000,
      pipeline: 0,
    });
    const entries = [
      ...(ledger.body.entries as { kind: string; quantity: number }[]),
      ...(rest.body.entries as { kind: string; quantity: number }[]),
    ];
    expect(entries.map((entry) => entry.kind)).toEqual(['MINT', 'MINT', 'MINT', 'MINT']);
    expect(entries.reduce((sum, entry) => sum + entry.quantity, 0)).toBe(1_000);
    expect(rest.body.nextCursor).toBeUndefined();
  });
});
