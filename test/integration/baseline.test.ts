import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../lib/domain/webhook-signature.js';
import { resetBaselineIdempotency } from '../../tools/baseline/idempotency.js';
import { resetBaselineOrders } from '../../tools/baseline/orders.js';
import { type BaselineRuntime, startBaselineRuntime } from '../../tools/baseline/runtime.js';
import { baselineStore } from '../../tools/baseline/store.js';
import { provisionBaselineTables } from '../../tools/baseline/tables.js';
import { type ApiClient, apiClient, eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import { claimOf, mapLimit, uniqueKey, validNik } from '../support/flows.js';

/**
 * The benchmark's baseline (synchronous reservation on one counter item per reseller, Powertools
 * idempotency) must be a correct implementation on its own, or the comparison means nothing: it reserves,
 * never oversells, never sells twice for a retried request or a redelivered webhook, and keeps the cap.
 */
let kuota: TestCloud;
let baseline: BaselineRuntime;
let api: ApiClient;

const stock = (resellerId: string, onHand: number, open = true) =>
  baselineStore.putStock({
    resellerId,
    name: `PT Test ${resellerId}`,
    onHand,
    reserved: 0,
    sold: 0,
    unitPriceIdr: 12_500,
    open,
  });

const order = (resellerId: string, nik: string, quantity: number, key = uniqueKey('baseline')) =>
  api.post<Record<string, unknown> & { orderId: string; payment: { paymentId: string; amountIdr: number } }>(
    `/v1/storefronts/${resellerId}/orders`,
    { headers: { 'idempotency-key': key }, body: { nik, quantity, ...claimOf(nik) } },
  );

beforeAll(async () => {
  kuota = await startTestCloud();
  await provisionBaselineTables(kuota.cloud.dynamo, `b${randomBytes(4).toString('hex')}`);
  resetBaselineIdempotency();
  resetBaselineOrders();
  baseline = await startBaselineRuntime({ port: 0 });
  // The baseline is the comparison design, not kuota's API: its answers follow its own shapes.
  api = apiClient(baseline.url, { contract: false });
});
afterAll(async () => {
  await baseline?.stop();
  await kuota?.stop();
});

describe('the baseline storefront', () => {
  it('reserves at once (201 with the QRIS payment), then fulfils on the paid webhook', async () => {
    await stock('R01', 10);
    const placed = await order('R01', validNik(1), 2);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'RESERVED', quantity: 2, payment: { amountIdr: 25_000 } });
    expect(await baselineStore.getStock('R01')).toMatchObject({ onHand: 8, reserved: 2, sold: 0 });

    const paid = await api.post(`/sandbox/payment-gateway/payments/${placed.body.payment.paymentId}/pay`, {
      body: {},
    });
    expect(paid.status).toBe(200);
    const fulfilled = await eventually(async () => {
      const view = await api.get(`/v1/storefronts/R01/orders/${placed.body.orderId}`);
      return view.body.status === 'FULFILLED' ? view.body : undefined;
    });
    expect(fulfilled.stamps).toHaveLength(2);
    expect(await baselineStore.getStock('R01')).toMatchObject({ onHand: 8, reserved: 0, sold: 2 });
  });

  it('never oversells: 60 concurrent buyers for 20 stamps get 20 reservations and 40 SOLD_OUT', async () => {
    await stock('R02', 20);
    const answers = await mapLimit(
      Array.from({ length: 60 }, (_, index) => validNik(100 + index)),
      60,
      (nik) => order('R02', nik, 1),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(20);
    expect(statuses.filter((status) => status === 409)).toHaveLength(40);
    expect(
      answers.filter((answer) => answer.status === 409).every((answer) => answer.text.includes('SOLD_OUT')),
    ).toBe(true);
    expect(await baselineStore.getStock('R02')).toMatchObject({ onHand: 0, reserved: 20 });
  });

  it('never sells twice: a retried Idempotency-Key gets the first answer, another body is refused', async () => {
    await stock('R03', 10);
    const key = uniqueKey('retry');
    const [first, ...retries] = await Promise.all([
      order('R03', validNik(300), 1, key),
      ...Array.from({ length: 4 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, 100 + index * 50));
        return order('R03', validNik(300), 1, key);
      }),
    ]);
    expect(first?.status).toBe(201);
    for (const retry of retries) {
      // A retry racing the first request is told it is in progress (409); after it, the same answer.
      expect([201, 409]).toContain(retry.status);
      if (retry.status === 201) expect(retry.body.orderId).toBe(first?.body.orderId);
    }
    const later = await order('R03', validNik(300), 1, key);
    expect(later.status).toBe(201);
    expect(later.body.orderId).toBe(first?.body.orderId);
    const otherBody = await order('R03', validNik(300), 2, key);
    expect(otherBody.status).toBe(409);
    expect(await baselineStore.getStock('R03')).toMatchObject({ onHand: 9, reserved: 1 });
  });

  it('never sells twice on a redelivered webhook: the order is fulfilled and counted sold once', async () => {
    await stock('R04', 5);
    const placed = await order('R04', validNik(400), 1);
    expect(placed.status).toBe(201);
    const event = {
      eventId: `EV_${randomBytes(6).toString('hex')}`,
      paymentId: placed.body.payment.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: placed.body.payment.amountIdr,
      occurredAt: new Date().toISOString(),
    };
    const rawBody = JSON.stringify(event);
    const deliver = () =>
      api.post('/v1/webhooks/payment-gateway', {
        rawBody,
        headers: {
          'content-type': 'application/json',
          'kuota-signature': signPayload(
            kuota.secrets.paymentGatewayWebhookSecret,
            rawBody,
            Math.floor(Date.now() / 1000),
          ),
        },
      });
    const first = await deliver();
    const again = await deliver();
    // A different event id for the same payment (the gateway reporting it twice) is a no-op too.
    const otherRaw = JSON.stringify({ ...event, eventId: `${event.eventId}X` });
    const other = await api.post('/v1/webhooks/payment-gateway', {
      rawBody: otherRaw,
      headers: {
        'content-type': 'application/json',
        'kuota-signature': signPayload(
          kuota.secrets.paymentGatewayWebhookSecret,
          otherRaw,
          Math.floor(Date.now() / 1000),
        ),
      },
    });
    expect([first.status, again.status, other.status]).toEqual([200, 200, 200]);
    expect(first.body.outcome).toBe('FULFILLED');
    expect(again.body.outcome).toBe('FULFILLED'); // Powertools replays the first answer
    expect(other.body.outcome).toBe('ALREADY_PROCESSED');
    expect(await baselineStore.getStock('R04')).toMatchObject({ onHand: 4, reserved: 0, sold: 1 });

    const unsigned = await api.post('/v1/webhooks/payment-gateway', { body: event });
    expect(unsigned.status).toBe(401);
  });

  it('keeps the national per-NIK day cap and gives the allowance back when stock is refused', async () => {
    await stock('R05', 100);
    await stock('R06', 0);
    const nik = validNik(500);
    expect((await order('R06', nik, 3)).status).toBe(409); // sold out: the 3 come back to the buyer
    expect((await order('R05', nik, 3)).status).toBe(201);
    expect((await order('R05', nik, 2)).status).toBe(201);
    const over = await order('R05', nik, 1);
    expect(over.status).toBe(409);
    expect(over.text).toContain('BUYER_CAP_EXCEEDED');
    expect(await baselineStore.getStock('R05')).toMatchObject({ onHand: 95, reserved: 5 });
  });
});
