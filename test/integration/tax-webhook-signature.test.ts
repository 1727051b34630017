import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../lib/domain/webhook-signature.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  getOrder,
  itemsWithPkPrefix,
  mustCreateOrder,
  noticeOf,
  nowSeconds,
  type PaymentNotice,
  payInSandbox,
  postWebhook,
  resellerAt,
  sendNotice,
  setTaxAuthorityFaults,
} from './quota-orders-support.js';

/** `Kuota-Signature` on the tax authority's payment notices. */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud();
  // The sandbox sends no webhooks in this file: every notice is the test's own.
  await setTaxAuthorityFaults(kuota, { dropRate: 1 });
});
afterAll(async () => {
  await kuota?.stop();
});

let keyCounter = 0;
/** A fresh order whose billing the tax authority has paid, with the webhook held back for the test. */
const paidOrderWithHeldNotice = async () => {
  keyCounter += 1;
  const reseller = resellerAt(kuota, keyCounter % 26);
  const order = await mustCreateOrder(kuota, reseller, 1, `signature-case-${keyCounter}`);
  const payment = await payInSandbox(kuota, order.billingCode, order.amountIdr);
  if (payment.body.webhook !== 'DROPPED')
    throw new Error(`the sandbox answered ${payment.status}: ${payment.text}`);
  return { reseller, order, notice: noticeOf(payment.body) };
};

const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

type BadRequest = (
  notice: PaymentNotice,
  secret: string,
) => { rawBody: string; signature: string | undefined };

const badRequests: [string, BadRequest][] = [
  [
    'signed with a wrong secret',
    (notice) => {
      const rawBody = JSON.stringify(notice);
      return {
        rawBody,
        signature: signPayload(`whsec_${randomBytes(24).toString('base64url')}`, rawBody, nowSeconds()),
      };
    },
  ],
  [
    'signed with the payment gateway’s secret instead of the tax authority’s',
    (notice) => {
      const rawBody = JSON.stringify(notice);
      return {
        rawBody,
        signature: signPayload(kuota.secrets.paymentGatewayWebhookSecret, rawBody, nowSeconds()),
      };
    },
  ],
  [
    'stale: signed 301 s ago',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      return { rawBody, signature: signPayload(secret, rawBody, nowSeconds() - 301) };
    },
  ],
  [
    // 302 rather than 301: the receiver's clock may tick a second between signing and verifying.
    'future: signed 302 s ahead',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      return { rawBody, signature: signPayload(secret, rawBody, nowSeconds() + 302) };
    },
  ],
  [
    'tampered body: amount changed after signing',
    (notice, secret) => {
      const signature = signPayload(secret, JSON.stringify(notice), nowSeconds());
      return { rawBody: JSON.stringify({ ...notice, amountIdr: notice.amountIdr + 10_000 }), signature };
    },
  ],
  [
    'tampered body: NTPN swapped after signing',
    (notice, secret) => {
      const signature = signPayload(secret, JSON.stringify(notice), nowSeconds());
      return { rawBody: JSON.stringify({ ...notice, ntpn: 'FORGED0000000001' }), signature };
    },
  ],
  [
    'tampered body: only whitespace re-formatted (the MAC covers the raw bytes)',
    (notice, secret) => {
      const signature = signPayload(secret, JSON.stringify(notice), nowSeconds());
      return { rawBody: JSON.stringify(notice, null, 2), signature };
    },
  ],
  [
    'timestamp changed after signing (replay with a fresh t)',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      const old = nowSeconds() - 400;
      return { rawBody, signature: `t=${nowSeconds()},v1=${hmacHex(secret, `${old}.${rawBody}`)}` };
    },
  ],
  ['missing header', (notice) => ({ rawBody: JSON.stringify(notice), signature: undefined })],
  ['empty header', (notice) => ({ rawBody: JSON.stringify(notice), signature: '' })],
  [
    'malformed header: not key=value pairs',
    (notice) => ({ rawBody: JSON.stringify(notice), signature: 'garbage' }),
  ],
  [
    'malformed header: no timestamp',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      return { rawBody, signature: `v1=${hmacHex(secret, `${nowSeconds()}.${rawBody}`)}` };
    },
  ],
  [
    'malformed header: no v1',
    (notice) => ({ rawBody: JSON.stringify(notice), signature: `t=${nowSeconds()}` }),
  ],
  [
    'malformed header: non-numeric timestamp',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      return { rawBody, signature: `t=now,v1=${hmacHex(secret, `now.${rawBody}`)}` };
    },
  ],
  [
    'malformed header: two timestamps',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      const t = nowSeconds();
      return { rawBody, signature: `t=${t},t=${t},v1=${hmacHex(secret, `${t}.${rawBody}`)}` };
    },
  ],
  [
    'v1 is the MAC of the body alone (no timestamp)',
    (notice, secret) => {
      const rawBody = JSON.stringify(notice);
      return { rawBody, signature: `t=${nowSeconds()},v1=${hmacHex(secret, rawBody)}` };
    },
  ],
];

