import { afterEach, describe, expect, it, vi } from 'vitest';
import { resellerStore } from '../../lib/adapters/reseller-store.js';
import { cachedReseller, forgetReseller } from '../../lib/usecases/reseller-cache.js';
import { useTestCloud } from '../support/cloud.js';

/**
 * Every storefront request reads its reseller's profile through a per-instance cache. When the profile
 * expires on a busy instance, all the requests in flight find it expired together: they must share one
 * read of DynamoDB, not make one each (a bench run made 1,913 profile reads for about 2,800 intakes).
 */
useTestCloud();

afterEach(() => vi.restoreAllMocks());

describe("the reseller's profile as storefront requests read it", () => {
  it('is read once for 25 requests that find it expired together, and each gets the profile', async () => {
    // Arrange
    forgetReseller('R01');
    const reads = vi.spyOn(resellerStore, 'getReseller');

    // Act
    const profiles = await Promise.all(Array.from({ length: 25 }, () => cachedReseller('R01')));

    // Assert
    expect(reads).toHaveBeenCalledTimes(1);
    for (const profile of profiles) expect(profile).toMatchObject({ resellerId: 'R01' });
  });

  it('is read again after a read that failed, instead of answering that failure from the cache', async () => {
    // Arrange
    forgetReseller('R02');
    const reads = vi.spyOn(resellerStore, 'getReseller').mockRejectedValueOnce(new Error('connection reset'));

    // Act
    const failed = await cachedReseller('R02').catch((error: unknown) => error);
    const next = await cachedReseller('R02');

    // Assert
    expect(failed).toBeInstanceOf(Error);
    expect(next).toMatchObject({ resellerId: 'R02' });
    expect(reads).toHaveBeenCalledTimes(2);
  });
});
