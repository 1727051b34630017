import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { claimOf, postFrom, runSweeper, stockReseller, validNik } from '../support/flows.js';

/**
 * A client (a source address) that lets reservations lapse unpaid holds stock from everyone else: after
 * `KUOTA_CLIENT_LAPSES_PER_HOUR` lapses in an hour its next order is answered 429 with Retry-After, before
 * anything is reserved for it; other clients order as before. The lapse is counted by its own write after
 * the reservation is released (`expireReservation`).
 */
const LAPSES_PER_HOUR = 2;
const TTL_SECONDS = 3;
const HOARDER = '127.0.0.7';
const NEIGHBOUR = '127.0.0.8';

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_RESERVATION_TTL_SECONDS: String(TTL_SECONDS),
      KUOTA_CLIENT_LAPSES_PER_HOUR: String(LAPSES_PER_HOUR),
    },
  });
  await stockReseller(kuota, 0, 20);
});
afterAll(async () => {
  await kuota?.stop();
});

const orderFrom = (address: string, nikSeed: number) =>
  postFrom(kuota, address, '/v1/storefronts/R01/orders', {
    nik: validNik(nikSeed),
    quantity: 1,
    ...claimOf(validNik(nikSeed)),
  });

describe('a client whose reservations lapse unpaid', () => {
  it('is answered 429 with Retry-After once its lapses this hour reach the limit; another client is not', async () => {
    // Arrange: two reservations from the hoarding client, for two people, never paid, released.
    const held = [await orderFrom(HOARDER, 7_101), await orderFrom(HOARDER, 7_102)];
    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 500));
    const swept = await runSweeper(kuota);

    // Act
    const next = await orderFrom(HOARDER, 7_103);
    const neighbour = await orderFrom(NEIGHBOUR, 7_104);

    // Assert
    for (const answer of held) expect(JSON.parse(answer.body)).toMatchObject({ status: 'RESERVED' });
    expect(swept.expired).toBe(LAPSES_PER_HOUR);
    expect(next.status, next.body).toBe(429);
    expect(JSON.parse(next.body).error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(next.retryAfter)).toBeGreaterThan(0);
    expect(neighbour.status, neighbour.body).toBe(201);
    expect(JSON.parse(neighbour.body)).toMatchObject({ status: 'RESERVED' });
  });
});
