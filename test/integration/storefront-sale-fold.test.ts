import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clearFaults, faultCounters, setFaultPlan } from '../../lib/adapters/fault-injection.js';
import { SALE_FOLD_LAG_MS } from '../../lib/domain/stock.js';
import { foldSoldStock } from '../../lib/usecases/sale-fold.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  ledgerReport,
  mapLimit,
  payAtGateway,
  rawStockShards,
  reservedOrder,
  stockReseller,
  stockShards,
  stockTotals,
  storefrontOrderItems,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * A storefront sale paid for is one write of its order; its stamps stay in the shard's `reserved` until
 * the sale fold moves them to `sold`. Every view counts them sold at once, the fold moves each sale once
 * (concurrent runs, lost responses, a sale younger than the lag), and the ledger balances throughout.
 */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_NIK_INTAKE_PER_MINUTE: '1000',
      KUOTA_CLIENT_LAPSES_PER_HOUR: '100000',
    },
  });
  // R01 sells from shards with plenty; R02 has 2 stamps a shard, so a 3-stamp order takes both shards.
  await stockReseller(kuota, 0, 200);
  await stockReseller(kuota, 1, 4);
  await stockReseller(kuota, 2, 50);
});
afterEach(() => clearFaults());
afterAll(async () => {
  await kuota?.stop();
});

const rawTotals = async (resellerId: string) => stockTotals(await rawStockShards(kuota, resellerId));

const resellerKey = (index: number) => kuota.credentials.resellers[index]?.apiKey ?? '';

const buy = async (resellerId: string, nikSeed: number, quantity: number) => {
  const { placed, payment } = await reservedOrder(kuota, resellerId, validNik(nikSeed), quantity);
  await payAtGateway(kuota, payment.paymentId);
  return waitForStatus(kuota, placed, ['FULFILLED']);
};

/** A moment past the lag: every sale made so far may be folded. */
const pastTheLag = () => new Date(Date.now() + SALE_FOLD_LAG_MS + 1_000);

