import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { stockStore } from '../adapters/stock-store.js';
import { config } from '../config.js';
import { RESELLER_IDS } from '../domain/resellers.js';
import { foldBoundary } from '../domain/stock.js';

/** Shards folded at once: a few dozen requests in flight, far from any partition's limits (one write each). */
const FOLDS_IN_FLIGHT = 16;

export interface SaleFoldTally {
  readonly shards: number;
  readonly stampsFolded: number;
  /** Shards whose fold failed this time (the next run takes them up from their mark). */
  readonly failed: number;
}

/**
 * The sale fold (every minute): on every shard of every reseller, the storefront sales older than the lag
 * (`foldBoundary`) move from `reserved` to `sold` (`stockStore.foldSales`). Each shard is folded from its
 * own mark, so a run that dies halfway, or two runs at once, fold nothing twice and lose nothing.
 */
export const foldSoldStock = async (
  now: Date,
  resellerIds: readonly string[] = RESELLER_IDS,
): Promise<SaleFoldTally> => {
  const through = foldBoundary(now);
  const shards = resellerIds.flatMap((resellerId) =>
    Array.from({ length: config().stockShardCount }, (_, shard) => ({ resellerId, shard })),
  );
  let stampsFolded = 0;
  let failed = 0;
  for (let start = 0; start < shards.length; start += FOLDS_IN_FLIGHT) {
    const folds = await Promise.allSettled(
      shards
        .slice(start, start + FOLDS_IN_FLIGHT)
        .map(({ resellerId, shard }) =>
          withStoreRetries(() => stockStore.foldSales(resellerId, shard, through)),
        ),
    );
    for (const fold of folds) {
      if (fold.status === 'fulfilled') stampsFolded += fold.value;
      else failed += 1;
    }
  }
  return { shards: shards.length, stampsFolded, failed };
};
