import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { STOREFRONT_WORK_BUCKETS } from '../infra/resources.js';
import { logger } from '../logger.js';
import { type PaymentSettings, reconcileRefund } from './payments.js';

/**
 * Refunds the gateway has not confirmed yet: ask again until it does (a REFUND_COMPLETED webhook may be
 * lost). Refunds are rare and each stays in the work index only until it completes, so this pass reads
 * little; the orders themselves are driven by their own timers (lib/usecases/order-timers.ts).
 */
export interface SweepSettings {
  readonly pageSize: number;
  readonly refundSlaSeconds: number;
}

const SWEEP_BUCKET_CONCURRENCY = 8;

export const sweepStorefronts = async (sweep: SweepSettings, payments: PaymentSettings) => {
  const now = payments.now();
  const tally = { refundsConfirmed: 0, refundsPastSla: 0, failed: 0 };
  // A refund recorded before this and still unconfirmed after this run's ask is past its SLA.
  const slaCutoff = new Date(now.getTime() - sweep.refundSlaSeconds * 1000).toISOString();
  const guard = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (error instanceof ConditionFailed) return;
      tally.failed += 1;
      logger.warn('sweeper step failed; next run retries', { error: String(error) });
    }
  };

  const sweepBucket = async (bucket: number) => {
    let cursor: Record<string, unknown> | undefined;
    do {
      const refunds = await withStoreRetries(() =>
        storefrontStore.listWork('REFUND', bucket, `${now.toISOString()}~`, sweep.pageSize, cursor),
      );
      cursor = refunds.cursor;
      for (const item of refunds.items) {
        let confirmed = false;
        await guard(async () => {
          const outcome = await reconcileRefund(
            {
              refundId: String(item.refundId),
              paymentId: String(item.paymentId),
              eventId: String(item.eventId),
              amountIdr: Number(item.amountIdr),
            },
            payments,
          );
          confirmed = outcome === 'COMPLETED';
        });
        if (confirmed) tally.refundsConfirmed += 1;
        else if (String(item.recordedAt) < slaCutoff) tally.refundsPastSla += 1;
      }
    } while (cursor);
  };

  // The buckets are independent: a few at a time, so a run of 64 buckets x 4 queries stays well inside
  // its timeout when every query is slowed by throttling (one after another it took ~45 s of its 60 s at
  // 20% throttling, and a run that times out never reaches the last buckets).
  let nextBucket = 0;
  const lanes = await Promise.allSettled(
    Array.from({ length: SWEEP_BUCKET_CONCURRENCY }, async () => {
      while (nextBucket < STOREFRONT_WORK_BUCKETS) {
        const bucket = nextBucket;
        nextBucket += 1;
        await sweepBucket(bucket);
      }
    }),
  );
  // As before, a bucket that could not be listed fails the run (the next run retries), after the others.
  const failure = lanes.find((lane) => lane.status === 'rejected');
  if (failure) throw failure.reason;
  return tally;
};
