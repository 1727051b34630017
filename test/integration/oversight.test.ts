import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { placeOrder, stockReseller, validNik, waitForStatus } from '../support/flows.js';
import { samplePdf, stampDocument } from '../support/stamping.js';

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

  it('stamps a serial onto exactly one document under 20 concurrent stampings of different documents', async () => {
    // Arrange
    const serial = serials[0] ?? '';
    const documents = await Promise.all(Array.from({ length: 20 }, (_, i) => samplePdf(`Dokumen ${i}`)));

    // Act
    const answers = await Promise.all(documents.map((pdf) => stampDocument(kuota, serial, orderToken, pdf)));
    const verified = await kuota.api.get(`/v1/stamps/${serial}`);

    // Assert
    const winners = answers.filter((answer) => answer.status === 'STAMPED');
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => answer.reason === 'STAMP_ALREADY_AFFIXED')).toHaveLength(19);
    expect(verified.body).toMatchObject({ status: 'AFFIXED', resellerId: 'R02' });
    const hashes = documents.map((pdf) => createHash('sha256').update(pdf).digest('hex'));
    expect(hashes).toContain(verified.body.documentSha256);
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
