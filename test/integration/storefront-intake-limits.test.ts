import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  isAccepted,
  nikDayCount,
  placeOrder,
  postFrom,
  startInsideAWindow,
  stockReseller,
  storefrontOrderItems,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * Per-NIK and per-client intake limits answer 429 with Retry-After instead of queueing abuse.
 * Limits are low here (NIK 3 a minute, client 12 a minute; the client is the source IP), and the
 * national daily cap is configured to 3 stamps. The limiter counts fixed one-minute windows,
 * so each test starts well inside a window: a window boundary mid-test would reset the counters.
 */
const NIK_LIMIT = 3;
const CLIENT_LIMIT = 12;
/** A daily cap configured below the per-order maximum (5). */
const DAILY_CAP = 3;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_NIK_INTAKE_PER_MINUTE: String(NIK_LIMIT),
      KUOTA_CLIENT_INTAKE_PER_MINUTE: String(CLIENT_LIMIT),
      KUOTA_NIK_DAILY_CAP: String(DAILY_CAP),
    },
  });
  await stockReseller(kuota, 0, 10);
});
afterAll(async () => {
  await kuota?.stop();
});

describe('intake limits', () => {
  it('answers 429 with Retry-After to a NIK over its per-minute limit, and queues nothing for it', async () => {
    // Arrange
    await startInsideAWindow();
    const nik = validNik(77);
    const before = (await storefrontOrderItems(kuota)).length;

    // Act
    const answers = await Promise.all(
      Array.from({ length: NIK_LIMIT + 3 }, () => placeOrder(kuota, 'R02', nik, 1)),
    );
    const after = await storefrontOrderItems(kuota);

    // Assert
    const accepted = answers.filter((answer) => isAccepted(answer.status));
    const limited = answers.filter((answer) => answer.status === 429);
    expect(accepted).toHaveLength(NIK_LIMIT);
    expect(limited).toHaveLength(3);
    for (const answer of limited) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(answer.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(answer.body.error).toMatchObject({ code: 'RATE_LIMITED' });
    }
    expect(after.length - before).toBe(NIK_LIMIT);
    expect(new Set(after.map((item) => item.orderId))).toEqual(
      new Set([...accepted.map((answer) => answer.body.orderId)]),
    );
  });

  it('counts each identity the registry refused as one of the NIK’s orders of the minute, so nobody probes it at will', async () => {
    // Arrange
    await startInsideAWindow();
    const nik = validNik(78);
    const claim = claimOf(nik);
    // From an address of its own, so the client limit (the source IP's) stays out of it.
    const guess = (fullName: string) =>
      postFrom(kuota, '127.0.0.9', '/v1/storefronts/R01/orders', {
        nik,
        quantity: 1,
        fullName,
        birthDate: claim.birthDate,
      });

    // Act: NIK_LIMIT wrong names, one after another, then the right one.
    const refused = [];
    for (let attempt = 0; attempt < NIK_LIMIT; attempt += 1)
      refused.push(await guess(`Nama Tebakan ${'X'.repeat(attempt + 1)}`));
    const right = await guess(claim.fullName);

    // Assert
    expect(refused.map((answer) => answer.status)).toEqual(refused.map(() => 422));
    expect(right.status, right.body).toBe(429);
    expect(JSON.parse(right.body).error).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await nikDayCount(kuota, nik)).toBe(0);
  });

  it('answers 429 to a client over its per-minute limit whatever NIKs it sends, and only to that client', async () => {
    // Arrange: this client connects from 127.0.0.2, so the first test's orders (from 127.0.0.1) do not count.
    await startInsideAWindow();
    const before = (await storefrontOrderItems(kuota)).length;

    // Act
    const answers = await Promise.all(
      Array.from({ length: CLIENT_LIMIT + 4 }, (_, index) =>
        postFrom(kuota, '127.0.0.2', '/v1/storefronts/R03/orders', {
          nik: validNik(1000 + index),
          quantity: 1,
          ...claimOf(validNik(1000 + index)),
        }),
      ),
    );
    const otherClient = await placeOrder(kuota, 'R03', validNik(2000), 1);
    const after = (await storefrontOrderItems(kuota)).length;

    // Assert
    expect(answers.filter((answer) => isAccepted(answer.status))).toHaveLength(CLIENT_LIMIT);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited).toHaveLength(4);
    for (const answer of limited) {
      expect(answer.retryAfter).toMatch(/^[1-9][0-9]*$/);
      expect(answer.body).toContain('RATE_LIMITED');
    }
    expect(isAccepted(otherClient.status)).toBe(true);
    expect(after - before).toBe(CLIENT_LIMIT + 1);
  });
});

describe('a configured daily cap below the per-order maximum', () => {
  it('rejects a single order larger than the cap, even for a NIK with nothing reserved today', async () => {
    // Arrange
    const nik = validNik(3_000);

    // Act
    const tooMany = await placeOrder(kuota, 'R01', nik, DAILY_CAP + 1);
    const rejected = await waitForStatus(kuota, tooMany.body, ['REJECTED', 'RESERVED']);
    const fits = await placeOrder(kuota, 'R01', nik, DAILY_CAP);
    const reserved = await waitForStatus(kuota, fits.body, ['REJECTED', 'RESERVED']);

    // Assert
    expect(rejected).toMatchObject({ status: 'REJECTED', reason: 'BUYER_CAP_EXCEEDED' });
    expect(reserved).toMatchObject({ status: 'RESERVED', quantity: DAILY_CAP });
    expect(await nikDayCount(kuota, nik)).toBe(DAILY_CAP);
  });
});

/** POSTs an order from another loopback address, i.e. as another client (another source IP). */
