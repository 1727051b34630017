import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { stockStore } from '../adapters/stock-store.js';
import { RESELLER_IDS } from '../domain/resellers.js';
import { foldBoundary } from '../domain/stock.js';

/** Resellers folded at once (each reads its shards in one request, then folds them in parallel). */
const FOLDS_IN_FLIGHT = 4;

export interface SaleFoldTally {
  readonly resellers: number;
  readonly stampsFolded: number;
  /** Resellers whose fold failed this time (the next run takes their shards up from their marks). */
  readonly failed: number;
}

/**
 * The sale fold (every minute): on every shard of every reseller that holds anything in `reserved`, the
 * storefront sales older than the lag (`foldBoundary`) move from `reserved` to `sold`
 * (`stockStore.foldSales`). Each shard is folded from its own mark, so a run that dies halfway, or two runs
 * at once, fold nothing twice and lose nothing.
 */
export const foldSoldStock = async (
  now: Date,
  resellerIds: readonly string[] = RESELLER_IDS,
): Promise<SaleFoldTally> => {
  const through = foldBoundary(now);
  let stampsFolded = 0;
  let failed = 0;
  for (let start = 0; start < resellerIds.length; start += FOLDS_IN_FLIGHT) {
    const folds = await Promise.allSettled(
      resellerIds
        .slice(start, start + FOLDS_IN_FLIGHT)
        .map((resellerId) => withStoreRetries(() => stockStore.foldSales(resellerId, through))),
    );
    for (const fold of folds) {
      if (fold.status === 'fulfilled') stampsFolded += fold.value;
      else failed += 1;
    }
  }
  return { resellers: resellerIds.length, stampsFolded, failed };
};
