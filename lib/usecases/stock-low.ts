import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { oversightStore } from '../adapters/oversight-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { webhookStore } from '../adapters/webhook-store.js';
import { daysOfCover, lowStockStep } from '../domain/reseller-webhooks.js';
import { RESELLER_IDS } from '../domain/resellers.js';
import { sumShards } from '../domain/stock.js';
import { logger } from '../logger.js';
import { dispatchEvents, eventsForEndpoint } from './reseller-webhooks.js';

/**
 * stock.low: every minute (with the stats snapshot), each reseller that subscribes and set a threshold has
 * its days of cover computed from its shards (and the snapshot of 24 h ago, for the recent rate). Falling
 * below the threshold moves its low-stock state to LOW with the event in the same transaction, once per
 * episode; the episode ends when the cover is back above threshold x 1.25 (new stock, slower sales).
 * Nothing of this runs on the sale path.
 */
const DAY_MS = 86_400_000;

/** Each reseller's sold count in the stats snapshot nearest before 24 h ago (none in a young system). */
const soldADayAgo = async (now: Date): Promise<Map<string, number>> => {
  const then = new Date(now.getTime() - DAY_MS).toISOString();
  const snapshot = await oversightStore.statsSnapshotAtOrBefore(then.slice(0, 16));
  const vendors = (snapshot?.vendors ?? {}) as Record<string, { sold?: number }>;
  return new Map(
    Object.entries(vendors).map(([resellerId, figures]) => [resellerId, Number(figures.sold ?? 0)]),
  );
};

export const checkLowStock = async (now: Date) => {
  const tally = { checked: 0, becameLow: 0, recovered: 0 };
  const dayAgo = await withStoreRetries(() => soldADayAgo(now));
  const at = now.toISOString();
  for (const resellerId of RESELLER_IDS) {
    const endpoint = await withStoreRetries(() => webhookStore.getEndpoint(resellerId));
    const threshold = endpoint?.lowStockDaysOfCover;
    if (!endpoint?.events.includes('stock.low') || threshold === undefined) continue;
    tally.checked += 1;
    const shards = await withStoreRetries(() => stockStore.readStock(resellerId));
    const total = sumShards(shards);
    const firstSaleAt = shards
      .map((shard) => shard.firstSaleAt)
      .filter((value): value is string => Boolean(value))
      .sort()[0];
    const before = dayAgo.get(resellerId);
    const soldLast24h = before === undefined ? undefined : Math.max(0, total.sold - before);
    const cover = daysOfCover({
      onHand: total.onHand,
      sold: total.sold,
      ...(firstSaleAt ? { firstSaleAt } : {}),
      ...(soldLast24h !== undefined ? { soldLast24h } : {}),
      now,
    });
    const state = await withStoreRetries(() => webhookStore.getLowStockState(resellerId));
    const step = lowStockStep(state.low, cover, threshold);
    if (step === 'BECOMES_LOW') {
      const recorded = eventsForEndpoint(
        endpoint,
        [
          {
            type: 'stock.low',
            // One event per episode: the episode is named by the instant it began.
            reference: `${resellerId}#${at}`,
            data: {
              onHand: total.onHand,
              daysOfCover: cover,
              thresholdDays: threshold,
              sold: total.sold,
              ...(soldLast24h !== undefined ? { soldLast24h } : {}),
            },
          },
        ],
        at,
      );
      const moved = await withStoreRetries(() =>
        webhookStore.setLowStockState(
          resellerId,
          { low: true, at, ...(cover !== undefined ? { cover } : {}) },
          false,
          recorded.items,
        ),
      );
      if (moved === 'MOVED') {
        tally.becameLow += 1;
        await dispatchEvents(recorded);
      }
    } else if (step === 'RECOVERS') {
      const moved = await withStoreRetries(() =>
        webhookStore.setLowStockState(
          resellerId,
          { low: false, at, ...(cover !== undefined ? { cover } : {}) },
          true,
        ),
      );
      if (moved === 'MOVED') tally.recovered += 1;
    }
  }
  if (tally.becameLow > 0) logger.info('stock.low events recorded', tally);
  return tally;
};
