import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { queues } from '../adapters/queues.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { logger } from '../http/logger.js';
import { STOREFRONT_WORK_BUCKETS } from '../infra/resources.js';
import { type PaymentSettings, reconcileOrderPayments, reconcileRefund, watchUntil } from './payments.js';
import { attachPayment, type ReservationSettings } from './reservation.js';

/**
 * The application-driven clock of the storefront (DynamoDB TTL can lag by days):
 * - reservations past their TTL: ask the gateway first (a paid-in-time order is fulfilled, never
 *   expired), then release stock and the buyer's cap;
 * - reservations older than `reconcileAfterSeconds`: ask the gateway, so a lost webhook still fulfils;
 * - QUEUED orders the queue lost (emulator restart, failed enqueue): enqueue again;
 * - refunds not yet confirmed: ask the gateway again until it confirms;
 * - settled orders at the end of their payment watch: ask the gateway once more, so a second or late
 *   payment whose webhook was lost is still refunded.
 */
export interface SweepSettings {
  readonly staleQueuedSeconds: number;
  readonly reconcileAfterSeconds: number;
  readonly reservationTtlSeconds: number;
  readonly pageSize: number;
}

const SWEEP_BUCKET_CONCURRENCY = 8;

export const sweepStorefronts = async (
  sweep: SweepSettings,
  payments: PaymentSettings,
  reservations: ReservationSettings,
) => {
  const now = payments.now();
  const tally = {
    requeued: 0,
    reconciled: 0,
    expired: 0,
    refundsConfirmed: 0,
    paymentsAttached: 0,
    lateCapturesFound: 0,
    failed: 0,
  };
  const guard = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      if (error instanceof ConditionFailed) return;
      tally.failed += 1;
      logger.warn('sweeper step failed; next run retries', { error: String(error) });
    }
  };
  // Reserved more than reconcileAfterSeconds ago, or past expiry: whichever is later in expiresAt terms
  // (a TTL shorter than reconcileAfterSeconds must not leave expired reservations unswept).
  const reconcileBefore = new Date(
    now.getTime() + Math.max(0, sweep.reservationTtlSeconds - sweep.reconcileAfterSeconds) * 1000,
  ).toISOString();
  const staleQueuedBefore = new Date(now.getTime() - sweep.staleQueuedSeconds * 1000).toISOString();

  const sweepBucket = async (bucket: number) => {
    const reserved = await withStoreRetries(() =>
      storefrontStore.listWork('RESERVED', bucket, reconcileBefore, sweep.pageSize),
    );
    for (const item of reserved.items) {
      await guard(async () => {
        let order = await withStoreRetries(() => storefrontStore.getOrder(String(item.orderId)));
        if (order?.status !== 'RESERVED') return;
        if (!order.payment) {
          await attachPayment(order, reservations);
          tally.paymentsAttached += 1;
          order = await withStoreRetries(() => storefrontStore.getOrder(String(item.orderId)));
          if (order?.status !== 'RESERVED') return;
        }
        tally.reconciled += await reconcileOrderPayments(order, payments);
        const current = await withStoreRetries(() => storefrontStore.getOrder(order.orderId));
        if (current?.status === 'RESERVED' && current.expiresAt && current.expiresAt <= now.toISOString()) {
          await withStoreRetries(() =>
            storefrontStore.expire(current, now.toISOString(), watchUntil(current, payments)),
          );
          tally.expired += 1;
        }
      });
    }

    const queued = await withStoreRetries(() =>
      storefrontStore.listWork('QUEUED', bucket, staleQueuedBefore, sweep.pageSize),
    );
    for (const item of queued.items) {
      if (item.status !== 'QUEUED') continue;
      await guard(async () => {
        await queues.requestReservation({ orderId: String(item.orderId) });
        tally.requeued += 1;
      });
    }

    const refunds = await withStoreRetries(() =>
      storefrontStore.listWork('REFUND', bucket, `${now.toISOString()}~`, sweep.pageSize),
    );
    for (const item of refunds.items) {
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
        if (outcome === 'COMPLETED') tally.refundsConfirmed += 1;
      });
    }

    const watched = await withStoreRetries(() =>
      storefrontStore.listWork('WATCH', bucket, now.toISOString(), sweep.pageSize),
    );
    for (const item of watched.items) {
      await guard(async () => {
        const order = await withStoreRetries(() => storefrontStore.getOrder(String(item.orderId)));
        if (!order) return;
        // Last look at the gateway: a second or late payment whose webhook was lost is refunded now.
        tally.lateCapturesFound += await reconcileOrderPayments(order, payments);
        const settled = await withStoreRetries(() => storefrontStore.getOrder(order.orderId));
        if (settled) await withStoreRetries(() => storefrontStore.endWatch(settled));
      });
    }
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
