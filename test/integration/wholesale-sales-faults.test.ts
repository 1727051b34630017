import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearFaults, faultCounters, setFaultPlan } from '../../lib/adapters/fault-injection.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  ledgerReport,
  mapLimit,
  stockByReseller,
  stockResellers,
  storefrontOrderItems,
  uniqueKey,
  validNik,
} from '../support/flows.js';

/**
 * Own-channel sales under the faults DynamoDB Local never produces: a sale whose response is lost after it
 * committed is answered from the stored order when its retry finds it (never sold twice), and throttling
 * and transaction conflicts end in a sale or a 429 to retry, never a 5xx and never a half-written sale.
 */
let kuota: TestCloud;
const keyOf = (resellerId: string) =>
  kuota.credentials.resellers.find((reseller) => reseller.id === resellerId)?.apiKey ?? '';

beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
  await stockResellers(kuota, [0, 1], 60);
}, 60_000);
afterAll(async () => {
  clearFaults();
  await kuota?.stop();
});

const sell = (resellerId: string, nik: string, key: string, quantity = 2) =>
  kuota.api.post<{ orderId: string; stamps: { serial: string }[] }>('/v1/wholesale/sales', {
    apiKey: keyOf(resellerId),
    headers: { 'idempotency-key': key },
    body: { nik, ...claimOf(nik), quantity, unitPriceIdr: 12_000 },
  });

describe('own-channel sales under DynamoDB faults', () => {
  it('never sells twice when every sale transaction commits but its response is lost', async () => {
    // Arrange
    const before = faultCounters().responsesLost;
    setFaultPlan({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 1,
      commands: ['TransactWriteItemsCommand'],
    });

    // Act
    const answers = await mapLimit(
      Array.from({ length: 10 }, (_, index) => index),
      5,
      (index) => sell('R01', validNik(6_000 + index), uniqueKey('lost')),
    );
    clearFaults();

    // Assert
    expect(faultCounters().responsesLost - before).toBeGreaterThanOrEqual(10);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 201));
    for (const answer of answers) expect(answer.body.stamps).toHaveLength(2);
    expect((await stockByReseller(kuota)).get('R01')).toMatchObject({ sold: 20, onHand: 40, reserved: 0 });
    const orders = (await storefrontOrderItems(kuota)).filter((order) => order.resellerId === 'R01');
    expect(orders).toHaveLength(10);
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });

  it('ends every sale under throttling and conflicts as sold or a 429 to retry, never a 5xx or a half sale', async () => {
    // Arrange
    setFaultPlan({ throttleRate: 0.2, transactionConflictRate: 0.5, lostResponseRate: 0.2 });
    const keys = Array.from({ length: 15 }, (_, index) => ({
      nik: validNik(6_100 + index),
      key: uniqueKey('busy'),
    }));

    // Act: each sale is retried with its key until it is sold (as a client would after a 429).
    const statuses: number[] = [];
    await mapLimit(keys, 5, async ({ nik, key }) => {
      for (let attempt = 0; attempt < 40; attempt += 1) {
        const answer = await sell('R02', nik, key);
        statuses.push(answer.status);
        if (answer.status === 201) return;
      }
      throw new Error(`sale ${key} never completed`);
    });
    clearFaults();

    // Assert
    expect(statuses.filter((status) => status !== 201 && status !== 429)).toEqual([]);
    expect((await stockByReseller(kuota)).get('R02')).toMatchObject({ sold: 30, onHand: 30, reserved: 0 });
    expect((await storefrontOrderItems(kuota)).filter((order) => order.resellerId === 'R02')).toHaveLength(
      15,
    );
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });
});
