import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { placeOrderPatiently, stockReseller, stockShards, stockTotals, validNik } from '../support/flows.js';

/**
 * Intake plans on a sample of 4 of the 32 shards while stock is plentiful. A storefront whose last stamps
 * sit on a few shards is what a sample mostly misses: it must still sell each of them, and answer sold out
 * only from a read of every shard.
 */
const SHARDS = 32;
const STOCK = 3;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: String(SHARDS) } });
  await stockReseller(kuota, 0, STOCK);
});
afterAll(async () => {
  await kuota?.stop();
});

describe('a storefront whose last stamps sit on shards a sample did not read', () => {
  it('sells every last stamp, one buyer at a time, and answers sold out only once none is left', async () => {
    // Arrange: each order comes more than a second after the last, so each plans on a new sample.
    const before = await stockShards(kuota, 'R01');
    const niks = Array.from({ length: STOCK + 1 }, (_, index) => validNik(5_000 + index));

    // Act
    const answers = [];
    for (const nik of niks) {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      answers.push(await placeOrderPatiently(kuota, 'R01', nik, 1));
    }

    // Assert
    expect(before.filter((shard) => shard.onHand > 0).length).toBeLessThanOrEqual(STOCK);
    expect(stockTotals(before)).toMatchObject({ allocated: STOCK, onHand: STOCK });
    for (const answer of answers.slice(0, STOCK))
      expect(answer.body, answer.text).toMatchObject({ status: 'RESERVED' });
    expect(answers.at(-1)?.body).toMatchObject({ status: 'REJECTED', reason: 'SOLD_OUT' });
    expect(stockTotals(await stockShards(kuota, 'R01'))).toMatchObject({ onHand: 0, reserved: STOCK });
  });
});