describe('webhook signatures that are refused', () => {
  it.each(badRequests)('answers 401 and changes nothing when %s', async (_name, build) => {
    // Arrange
    const { reseller, order, notice } = await paidOrderWithHeldNotice();
    const { rawBody, signature } = build(notice, kuota.secrets.taxAuthorityWebhookSecret);

    // Act
    const response = await postWebhook(kuota, rawBody, signature);

    // Assert
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('INVALID_SIGNATURE');
    const view = await getOrder(kuota, reseller, order.id);
    expect(view.body.status).toBe('AWAITING_PAYMENT');
    expect(view.body.ntpn).toBeUndefined();
    expect(await itemsWithPkPrefix(kuota, 'main', 'NTPN#FORGED')).toHaveLength(0);
    expect(await itemsWithPkPrefix(kuota, 'main', `NTPN#${notice.ntpn}`)).toHaveLength(0);
  });

  it('accepts the genuine notice after every forged one was refused', async () => {
    // Arrange
    const { reseller, order, notice } = await paidOrderWithHeldNotice();
    for (const [, build] of badRequests) {
      const { rawBody, signature } = build(notice, kuota.secrets.taxAuthorityWebhookSecret);
      await postWebhook(kuota, rawBody, signature);
    }

    // Act
    const response = await sendNotice(kuota, notice);

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, outcome: 'CREDITED' });
    const view = await getOrder(kuota, reseller, order.id);
    expect(view.body.ntpn).toBe(notice.ntpn);
    expect(view.body.amountIdr).toBe(order.amountIdr);
  });
});

describe('webhook signatures that are accepted', () => {
  it('treats a replay of the same signed request within the window as a repeat (ALREADY_CREDITED)', async () => {
    // Arrange
    const { reseller, order, notice } = await paidOrderWithHeldNotice();
    const rawBody = JSON.stringify(notice);
    const signature = signPayload(kuota.secrets.taxAuthorityWebhookSecret, rawBody, nowSeconds());
    const first = await postWebhook(kuota, rawBody, signature);

    // Act
    const replay = await postWebhook(kuota, rawBody, signature);

    // Assert
    expect(first.status).toBe(200);
    expect(first.body.outcome).toBe('CREDITED');
    expect(replay.status).toBe(200);
    expect(replay.body.outcome).toBe('ALREADY_CREDITED');
    expect((await getOrder(kuota, reseller, order.id)).body.ntpn).toBe(notice.ntpn);
    expect(await itemsWithPkPrefix(kuota, 'main', `NTPN#${notice.ntpn}`)).toHaveLength(1);
  });

  it('accepts a notice signed 299 s ago (inside the 300 s tolerance)', async () => {
    // Arrange
    const { notice } = await paidOrderWithHeldNotice();

    // Act
    const response = await sendNotice(kuota, notice, { timestamp: nowSeconds() - 299 });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('CREDITED');
  });

  it('accepts a header carrying two v1 values during a secret rotation when one matches', async () => {
    // Arrange
    const { notice } = await paidOrderWithHeldNotice();
    const rawBody = JSON.stringify(notice);
    const t = nowSeconds();
    const oldMac = hmacHex(`whsec_${randomBytes(24).toString('base64url')}`, `${t}.${rawBody}`);
    const newMac = hmacHex(kuota.secrets.taxAuthorityWebhookSecret, `${t}.${rawBody}`);

    // Act
    const response = await postWebhook(kuota, rawBody, `t=${t},v1=${oldMac},v1=${newMac}`);

    // Assert
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('CREDITED');
  });
});

describe('validly signed notices that are still refused', () => {
  it('answers 404 for an unknown billing code and writes nothing', async () => {
    // Arrange
    const notice = {
      billingCode: '999999999999999',
      ntpn: 'UNKNOWN000000001',
      amountIdr: 10_000,
      paidAt: new Date().toISOString(),
    };

    // Act
    const response = await sendNotice(kuota, notice);

    // Assert
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
    expect(await itemsWithPkPrefix(kuota, 'main', `NTPN#${notice.ntpn}`)).toHaveLength(0);
  });

  it('answers 400 naming each malformed field of a signed notice', async () => {
    // Arrange
    const { notice } = await paidOrderWithHeldNotice();
    const bad = { ...notice, ntpn: 'short', amountIdr: 1.5, paidAt: 'yesterday', extra: true };

    // Act
    const response = await sendNotice(kuota, bad as unknown as PaymentNotice);

    // Assert
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const paths = (response.body.error.issues ?? []).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['body.ntpn', 'body.amountIdr', 'body.paidAt']));
    expect(await itemsWithPkPrefix(kuota, 'main', `NTPN#${notice.ntpn}`)).toHaveLength(0);
  });

  it('answers 409 NTPN_CONFLICT when a second, different NTPN is reported for a paid billing', async () => {
    // Arrange
    const { reseller, order, notice } = await paidOrderWithHeldNotice();
    await sendNotice(kuota, notice);

    // Act
    const response = await sendNotice(kuota, { ...notice, ntpn: 'OTHER00000000001' });

    // Assert
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('NTPN_CONFLICT');
    expect((await getOrder(kuota, reseller, order.id)).body.ntpn).toBe(notice.ntpn);
    expect(await itemsWithPkPrefix(kuota, 'main', 'NTPN#OTHER00000000001')).toHaveLength(0);
  });
});
