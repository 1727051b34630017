import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_TOLERANCE_SECONDS, signPayload } from '../../lib/domain/webhook-signature.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import { claimOf, isAccepted, validNik } from '../support/flows.js';
import { buyStock, freshKey } from './support.js';

/**
 * Security sweep, webhooks: for both signed webhooks (tax authority, payment gateway) every way a
 * signature can be wrong (wrong or the other party's secret, stale, future, tampered body, signature moved
 * to another body, missing or malformed header) answers 401 and changes nothing; the genuine notice is
 * applied once, and replaying it is answered without applying it twice.
 */
let kuota: TestCloud;

beforeAll(async () => {
  kuota = await startTestCloud();
  // R05 gets stock while the tax authority still sends its notices.
  await buyStock(kuota, kuota.credentials.resellers[4]?.apiKey ?? '', 10);
  // The simulated parties send nothing themselves here: every webhook in this file is the test's.
  const faults = await kuota.api.post('/sandbox/faults', {
    body: { taxAuthority: { dropRate: 1 }, paymentGateway: { dropRate: 1 } },
  });
  expect(faults.status).toBe(200);
});

afterAll(async () => {
  await kuota?.stop();
});

const now = () => Math.floor(Date.now() / 1000);
const otherSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

interface Attempt {
  readonly rawBody: string;
  readonly signature: string | undefined;
}

/** Every forged or broken variant of a genuine event, signed (or not) as an attacker could. */
const forgeries = (
  event: Record<string, unknown>,
  secret: string,
  otherPartySecret: string,
  tamper: (event: Record<string, unknown>) => Record<string, unknown>,
): [string, Attempt][] => {
  const rawBody = JSON.stringify(event);
  const tampered = JSON.stringify(tamper(event));
  const genuine = signPayload(secret, rawBody, now());
  const mac = genuine.split('v1=')[1] ?? '';
  return [
    ['a wrong secret', { rawBody, signature: signPayload(otherSecret(), rawBody, now()) }],
    ["the other party's secret", { rawBody, signature: signPayload(otherPartySecret, rawBody, now()) }],
    [
      'a stale timestamp',
      { rawBody, signature: signPayload(secret, rawBody, now() - SIGNATURE_TOLERANCE_SECONDS - 5) },
    ],
    [
      'a future timestamp',
      { rawBody, signature: signPayload(secret, rawBody, now() + SIGNATURE_TOLERANCE_SECONDS + 5) },
    ],
    ['a tampered body', { rawBody: tampered, signature: genuine }],
    [
      'the same body re-serialised with spaces',
      { rawBody: JSON.stringify(event, null, 1), signature: genuine },
    ],
    ['a valid signature moved to another timestamp', { rawBody, signature: `t=${now() - 1},v1=${mac}` }],
    ['no signature header', { rawBody, signature: undefined }],
    ['an empty signature header', { rawBody, signature: '' }],
    ['a header without v1', { rawBody, signature: `t=${now()}` }],
    ['a header without t', { rawBody, signature: `v1=${mac}` }],
    ['a truncated MAC', { rawBody, signature: `t=${now()},v1=${mac.slice(0, 32)}` }],
    ['two timestamps', { rawBody, signature: `t=${now()},t=${now()},v1=${mac}` }],
  ];
};

const post = (path: string, attempt: Attempt) =>
  kuota.api.post(path, {
    rawBody: attempt.rawBody,
    headers: {
      'content-type': 'application/json',
      ...(attempt.signature === undefined ? {} : { 'kuota-signature': attempt.signature }),
    },
  });

