import { expect } from 'vitest';
import { eventually, type TestCloud } from './cloud.js';

/** Multi-step journeys the storefront tests share: give a reseller stock, place and pay orders. */
let keyCounter = 0;
const uniqueKey = (label: string) => {
  keyCounter += 1;
  return `${label}-${Date.now()}-${keyCounter}`;
};

export const stockReseller = async (
  kuota: TestCloud,
  resellerIndex: number,
  quantity: number,
): Promise<void> => {
  const reseller = kuota.credentials.resellers[resellerIndex];
  if (!reseller) throw new Error(`no reseller ${resellerIndex}`);
  const created = await kuota.api.post('/v1/wholesale/quota-orders', {
    apiKey: reseller.apiKey,
    headers: { 'idempotency-key': uniqueKey('stock') },
    body: { quantity },
  });
  expect(created.status).toBe(201);
  const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${created.body.billingCode}/pay`, {
    body: { amountIdr: quantity * 10_000 },
  });
  expect(paid.status).toBe(200);
  await eventually(
    async () => {
      const order = await kuota.api.get(`/v1/wholesale/quota-orders/${created.body.id}`, {
        apiKey: reseller.apiKey,
      });
      return order.body.status === 'ALLOCATED' ? true : undefined;
    },
    { timeoutMs: 30_000 },
  );
};

export interface PlacedOrder {
  readonly orderId: string;
  readonly orderToken: string;
  readonly statusUrl: string;
}

/** NIKs that pass every rule: province 31, women's birth dates, distinct serials. */
export const validNik = (n: number): string =>
  `317401${String(41 + (n % 28)).padStart(2, '0')}0890${String(1 + (n % 9998)).padStart(4, '0')}`;

export const placeOrder = async (
  kuota: TestCloud,
  resellerId: string,
  nik: string,
  quantity: number,
  key = uniqueKey('order'),
) =>
  kuota.api.post<PlacedOrder & { error?: { code: string } }>(`/v1/storefronts/${resellerId}/orders`, {
    headers: { 'idempotency-key': key },
    body: { nik, quantity },
  });

export const readOrder = (kuota: TestCloud, placed: PlacedOrder) =>
  kuota.api.get(placed.statusUrl, { headers: { 'order-token': placed.orderToken } });

export const waitForStatus = async (
  kuota: TestCloud,
  placed: PlacedOrder,
  statuses: string[],
  timeoutMs = 20_000,
) =>
  eventually(
    async () => {
      const order = await readOrder(kuota, placed);
      const status = String(order.body.status);
      // A reservation is payable once its QRIS payment is attached, a moment after the reservation.
      if (status === 'RESERVED' && statuses.includes('RESERVED') && !order.body.payment) return undefined;
      return statuses.includes(status) ? order.body : undefined;
    },
    { timeoutMs },
  );
