import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  nikDayCount,
  payAtGateway,
  placeOrder,
  postFrom,
  readOrder,
  runSweeper,
  stockReseller,
  stockShards,
  stockTotals,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * Holding without paying is bounded. A reservation holds stock and the buyer's cap for its payment window
 * without any money, so: a person has one unpaid reservation at a time; a client that let a person's
 * reservation lapse may not hold that person again for one window; a client whose reservations lapse
 * unpaid three times in an hour is refused (429) until the hour is over.
 */
const TTL_SECONDS = 3;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: { KUOTA_STOCK_SHARDS: '4', KUOTA_RESERVATION_TTL_SECONDS: String(TTL_SECONDS) },
  });
  await stockReseller(kuota, 0, 400);
});
afterAll(async () => {
  await kuota?.stop();
});

type Placed = { orderId: string; orderToken: string; statusUrl: string; status: string; reason?: string };
const orderFrom = async (client: string, nik: string, quantity: number) => {
  const answer = await postFrom(kuota, client, '/v1/storefronts/R01/orders', {
    nik,
    quantity,
    ...claimOf(nik),
  });
  return { status: answer.status, retryAfter: answer.retryAfter, body: JSON.parse(answer.body) as Placed };
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Past the payment window, with the order timers run: unpaid reservations are released. */
const letWindowsLapse = async () => {
  await pause(TTL_SECONDS * 1000 + 500);
  await runSweeper(kuota);
};

describe('holding without paying', () => {
  it('gives a person one unpaid reservation at a time; once it is paid, they may order again', async () => {
    // Arrange
    const nik = validNik(301);
    const first = await placeOrder(kuota, 'R01', nik, 2);

    // Act
    const whileUnpaid = await placeOrder(kuota, 'R01', nik, 1);
    const heldWhileUnpaid = await nikDayCount(kuota, nik);
    await payAtGateway(
      kuota,
      (first.body as unknown as { payment: { paymentId: string } }).payment.paymentId,
    );
    await waitForStatus(kuota, first.body, ['FULFILLED']);
    const afterPaying = await placeOrder(kuota, 'R01', nik, 1);

    // Assert
    expect(first.body).toMatchObject({ status: 'RESERVED' });
    expect(whileUnpaid.status).toBe(201);
    expect(whileUnpaid.body).toMatchObject({ status: 'REJECTED', reason: 'UNPAID_ORDER_PENDING' });
    expect(heldWhileUnpaid).toBe(2);
    expect(afterPaying.body).toMatchObject({ status: 'RESERVED', quantity: 1 });
    expect(await nikDayCount(kuota, nik)).toBe(3);
  });

  it('lets a stranger who knows a person’s NIK, name and birth date block them for one payment window at most', async () => {
    // Arrange: the stranger (127.0.0.2) takes the person's whole day and never pays.
    const nik = validNik(302);
    const stranger = await orderFrom('127.0.0.2', nik, 5);

    // Act
    const personDuringTheWindow = await orderFrom('127.0.0.1', nik, 2);
    await letWindowsLapse();
    const strangerAgain = await orderFrom('127.0.0.2', nik, 5);
    const personAfterTheWindow = await orderFrom('127.0.0.1', nik, 2);

    // Assert
    expect(stranger.body).toMatchObject({ status: 'RESERVED', quantity: 5 });
    expect((await readOrder(kuota, stranger.body)).body).toMatchObject({ status: 'EXPIRED' });
    expect(personDuringTheWindow.body).toMatchObject({ status: 'REJECTED', reason: 'UNPAID_ORDER_PENDING' });
    expect(strangerAgain.body).toMatchObject({ status: 'REJECTED', reason: 'LAPSED_RECENTLY' });
    // The window lapsed once, and the person's own order went through right after it, the stranger's did not.
    expect(personAfterTheWindow.body).toMatchObject({ status: 'RESERVED', quantity: 2 });
  });

  it('bounds one client with 40 real identities × 5 stamps that never pays: 200 stamps for one window, then 429', async () => {
    // Arrange: 40 real people of the sandbox registry, ordered for from one client (127.0.0.3).
    const niks = Array.from({ length: 40 }, (_, index) => validNik(400 + index));
    const before = stockTotals(await stockShards(kuota, 'R01'));

    // Act
    const firstWindow = await Promise.all(niks.map((nik) => orderFrom('127.0.0.3', nik, 5)));
    const heldInTheWindow = stockTotals(await stockShards(kuota, 'R01')).reserved - before.reserved;
    await letWindowsLapse();
    const secondWindow = await Promise.all(niks.map((nik) => orderFrom('127.0.0.3', nik, 5)));
    const after = stockTotals(await stockShards(kuota, 'R01'));

    // Assert: the bound is identities × the daily cap for one window, then nothing for the rest of the hour.
    expect(firstWindow.filter((answer) => answer.body.status === 'RESERVED')).toHaveLength(40);
    expect(heldInTheWindow).toBe(40 * 5);
    expect(secondWindow.map((answer) => answer.status)).toEqual(niks.map(() => 429));
    for (const answer of secondWindow) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    // Everything held came back (earlier tests' reservations lapsed too); no stamp was sold or lost.
    expect(after.reserved).toBe(0);
    expect(after.sold).toBe(before.sold);
    expect(after.onHand).toBe(before.onHand + before.reserved);
  });
});
