import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { placeOrder, stockReseller, validNik, waitForStatus } from '../support/flows.js';

let kuota: TestCloud;
let serials: string[] = [];
let orderToken = '';
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  await stockReseller(kuota, 1, 40);
  const placed = await placeOrder(kuota, 'R02', validNik(7), 3);
  const reserved = await waitForStatus(kuota, placed.body, ['RESERVED']);
  await kuota.api.post(
    `/sandbox/payment-gateway/payments/${(reserved.payment as { paymentId: string }).paymentId}/pay`,
    {
      body: {},
    },
  );
  const fulfilled = await waitForStatus(kuota, placed.body, ['FULFILLED']);
  serials = (fulfilled.stamps as { serial: string }[]).map((stamp) => stamp.serial);
  orderToken = placed.body.orderToken;
});
afterAll(async () => {
  await kuota?.stop();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('regulator view and stamps', () => {
  it('shows every vendor with figures that match the reseller’s own stock', async () => {
    // Act
    const vendors = await kuota.api.get<{ vendors: Record<string, unknown>[] }>('/v1/regulator/vendors', {
      apiKey: kuota.credentials.regulatorKey,
    });
    const stock = await kuota.api.get('/v1/wholesale/stock', {
      apiKey: kuota.credentials.resellers[1]?.apiKey,
    });

    // Assert
    expect(vendors.status).toBe(200);
    expect(vendors.body.vendors).toHaveLength(26);
    const r02 = vendors.body.vendors.find((vendor) => vendor.resellerId === 'R02');
    expect(r02).toMatchObject({
      allocated: 40,
      onHand: 37,
      sold: 3,
      reserved: 0,
      quotaPaidIdr: 400_000,
      affixed: 0,
    });
    expect(stock.body).toMatchObject({ allocatedTotal: 40, onHand: 37, sold: 3 });
  });

  it('affixes a stamp to exactly one document under 50 concurrent attempts', async () => {
    // Arrange
    const serial = serials[0] ?? '';
    const documents = Array.from({ length: 50 }, (_, i) => sha(`document-${i}`));

    // Act
    const answers = await Promise.all(
      documents.map((documentSha256) =>
        kuota.api.post(`/v1/stamps/${serial}/affix`, {
          headers: { 'order-token': orderToken },
          body: { documentSha256 },
        }),
      ),
    );
    const verified = await kuota.api.get(`/v1/stamps/${serial}`);

    // Assert
    const winners = answers.filter((answer) => answer.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 409)).toHaveLength(49);
    expect(verified.body).toMatchObject({ status: 'AFFIXED', resellerId: 'R02' });
    expect(documents).toContain(verified.body.documentSha256);
  });

  it('serves open availability without personal data', async () => {
    const availability = await kuota.api.get<{ resellers: Record<string, unknown>[] }>(
      '/v1/public/availability',
    );
    expect(availability.status).toBe(200);
    expect(availability.body.resellers).toHaveLength(26);
    expect(availability.headers.get('cache-control')).toContain('max-age');
    expect(availability.text).not.toMatch(/[0-9]{16}/);
  });
});
