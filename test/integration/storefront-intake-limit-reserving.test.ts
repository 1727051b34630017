import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  nikDayCount,
  placeOrder,
  startInsideAWindow,
  stockReseller,
  stockShards,
  stockTotals,
  validNik,
} from '../support/flows.js';

/**
 * An order that reserves at intake is counted against its NIK's per-minute limit by the reservation's own
 * write of the day counter (no separate intake write), so that write's condition must hold the limit when
 * many orders of one NIK race into it at once. One NIK may hold several unpaid reservations here, so every
 * order reaches the reservation (the one-hold rule is storefront-holding.test.ts's).
 */
const NIK_LIMIT = 3;
const ORDERS = 12;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_NIK_INTAKE_PER_MINUTE: String(NIK_LIMIT),
      KUOTA_CLIENT_INTAKE_PER_MINUTE: '100000',
      KUOTA_NIK_DAILY_CAP: '50',
      KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON: 'false',
    },
  });
  await stockReseller(kuota, 0, 50);
});
afterAll(async () => {
  await kuota?.stop();
});

describe('the per-NIK intake limit on orders that reserve at once', () => {
  it('reserves exactly the limit of 12 concurrent orders of one NIK and answers the rest 429', async () => {
    // Arrange
    await startInsideAWindow();
    const nik = validNik(4_242);

    // Act
    const answers = await Promise.all(Array.from({ length: ORDERS }, () => placeOrder(kuota, 'R01', nik, 1)));

    // Assert
    const reserved = answers.filter((answer) => answer.status === 201);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(reserved.map((answer) => (answer.body as { status?: string }).status)).toEqual(
      Array(NIK_LIMIT).fill('RESERVED'),
    );
    expect(limited).toHaveLength(ORDERS - NIK_LIMIT);
    for (const answer of limited) {
      expect(answer.body.error).toMatchObject({ code: 'RATE_LIMITED' });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(await nikDayCount(kuota, nik)).toBe(NIK_LIMIT);
    expect(stockTotals(await stockShards(kuota, 'R01'))).toMatchObject({ reserved: NIK_LIMIT });
  });
});
