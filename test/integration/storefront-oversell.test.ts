import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  isAccepted,
  ledgerReport,
  mapLimit,
  type PlacedOrder,
  placeOrderPatiently,
  readOrder,
  stockReseller,
  stockShards,
  stockTotals,
  validNik,
  waitUntilOrdersSettle,
} from '../support/flows.js';

/** 1,000 buyers at once for 100 stamps spread over 8 shards: exactly 100 sold, never more. */
const SHARDS = 8;
const STOCK = 100;
const BUYERS = 1_000;
/**
 * Requests in flight at once. The local runtime's HTTP server has Node's default listen backlog (511),
 * which resets connections beyond it; API Gateway would absorb the burst. 100 lanes still put all 1,000
 * orders in the queue long before the reservations finish, so they all contend for the same stock.
 */
const IN_FLIGHT = 100;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: { KUOTA_STOCK_SHARDS: String(SHARDS), KUOTA_CLIENT_INTAKE_PER_MINUTE: '100000' },
  });
  await stockReseller(kuota, 0, STOCK);
});
afterAll(async () => {
  await kuota?.stop();
});

describe('1,000 concurrent orders for 100 stamps', () => {
  it('reserves exactly 100, rejects 900 SOLD_OUT, keeps every shard at or above zero and the ledger balanced', {
    // Thousands of calls to DynamoDB Local: on a loaded 2-core machine this can pass the default 60 s.
    timeout: 120_000,
  }, async () => {
    // Arrange
    const before = await stockShards(kuota, 'R01');
    const niks = Array.from({ length: BUYERS }, (_, index) => validNik(index));

    // Act
    const intakeStatuses: number[] = [];
    const answers = await mapLimit(niks, IN_FLIGHT, (nik) =>
      placeOrderPatiently(kuota, 'R01', nik, 1, intakeStatuses),
    );
    const refused = answers.filter((answer) => !isAccepted(answer.status)).map((answer) => answer.text);
    await waitUntilOrdersSettle(kuota);
    const views = await mapLimit(
      answers.filter((answer) => isAccepted(answer.status)),
      50,
      (answer) => readOrder(kuota, answer.body as PlacedOrder),
    );
    const after = await stockShards(kuota, 'R01');
    const ledger = await ledgerReport(kuota);
    const offer = await eventually(async () => {
      const answer = await kuota.api.get('/v1/storefronts/R01/offer');
      return answer.body.availability === 'SOLD_OUT' ? answer.body : undefined;
    });

    // Assert
    expect(before).toHaveLength(SHARDS);
    expect(before.filter((shard) => shard.onHand > 0).length).toBeGreaterThan(1);
    expect(stockTotals(before)).toMatchObject({ allocated: STOCK, onHand: STOCK });
    // Under this burst intake may ask a client to come back (429 + Retry-After), never fail it (5xx).
    expect(refused).toEqual([]);
    expect(intakeStatuses.filter((status) => status >= 500)).toEqual([]);
    expect(new Set(answers.map((answer) => answer.body.orderId)).size).toBe(BUYERS);

    expect(views.every((view) => view.status === 200)).toBe(true);
    const orderStatuses = new Set(views.map((view) => String(view.body.status)));
    const reserved = views.filter((view) => ['RESERVED', 'FULFILLED'].includes(String(view.body.status)));
    const rejected = views.filter((view) => view.body.status === 'REJECTED');
    expect(reserved).toHaveLength(STOCK);
    expect(rejected).toHaveLength(BUYERS - STOCK);
    expect(new Set(rejected.map((view) => view.body.reason))).toEqual(new Set(['SOLD_OUT']));
    expect(orderStatuses).toEqual(new Set(['RESERVED', 'REJECTED']));
    for (const view of reserved) expect(view.body.payment).toMatchObject({ amountIdr: 12_500 });

    for (const shard of after) {
      expect(shard.onHand).toBeGreaterThanOrEqual(0);
      expect(shard.reserved).toBeGreaterThanOrEqual(0);
      expect(shard.onHand + shard.reserved + shard.sold + shard.returned).toBe(shard.allocated);
    }
    expect(stockTotals(after)).toEqual({
      allocated: STOCK,
      onHand: 0,
      reserved: STOCK,
      sold: 0,
      returned: 0,
    });
    expect(ledger.differences).toEqual([]);
    expect(ledger.negativeCounters).toEqual([]);
    // A hold is no ledger movement: the ledger still counts the 100 as unsold, and the audit (no
    // differences above) ties the shards' 100 reserved to the 100 RESERVED orders.
    expect(ledger.resellers.find((line) => line.resellerId === 'R01')?.ledger).toMatchObject({
      ON_HAND: STOCK,
      SOLD: 0,
    });
    expect(offer).toMatchObject({ availability: 'SOLD_OUT', status: 'OPEN' });
  });
});
