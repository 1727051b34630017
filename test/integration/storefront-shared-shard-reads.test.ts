import { afterEach, describe, expect, it, vi } from 'vitest';
import { stockStore } from '../../lib/adapters/stock-store.js';
import { jakartaDay } from '../../lib/domain/storefront-order.js';
import { prefetchReservation, soldOutForAnyone } from '../../lib/usecases/reservation.js';
import { useTestCloud } from '../support/cloud.js';

/**
 * At a sell-out every order must see a read of every shard before it is told "sold out" (a sample of the
 * shards cannot say so). The orders in flight on one instance share one such read instead of each making
 * their own (a bench run made 1,041 reads of all 32 shards, 6.5 read units a stamp sold).
 */
useTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '8' } });

afterEach(() => vi.restoreAllMocks());

const direct = <T>(unit: () => Promise<T>) => unit();

describe('the reads of every shard behind a sold-out answer', () => {
  it('is one read for 20 orders in flight together at a sold-out storefront, and each is told sold out', async () => {
    // Arrange: R02 holds no stock; the snapshot the orders start from is a sample of its shards.
    const reads = vi.spyOn(stockStore, 'readShards');
    const prefetched = prefetchReservation('R02', 'shared-read-test', jakartaDay(new Date()), direct);
    await prefetched;
    const sampleReads = reads.mock.calls.length;

    // Act
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        soldOutForAnyone({ resellerId: 'R02', quantity: 1 }, { retry: direct, prefetched }),
      ),
    );

    // Assert
    const fullReads = reads.mock.calls.slice(sampleReads).filter(([, options]) => !options?.only);
    expect(sampleReads).toBe(1);
    expect(reads.mock.calls[0]?.[1]?.only?.length).toBeLessThan(8);
    expect(fullReads).toHaveLength(1);
    expect(answers).toEqual(answers.map(() => 'SOLD_OUT'));
  });

  it('is read again for an order that comes after a read that failed, instead of sharing the failure', async () => {
    // Arrange
    const prefetched = prefetchReservation('R03', 'shared-read-test', jakartaDay(new Date()), direct);
    await prefetched;
    const reads = vi.spyOn(stockStore, 'readShards').mockRejectedValueOnce(new Error('connection reset'));

    // Act
    const failed = await soldOutForAnyone(
      { resellerId: 'R03', quantity: 1 },
      { retry: direct, prefetched },
    ).catch((error: unknown) => error);
    const next = await soldOutForAnyone({ resellerId: 'R03', quantity: 1 }, { retry: direct, prefetched });

    // Assert
    expect(failed).toBeInstanceOf(Error);
    expect(next).toBe('SOLD_OUT');
    expect(reads).toHaveBeenCalledTimes(2);
  });
});
