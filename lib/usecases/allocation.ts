import { randomUUID } from 'node:crypto';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { crashPoint } from '../adapters/fault-injection.js';
import { type AllocationMessage, queues } from '../adapters/queues.js';
import { quotaOrderStore } from '../adapters/quota-order-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { take } from '../domain/issuer-capacity.js';
import type { QuotaOrder } from '../domain/quota-order.js';
import { logger } from '../logger.js';
import { dispatchEvents, eventsFor, NO_EVENTS } from './reseller-webhooks.js';

/**
 * The issuer's side: paid quota orders become stamps in the reseller's stock, one bounded chunk per
 * message. Each order has one message in flight, which re-enqueues itself after each chunk, so the queue
 * serves orders round-robin: a reseller with a small order never waits behind a million-stamp order.
 */
export interface AllocationSettings {
  readonly chunkSize: number;
  readonly stampsPerMinute: number;
  readonly now: () => Date;
}

export type AllocationOutcome =
  | 'ALLOCATED_CHUNK'
  | 'COMPLETED'
  | 'WAITING_FOR_CAPACITY'
  | 'STALE'
  | 'NOTHING_TO_DO';

/** Takes up to `wanted` stamps of issuer capacity; optimistic, so concurrent workers never overspend it. */
export const acquireIssuerCapacity = async (
  wanted: number,
  settings: Pick<AllocationSettings, 'stampsPerMinute' | 'now'>,
): Promise<{ granted: number; waitMs: number }> => {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const stored = await withStoreRetries(() => stockStore.readIssuerBucket());
    const nowMs = settings.now().getTime();
    const bucket = stored ?? { tokens: settings.stampsPerMinute, updatedAtMs: nowMs };
    const decision = take(bucket, wanted, settings.stampsPerMinute, nowMs);
    if (decision.granted === 0) return { granted: 0, waitMs: decision.waitMs };
    try {
      await withStoreRetries(() => stockStore.writeIssuerBucket(decision.next, stored));
      return { granted: decision.granted, waitMs: 0 };
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
  }
  return { granted: 0, waitMs: 100 };
};

const next = (order: QuotaOrder, expectedAllocated: number): AllocationMessage => ({
  quotaOrderId: order.id,
  resellerId: order.resellerId,
  expectedAllocated,
});

export const allocateChunk = async (
  message: AllocationMessage,
  settings: AllocationSettings,
): Promise<AllocationOutcome> => {
  const order = await withStoreRetries(() =>
    quotaOrderStore.getQuotaOrder(message.resellerId, message.quotaOrderId),
  );
  if (order?.status !== 'PAID') return 'NOTHING_TO_DO';
  // A duplicate or overtaken message: the chunk it asked for has been applied by another delivery.
  if (order.allocatedQuantity !== message.expectedAllocated) return 'STALE';

  crashPoint('allocation:after-read');
  const wanted = Math.min(settings.chunkSize, order.quantity - order.allocatedQuantity);
  const capacity = await acquireIssuerCapacity(wanted, settings);
  crashPoint('allocation:after-capacity');
  if (capacity.granted === 0) {
    await queues.requestAllocation(message, capacity.waitMs / 1000);
    return 'WAITING_FOR_CAPACITY';
  }
  let complete: boolean;
  const attemptId = randomUUID();
  const at = settings.now();
  // The last chunk completes the order: the reseller's webhook event rides in that chunk's write.
  const recorded =
    order.allocatedQuantity + capacity.granted === order.quantity
      ? await eventsFor(
          order.resellerId,
          [
            {
              type: 'quota_order.allocated',
              reference: order.id,
              data: { quotaOrderId: order.id, quantity: order.quantity, allocatedAt: at.toISOString() },
            },
          ],
          at.toISOString(),
        )
      : NO_EVENTS;
  try {
    ({ complete } = await withStoreRetries(async () => {
      try {
        return await stockStore.commitAllocationChunk(order, capacity.granted, at, attemptId, recorded.items);
      } catch (error) {
        if (error instanceof ConditionFailed) {
          const current = await quotaOrderStore.getQuotaOrder(order.resellerId, order.id);
          // After a lost response the retry finds its own write already applied: carry on as committed,
          // or the order would wait for the sweeper with no message in flight.
          if (current?.lastChunkAttempt === attemptId) return { complete: current.status === 'ALLOCATED' };
          if (current && current.allocatedQuantity !== order.allocatedQuantity) throw new StaleChunk();
        }
        throw error;
      }
    }));
  } catch (error) {
    if (error instanceof StaleChunk || error instanceof ConditionFailed) return 'STALE';
    throw error;
  }
  crashPoint('allocation:after-commit');
  if (complete) {
    await dispatchEvents(recorded);
    logger.info('quota order allocated', { quotaOrderId: order.id, resellerId: order.resellerId });
    return 'COMPLETED';
  }
  await queues.requestAllocation(next(order, order.allocatedQuantity + capacity.granted));
  crashPoint('allocation:after-enqueue');
  return 'ALLOCATED_CHUNK';
};

class StaleChunk extends Error {}

/**
 * Safety net: a paid order whose allocation has not moved for `idleSeconds` gets a fresh message (a crash
 * between a chunk's commit and the next message would otherwise stall it). Duplicates this may create die
 * out as STALE.
 */
export const resumeStalledAllocations = async (idleSeconds: number, now: () => Date) => {
  let resumed = 0;
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await withStoreRetries(() => quotaOrderStore.listAllocationWork(100, cursor));
    cursor = page.cursor;
    for (const order of page.orders) {
      const last = Date.parse(order.lastAllocationAt ?? order.paidAt ?? '');
      if (Number.isNaN(last) || now().getTime() - last >= idleSeconds * 1000) {
        await queues.requestAllocation(next(order, order.allocatedQuantity));
        resumed += 1;
      }
    }
  } while (cursor);
  return { resumed };
};

/** Rough completion estimate: the order's remaining stamps at its fair share of the issuer's rate. */
export const estimateCompletion = async (
  order: QuotaOrder,
  settings: Pick<AllocationSettings, 'stampsPerMinute' | 'now'>,
): Promise<string | undefined> => {
  if (order.status !== 'PAID') return undefined;
  const activeOrders = Math.max(1, await quotaOrderStore.countAllocationWork());
  const remaining = order.quantity - order.allocatedQuantity;
  const minutes = remaining / (settings.stampsPerMinute / activeOrders);
  return new Date(settings.now().getTime() + Math.ceil(minutes * 60_000)).toISOString();
};