describe('tax authority payment notices', () => {
  it('refuses every forged notice with 401 and credits the genuine one exactly once', async () => {
    // Arrange: a quota order whose billing code the bank has paid; the notice is held back.
    const reseller = kuota.credentials.resellers[3];
    if (!reseller) throw new Error('no R04');
    const created = await kuota.api.post<{ id: string; billingCode: string; amountIdr: number }>(
      '/v1/wholesale/quota-orders',
      { apiKey: reseller.apiKey, headers: { 'idempotency-key': freshKey('notice') }, body: { quantity: 25 } },
    );
    expect(created.status).toBe(201);
    const paid = await kuota.api.post<{ ntpn: string; amountIdr: number; paidAt: string; webhook: string }>(
      `/sandbox/tax-authority/billings/${created.body.billingCode}/pay`,
      { body: { amountIdr: created.body.amountIdr } },
    );
    expect(paid.body.webhook).toBe('DROPPED');
    const notice = {
      billingCode: created.body.billingCode,
      ntpn: paid.body.ntpn,
      amountIdr: paid.body.amountIdr,
      paidAt: paid.body.paidAt,
    };
    const order = () =>
      kuota.api.get(`/v1/wholesale/quota-orders/${created.body.id}`, { apiKey: reseller.apiKey });
    const stock = () => kuota.api.get('/v1/wholesale/stock', { apiKey: reseller.apiKey });
    const stockBefore = (await stock()).body;

    // Act + Assert: every forgery is refused and leaves the order unpaid.
    const attempts = forgeries(
      notice,
      kuota.secrets.taxAuthorityWebhookSecret,
      kuota.secrets.paymentGatewayWebhookSecret,
      (event) => ({
        ...event,
        amountIdr: Number(event.amountIdr) * 10,
      }),
    );
    for (const [name, attempt] of attempts) {
      const answer = await post('/v1/webhooks/tax-authority', attempt);
      expect({ name, status: answer.status }).toEqual({ name, status: 401 });
    }
    expect((await order()).body.status).toBe('AWAITING_PAYMENT');
    expect((await order()).body.ntpn).toBeUndefined();
    expect((await stock()).body).toEqual(stockBefore);

    // The genuine notice credits the order, once.
    const genuine: Attempt = {
      rawBody: JSON.stringify(notice),
      signature: signPayload(kuota.secrets.taxAuthorityWebhookSecret, JSON.stringify(notice), now()),
    };
    const first = await post('/v1/webhooks/tax-authority', genuine);
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('CREDITED');
    await eventually(async () => ((await order()).body.status === 'ALLOCATED' ? true : undefined), {
      timeoutMs: 30_000,
    });

    // Replayed: the same request again (valid signature, within the tolerance), and re-signed now.
    const replay = await post('/v1/webhooks/tax-authority', genuine);
    const resigned = await post('/v1/webhooks/tax-authority', {
      rawBody: genuine.rawBody,
      signature: signPayload(kuota.secrets.taxAuthorityWebhookSecret, genuine.rawBody, now()),
    });
    for (const answer of [replay, resigned]) {
      expect(answer.status).toBe(200);
      expect(answer.body.outcome).toBe('ALREADY_CREDITED');
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const credited = (await stock()).body;
    expect(credited.allocatedTotal).toBe(Number(stockBefore.allocatedTotal) + 25);
    expect(credited.onHand).toBe(Number(stockBefore.onHand) + 25);
    const ledger = await kuota.api.get<{ entries: { kind: string; quantity: number; reference: string }[] }>(
      '/v1/wholesale/ledger?limit=200',
      { apiKey: reseller.apiKey },
    );
    const mints = ledger.body.entries.filter(
      (entry) => entry.kind === 'MINT' && entry.reference === created.body.id,
    );
    expect(mints.reduce((sum, entry) => sum + entry.quantity, 0)).toBe(25);
  });
});

describe('payment gateway events', () => {
  it('refuses every forged capture with 401 and fulfils the genuine one exactly once', async () => {
    // Arrange: R05 has stock (beforeAll); a buyer's order is reserved and paid at the gateway, the event held back.
    const reseller = kuota.credentials.resellers[4];
    if (!reseller) throw new Error('no R05');
    const placed = await kuota.api.post<{ orderId: string; orderToken: string; statusUrl: string }>(
      `/v1/storefronts/${reseller.id}/orders`,
      {
        headers: { 'idempotency-key': freshKey('buyer') },
        body: { nik: validNik(5_001), quantity: 2, ...claimOf(validNik(5_001)) },
      },
    );
    expect(isAccepted(placed.status)).toBe(true);
    const view = () =>
      kuota.api.get(placed.body.statusUrl, { headers: { 'order-token': placed.body.orderToken } });
    const reserved = await eventually(
      async () => {
        const order = await view();
        return order.body.status === 'RESERVED' && order.body.payment ? order.body : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const payment = reserved.payment as { paymentId: string; amountIdr: number };
    const captured = await kuota.api.post<{
      eventId: string;
      amountIdr: number;
      occurredAt: string;
      deliveries: number;
    }>(`/sandbox/payment-gateway/payments/${payment.paymentId}/pay`, { body: {} });
    expect(captured.status).toBe(200);
    expect(captured.body.deliveries).toBe(0);
    const event = {
      eventId: captured.body.eventId,
      paymentId: payment.paymentId,
      reference: placed.body.orderId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: captured.body.amountIdr,
      occurredAt: captured.body.occurredAt,
    };
    const stock = () => kuota.api.get('/v1/wholesale/stock', { apiKey: reseller.apiKey });
    const stockBefore = (await stock()).body;

    // Act + Assert: forgeries.
    const attempts = forgeries(
      event,
      kuota.secrets.paymentGatewayWebhookSecret,
      kuota.secrets.taxAuthorityWebhookSecret,
      (original) => ({
        ...original,
        amountIdr: 1,
      }),
    );
    for (const [name, attempt] of attempts) {
      const answer = await post('/v1/webhooks/payment-gateway', attempt);
      expect({ name, status: answer.status }).toEqual({ name, status: 401 });
    }
    const untouched = (await view()).body;
    expect(untouched.status).toBe('RESERVED');
    expect(untouched.stamps).toBeUndefined();
    expect((await stock()).body).toEqual(stockBefore);

    // The genuine event fulfils the order; replays are answered as already processed.
    const genuine: Attempt = {
      rawBody: JSON.stringify(event),
      signature: signPayload(kuota.secrets.paymentGatewayWebhookSecret, JSON.stringify(event), now()),
    };
    const first = await post('/v1/webhooks/payment-gateway', genuine);
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('FULFILLED');
    const fulfilled = (await view()).body;
    expect(fulfilled.status).toBe('FULFILLED');
    const replay = await post('/v1/webhooks/payment-gateway', genuine);
    const resigned = await post('/v1/webhooks/payment-gateway', {
      rawBody: genuine.rawBody,
      signature: signPayload(kuota.secrets.paymentGatewayWebhookSecret, genuine.rawBody, now()),
    });
    for (const answer of [replay, resigned]) {
      expect(answer.status).toBe(200);
      expect(answer.body.outcome).toBe('ALREADY_PROCESSED');
    }
    const after = (await view()).body;
    expect(after).toEqual(fulfilled);
    expect(after.refund).toBeUndefined();
    const sold = (await stock()).body;
    expect(sold.sold).toBe(Number(stockBefore.sold) + 2);
    expect(sold.reserved).toBe(Number(stockBefore.reserved) - 2);
  });
});
