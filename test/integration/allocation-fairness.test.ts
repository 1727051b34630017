import { describe, expect, it } from 'vitest';
import { eventually, useTestCloud } from '../support/cloud.js';
import {
  createOrder,
  drainIssuerBucket,
  ledgerReport,
  payBilling,
  readLedger,
  readOrder,
  resellerById,
  waitUntilAllocated,
} from './allocation-support.js';

/**
 * Fairness under a rate-limited issuer: one reseller's million-stamp order is already being minted when 25
 * other resellers pay for 1,000 stamps each. The issuer mints 3,000,000 stamps a minute (50,000 a second)
 * and starts with an empty bucket, so the backlog (1,025,000 stamps, about 20 s of minting) exceeds what
 * it can mint while the test runs; chunks of at most 10,000 are served round-robin from the queue.
 */
const BIG = 1_000_000;
const SMALL = 1_000;
const RATE_PER_MINUTE = 3_000_000;

const kuota = useTestCloud({
  extraEnv: {
    KUOTA_STOCK_SHARDS: '4',
    KUOTA_ALLOCATION_CHUNK: '10000',
    KUOTA_ISSUER_STAMPS_PER_MINUTE: String(RATE_PER_MINUTE),
  },
});

describe('issuer fairness across the 26 resellers', () => {
  it('every 1,000-stamp order of 25 resellers is ALLOCATED before the 1,000,000-stamp order passes 25% (measured: 4.6–6.3% of it allocated by then)', async () => {
    // Arrange
    const big = resellerById(kuota, 'R01');
    const small = kuota.credentials.resellers.filter((reseller) => reseller.id !== 'R01');
    expect(small).toHaveLength(25);
    const raised = await kuota.api.put('/v1/regulator/vendors/R01/limits', {
      apiKey: kuota.credentials.regulatorKey,
      body: { holdingCap: BIG },
    });
    expect(raised.status).toBe(200);
    const bigOrder = await createOrder(kuota, big, BIG, 'fair-big');
    const smallOrders = await Promise.all(
      small.map(async (reseller) => ({
        reseller,
        order: await createOrder(kuota, reseller, SMALL, `fair-small-${reseller.id}`),
      })),
    );
    await drainIssuerBucket(kuota);

    // Act: the big order starts minting, then the 25 small ones are paid.
    await payBilling(kuota, bigOrder.billingCode, BIG);
    await eventually(async () => {
      const order = await readOrder(kuota, 'R01', bigOrder.id);
      return order && order.allocatedQuantity > 0 ? order : undefined;
    });
    await Promise.all(smallOrders.map(({ order }) => payBilling(kuota, order.billingCode, SMALL)));
    const completed = await Promise.all(
      smallOrders.map(({ reseller, order }) => waitUntilAllocated(kuota, reseller.id, order.id, 30_000)),
    );
    const progress = await kuota.api.get(`/v1/wholesale/quota-orders/${bigOrder.id}`, { apiKey: big.apiKey });

    // Assert
    const lastSmallDoneAt = completed
      .map((order) => String(order.allocatedAt))
      .sort()
      .at(-1) as string;
    const bigAllocatedThen = (await readLedger(kuota, 'R01'))
      .filter((entry) => entry.reference === bigOrder.id && entry.at <= lastSmallDoneAt)
      .reduce((sum, entry) => sum + entry.quantity, 0);
    const share = bigAllocatedThen / BIG;
    const measured = `big order at ${bigAllocatedThen.toLocaleString('en-US')} stamps = ${(share * 100).toFixed(1)}% when the last small order completed`;
    console.info(`fairness: ${measured}`);
    expect(completed.every((order) => order.allocatedQuantity === SMALL)).toBe(true);
    expect(bigAllocatedThen, measured).toBeGreaterThan(0);
    expect(share, measured).toBeLessThan(0.25);

    // The big order shows its progress and an estimated completion while it is still being minted.
    expect(progress.status).toBe(200);
    const allocation = progress.body.allocation as {
      allocated: number;
      remaining: number;
      estimatedCompletionAt?: string;
    };
    expect(progress.body.status).toBe('PAID');
    expect(allocation.allocated).toBeGreaterThanOrEqual(bigAllocatedThen);
    expect(allocation.allocated + allocation.remaining).toBe(BIG);
    expect(Date.parse(String(allocation.estimatedCompletionAt))).toBeGreaterThan(Date.parse(lastSmallDoneAt));

    // The small resellers are quiet now: their ledgers balance.
    const report = await ledgerReport(kuota);
    const smallLines = report.resellers.filter((line) => line.resellerId !== 'R01' && line.minted > 0);
    expect(smallLines).toHaveLength(25);
    for (const line of smallLines) {
      expect(line.differences, line.resellerId).toEqual([]);
      expect(line.shards.onHand).toBe(SMALL);
    }
  });
});
