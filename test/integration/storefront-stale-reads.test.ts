import { afterEach, describe, expect, it, vi } from 'vitest';
import { storefrontStore } from '../../lib/adapters/storefront-store.js';
import type { StorefrontOrder } from '../../lib/domain/storefront-order.js';
import { useTestCloud } from '../support/cloud.js';
import {
  intakeMinuteCounts,
  nikDayCount,
  placeOrder,
  readOrder,
  reservedOrder,
  stockReseller,
  uniqueKey,
  validNik,
} from '../support/flows.js';

/**
 * A buyer that names the version it has seen is read a moment stale first (half the read units). A
 * replica behind the order's first write, or behind what the buyer has already seen, must not answer: the
 * order is read again consistently, so a new order is never 404 and an answer never goes back in time.
 */
const kuota = useTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });

afterEach(() => vi.restoreAllMocks());

/** Reads made with `consistent: false` answer `stale(order)` instead of the stored order. */
const replicaAnswers = (stale: (order: StorefrontOrder | undefined) => StorefrontOrder | undefined) => {
  const getOrder = storefrontStore.getOrder.bind(storefrontStore);
  return vi.spyOn(storefrontStore, 'getOrder').mockImplementation(async (orderId, options) => {
    const order = await getOrder(orderId, options);
    return options?.consistent === false ? stale(order) : order;
  });
};

describe("a buyer's look at an order, read from a replica first", () => {
  it('answers a new order that the replica does not hold yet (not 404)', async () => {
    // Arrange: the buyer holds the order's first version (from its 201); the replica has no copy yet.
    await stockReseller(kuota, 0, 10);
    const { placed } = await reservedOrder(kuota, 'R01', validNik(1), 1);
    const etag = String((await readOrder(kuota, placed)).headers.get('etag'));
    const reads = replicaAnswers(() => undefined);

    // Act
    const answer = await kuota.api.get(placed.statusUrl, {
      headers: { 'order-token': placed.orderToken, 'if-none-match': etag },
    });

    // Assert
    expect(reads.mock.calls.map(([, options]) => options?.consistent ?? true)).toEqual([false, true]);
    expect(answer.status).toBe(304);
  });

  it('reads consistently first for a buyer that names no version it has seen', async () => {
    // Arrange
    const { placed } = await reservedOrder(kuota, 'R01', validNik(3), 1);
    const reads = replicaAnswers(() => undefined);

    // Act
    const answer = await readOrder(kuota, placed);

    // Assert
    expect(reads.mock.calls.map(([, options]) => options?.consistent ?? true)).toEqual([true]);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ orderId: placed.orderId, status: 'RESERVED' });
  });

  it('answers from a consistent read when the replica is older than the version the buyer has seen', async () => {
    // Arrange: the buyer saw version v; the replica still has v - 1.
    await stockReseller(kuota, 1, 10);
    const { placed } = await reservedOrder(kuota, 'R02', validNik(2), 1);
    const first = await readOrder(kuota, placed);
    const etag = String(first.headers.get('etag'));
    const reads = replicaAnswers((order) => (order ? { ...order, version: order.version - 1 } : order));

    // Act
    const answer = await kuota.api.get(placed.statusUrl, {
      headers: { 'order-token': placed.orderToken, 'if-none-match': etag },
    });

    // Assert: 304 (nothing new since what the buyer has), from the consistent read, not an older 200.
    expect(reads.mock.calls.map(([, options]) => options?.consistent ?? true)).toEqual([false, true]);
    expect(answer.status).toBe(304);
  });
});

describe("intake's first read, from a replica that has not seen the order yet", () => {
  it('answers a replay with the same order and counts nothing again, though the read missed the order', async () => {
    // Arrange: an order reserved; intake's eventually consistent read then misses it (a replica behind).
    await stockReseller(kuota, 2, 10);
    const key = uniqueKey('lagging-replay');
    const nik = validNik(4);
    const first = await placeOrder(kuota, 'R03', nik, 2, key);
    const minuteCounts = () => intakeMinuteCounts(kuota);
    const countsBefore = await minuteCounts();
    const readIntake = storefrontStore.readIntake.bind(storefrontStore);
    const lagging = vi.spyOn(storefrontStore, 'readIntake').mockImplementation(async (input) => {
      const { existing: _missed, ...rest } = await readIntake(input);
      return rest;
    });

    // Act
    const replays = await Promise.all(Array.from({ length: 5 }, () => placeOrder(kuota, 'R03', nik, 2, key)));
    const missed = lagging.mock.calls.length;
    lagging.mockRestore();

    // Assert: the order's own conditions (its first write, its hold) answer from the order that exists.
    expect(first.status).toBe(201);
    expect(missed).toBe(5);
    for (const replay of replays) {
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
    }
    expect(await nikDayCount(kuota, nik)).toBe(2);
    expect(await minuteCounts()).toBe(countsBefore);
  });
});