describe('the sale fold', () => {
  it('sells with one write of the order, shows the sale as sold at once, and folds each sale once', async () => {
    // Arrange
    const before = await rawTotals('R01');
    const sold = await mapLimit([1, 2, 3], 3, (seed) => buy('R01', 9_100 + seed, 2));
    const orders = (await storefrontOrderItems(kuota)).filter((order) =>
      sold.some((view) => view.orderId === order.orderId),
    );

    // Act: the fold right now (the sales are younger than the lag), then two at once past the lag.
    const early = await foldSoldStock(new Date(), ['R01']);
    const afterSale = await rawTotals('R01');
    const view = await kuota.api.get<{ reserved: number; sold: number; onHand: number }>(
      '/v1/wholesale/stock',
      {
        apiKey: resellerKey(0),
      },
    );
    const ledgerBeforeFold = await ledgerReport(kuota);
    const [first, second] = await Promise.all([
      foldSoldStock(pastTheLag(), ['R01']),
      foldSoldStock(pastTheLag(), ['R01']),
    ]);
    const again = await foldSoldStock(pastTheLag(), ['R01']);
    const folded = await rawTotals('R01');
    const viewAfterFold = await kuota.api.get<{ reserved: number; sold: number }>('/v1/wholesale/stock', {
      apiKey: resellerKey(0),
    });
    const ledgerAfterFold = await ledgerReport(kuota);

    // Assert: each order is its own sale, to be folded from its one shard.
    expect(orders).toHaveLength(3);
    for (const order of orders) {
      expect(order.foldShard).toBe((order.shardParts as { shard: number }[])[0]?.shard);
      expect(order.shardParts).toHaveLength(1);
    }
    // Before the fold, the raw shards keep the sold stamps in `reserved`; the views and the audit count them sold.
    expect(early.stampsFolded).toBe(0);
    expect(afterSale.reserved - before.reserved).toBe(6);
    expect(afterSale.sold - before.sold).toBe(0);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ reserved: 0, sold: before.sold + 6 });
    expect(ledgerBeforeFold.differences).toEqual([]);
    // The fold moved each sale once, whichever run took it, and a later run finds nothing more.
    expect((first?.stampsFolded ?? 0) + (second?.stampsFolded ?? 0)).toBe(6);
    expect(again.stampsFolded).toBe(0);
    expect(folded).toMatchObject({ reserved: 0, sold: before.sold + 6, onHand: afterSale.onHand });
    expect(viewAfterFold.body).toMatchObject({ reserved: 0, sold: before.sold + 6 });
    expect(ledgerAfterFold.differences).toEqual([]);
  });

  it('folds past its mark only: a sale after a fold is counted once, before and after the next fold', async () => {
    // Arrange
    await foldSoldStock(pastTheLag(), ['R01']);
    const before = await rawTotals('R01');

    // Act
    await buy('R01', 9_200, 3);
    const settled = stockTotals(await stockShards(kuota, 'R01'));
    const next = await foldSoldStock(pastTheLag(), ['R01']);
    const folded = await rawTotals('R01');

    // Assert
    expect(settled).toMatchObject({ sold: before.sold + 3, reserved: before.reserved });
    expect(next.stampsFolded).toBe(3);
    expect(folded).toMatchObject({ sold: before.sold + 3, reserved: before.reserved });
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });

  it('folds each sale once when its writes lose their responses and are retried', async () => {
    // Arrange
    await foldSoldStock(pastTheLag(), ['R01']);
    const before = await rawTotals('R01');
    await mapLimit([1, 2, 3, 4], 4, (seed) => buy('R01', 9_300 + seed, 1));
    const lostBefore = faultCounters().responsesLost;
    // Every write of the fold commits and loses its answer: the retry re-reads the mark it moved.
    setFaultPlan({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 1,
      commands: ['UpdateItemCommand'],
    });

    // Act
    const tally = await foldSoldStock(pastTheLag(), ['R01']);
    const lost = faultCounters().responsesLost - lostBefore;
    clearFaults();
    await foldSoldStock(pastTheLag(), ['R01']);
    const folded = await rawTotals('R01');

    // Assert
    expect(lost).toBeGreaterThan(0);
    expect(tally.failed).toBe(0);
    expect(folded).toMatchObject({ sold: before.sold + 4, reserved: before.reserved });
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });

  it('moves a sale from two shards with its order, leaving nothing for the fold', async () => {
    // Arrange
    const before = await rawTotals('R02');

    // Act
    const order = await buy('R02', 9_400, 3);
    const [item] = (await storefrontOrderItems(kuota)).filter(
      (candidate) => candidate.orderId === order.orderId,
    );
    const afterSale = await rawTotals('R02');
    const tally = await foldSoldStock(pastTheLag(), ['R02']);

    // Assert
    expect(item?.shardParts).toHaveLength(2);
    expect(item?.foldShard).toBeUndefined();
    expect(afterSale).toMatchObject({ sold: before.sold + 3, reserved: before.reserved });
    expect(tally.stampsFolded).toBe(0);
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });

  it('counts a sale the fold has not reached as sold, not held, against the holding cap', async () => {
    // Arrange: R03 holds exactly its cap of 50, then sells 3 stamps (left in its shards' reserved).
    const limits = await kuota.api.put('/v1/regulator/vendors/R03/limits', {
      apiKey: kuota.credentials.regulatorKey,
      body: { holdingCap: 50 },
    });
    await buy('R03', 9_500, 3);
    const raw = await rawTotals('R03');
    const quotaOrder = (quantity: number) =>
      kuota.api.post<{ code?: string }>('/v1/wholesale/quota-orders', {
        apiKey: resellerKey(2),
        headers: { 'idempotency-key': `fold-cap-${quantity}-${Date.now()}` },
        body: { quantity },
      });

    // Act
    const over = await quotaOrder(4);
    const fits = await quotaOrder(3);

    // Assert
    expect(limits.status).toBe(200);
    expect(raw).toMatchObject({ onHand: 47, reserved: 3, sold: 0 });
    expect(over.status).toBe(422);
    expect(over.text).toContain('HOLDING_CAP_EXCEEDED');
    expect(fits.status, fits.text).toBe(201);
  });
});
