import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  payAtGateway,
  runSweeper,
  sendGatewayEvent,
  stockReseller,
  uniqueKey,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * Orders that cannot be lost: a buyer may leave a phone number or an e-mail address and is told, in Bahasa
 * Indonesia, when the order is reserved (with the link that resumes it), fulfilled (with the serials) and
 * refunded; "Lacak pesanan" sends a fresh link to every order of theirs with a contact, after the identity
 * check, to the contact and never to the caller. The sandbox notification provider's outbox is read here.
 */
const TTL_SECONDS = 3;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: { KUOTA_STOCK_SHARDS: '2', KUOTA_RESERVATION_TTL_SECONDS: String(TTL_SECONDS) },
  });
  await stockReseller(kuota, 0, 50);
});
afterAll(async () => {
  await kuota?.stop();
});

interface Notice {
  kind: string;
  channel: string;
  orderId: string;
  link: string;
  text: string;
}
const outbox = async (to: string) =>
  (await kuota.api.get<{ notices: Notice[] }>(`/sandbox/notifications?to=${encodeURIComponent(to)}`)).body
    .notices;

type Placed = {
  orderId: string;
  statusUrl: string;
  orderToken: string;
  payment?: { paymentId: string; amountIdr: number };
};
const order = (nik: string, quantity: number, contact?: Record<string, string>) =>
  kuota.api.post<Placed & { error?: { issues?: { path: string }[] } }>('/v1/storefronts/R01/orders', {
    headers: { 'idempotency-key': uniqueKey('notice') },
    body: { nik, quantity, ...claimOf(nik), ...(contact ? { contact } : {}) },
  });

/** The order a notice's link resumes, read as the page would: with the token the link carries. */
const openLink = (link: string) => {
  const [, orderId = '', token = ''] = /#order=([^.]+)\.(.+)$/.exec(link) ?? [];
  return kuota.api.get<{ orderId: string; status: string }>(
    `/v1/storefronts/R01/orders/${decodeURIComponent(orderId)}`,
    {
      headers: { 'order-token': decodeURIComponent(token) },
    },
  );
};

describe('notices to the buyer', () => {
  it('sends the reserved order’s link, then the serials, to the phone given; the link resumes the order', async () => {
    // Arrange
    const phone = '081234567001';
    const placed = await order(validNik(601), 2, { phone });

    // Act
    const afterReserving = await outbox(phone);
    await payAtGateway(kuota, placed.body.payment?.paymentId ?? '');
    await waitForStatus(kuota, placed.body, ['FULFILLED']);
    const afterPaying = await outbox(phone);
    const resumed = await openLink(afterReserving[0]?.link ?? '');

    // Assert
    expect(afterReserving).toHaveLength(1);
    expect(afterReserving[0]).toMatchObject({
      kind: 'RESERVED',
      channel: 'SMS',
      orderId: placed.body.orderId,
    });
    expect(afterReserving[0]?.text).toContain('Bayar Rp25.000');
    expect(afterPaying.map((notice) => notice.kind)).toEqual(['RESERVED', 'FULFILLED']);
    expect(afterPaying[1]?.text).toMatch(/Nomor seri e-Meterai Anda: [A-Z0-9]{22}, [A-Z0-9]{22}/);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ orderId: placed.body.orderId, status: 'FULFILLED' });
  });

  it('tells the buyer by e-mail when a late payment has been refunded', async () => {
    // Arrange: the reservation lapses, then the buyer pays the old QR.
    const email = 'pembeli.telat@example.id';
    const placed = await order(validNik(602), 1, { email });
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 500));
    await runSweeper(kuota);
    const capture = await payAtGateway(kuota, placed.body.payment?.paymentId ?? '');

    // Act
    await sendGatewayEvent(kuota, {
      eventId: capture.eventId,
      paymentId: placed.body.payment?.paymentId ?? '',
      type: 'PAYMENT_CAPTURED',
      amountIdr: capture.amountIdr,
      occurredAt: capture.occurredAt,
    });
    await runSweeper(kuota);
    await waitForStatus(kuota, placed.body, ['REFUNDED']);
    const notices = await outbox(email);

    // Assert
    expect(notices.map((notice) => notice.kind)).toEqual(['RESERVED', 'REFUNDED']);
    expect(notices[1]).toMatchObject({ channel: 'EMAIL' });
    expect(notices[1]?.text).toContain('Rp12.500 sudah dikembalikan');
  });

  it('refuses a contact that is not a phone number or an e-mail address, naming the field', async () => {
    // Act
    const badPhone = await order(validNik(603), 1, { phone: '12345' });
    const empty = await order(validNik(604), 1, {});

    // Assert
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error?.issues?.map((issue) => issue.path)).toEqual(['body.contact.phone']);
    expect(empty.status).toBe(400);
    expect(empty.body.error?.issues?.map((issue) => issue.path)).toEqual(['body.contact']);
  });
});

describe('Lacak pesanan', () => {
  it('sends a fresh link to the contact of every order of the person, after the identity check, telling the caller only how many', async () => {
    // Arrange: an order with a contact, paid; then the buyer loses everything.
    const nik = validNik(610);
    const phone = '081234567010';
    const placed = await order(nik, 1, { phone });
    await payAtGateway(kuota, placed.body.payment?.paymentId ?? '');
    await waitForStatus(kuota, placed.body, ['FULFILLED']);

    // Act
    const recovered = await kuota.api.post('/v1/order-recovery', { body: { nik, ...claimOf(nik) } });
    const impostor = await kuota.api.post('/v1/order-recovery', {
      body: { nik, fullName: 'Orang Lain', birthDate: claimOf(nik).birthDate },
    });
    const nobody = await kuota.api.post('/v1/order-recovery', {
      body: { nik: validNik(611), ...claimOf(validNik(611)) },
    });
    const notices = await outbox(phone);
    const fresh = notices.filter((notice) => notice.kind === 'RECOVERY');
    const resumed = await openLink(fresh[0]?.link ?? '');

    // Assert
    expect(recovered.status).toBe(202);
    expect(recovered.body).toEqual({ noticesSent: 1 });
    expect(JSON.stringify(recovered.body)).not.toContain(placed.body.orderId);
    expect(impostor.status).toBe(422);
    expect(nobody.body).toEqual({ noticesSent: 0 });
    expect(fresh).toHaveLength(1);
    expect(fresh[0]?.text).toContain('Lacak pesanan');
    expect(resumed.body).toMatchObject({ orderId: placed.body.orderId, status: 'FULFILLED' });
  });
});
