import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { crashPoint } from '../adapters/fault-injection.js';
import { mainStore } from '../adapters/main-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { type ShardPart, type StorefrontOrder, storefrontStore } from '../adapters/storefront-store.js';
import type { PaymentGateway } from '../domain/payment-gateway.js';
import { jakartaDay, type RejectionReason, unitPrice } from '../domain/storefront-order.js';
import { logger } from '../http/logger.js';
import { cachedReseller, forgetReseller } from './reseller-cache.js';
import { buyerReference } from './storefront.js';

/**
 * The reservation consumer's use case: one transaction per order takes stock from a shard and raises the
 * buyer's national day counter, or the order is rejected with its reason. Then the QRIS payment is
 * created. Idempotent on the order: a duplicate delivery finds the order past QUEUED and only finishes
 * what a crashed delivery left undone (the payment).
 */
export interface ReservationSettings {
  readonly shardCount: number;
  readonly reservationTtlSeconds: number;
  readonly nikDailyCap: number;
  readonly gateway: PaymentGateway;
  readonly now: () => Date;
  readonly random?: () => number;
}

export type ReservationOutcome = 'RESERVED' | RejectionReason | 'ALREADY_DONE' | 'NOT_FOUND';

/** Per-instance memory of sold-out resellers: a sold-out storefront rejects without touching its shards. */
const SOLD_OUT_TTL_MS = 2_000;
const soldOutUntil = new Map<string, number>();

const RANDOM_SHARD_ATTEMPTS = 2;
const PLANNED_ATTEMPTS = 5;

const randomShards = (count: number, attempts: number, random: () => number): number[] => {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, attempts)) chosen.add(Math.floor(random() * count));
  return [...chosen];
};

/** Largest shards first, so an order spans as few shards (transaction items) as possible. */
export const planFromShards = (
  shards: readonly { shard: number; onHand: number }[],
  quantity: number,
): ShardPart[] | undefined => {
  const parts: ShardPart[] = [];
  let missing = quantity;
  for (const shard of [...shards].sort((a, b) => b.onHand - a.onHand)) {
    if (missing === 0) break;
    const take = Math.min(shard.onHand, missing);
    if (take > 0) {
      parts.push({ shard: shard.shard, quantity: take });
      missing -= take;
    }
  }
  return missing === 0 ? parts : undefined;
};

const reject = async (
  order: StorefrontOrder,
  reason: RejectionReason,
  now: Date,
): Promise<RejectionReason> => {
  await withStoreRetries(() => storefrontStore.reject(order, reason, now.toISOString())).catch((error) => {
    if (!(error instanceof ConditionFailed)) throw error;
  });
  return reason;
};

/** The reserved order, or why this attempt did not reserve. */
type Attempt = StorefrontOrder | 'SHARD_DRY' | 'CAP' | 'ORDER_CHANGED';

const tryReserve = async (
  order: StorefrontOrder,
  parts: ShardPart[],
  settings: ReservationSettings,
  unitPriceIdr: number,
): Promise<Attempt> => {
  const now = settings.now();
  try {
    return await withStoreRetries(() =>
      storefrontStore.reserve(order, {
        parts,
        day: jakartaDay(now),
        cap: settings.nikDailyCap,
        unitPriceIdr,
        expiresAt: new Date(now.getTime() + settings.reservationTtlSeconds * 1000).toISOString(),
        at: now.toISOString(),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const failed = new Set(error.failedItemIndexes);
    // Item indexes in the transaction: 0 order, 1..n shards, n+1 the buyer's counter.
    if (failed.has(0)) return 'ORDER_CHANGED';
    if (failed.has(parts.length + 1)) return 'CAP';
    return 'SHARD_DRY';
  }
};

export const reserveOrder = async (
  orderId: string,
  settings: ReservationSettings,
): Promise<ReservationOutcome> => {
  const random = settings.random ?? Math.random;
  for (let round = 0; round < PLANNED_ATTEMPTS + RANDOM_SHARD_ATTEMPTS + 1; round += 1) {
    const order = await withStoreRetries(() => storefrontStore.getOrder(orderId));
    if (!order) return 'NOT_FOUND';
    if (order.status === 'RESERVED' && !order.payment) {
      await attachPayment(order, settings);
      return 'ALREADY_DONE';
    }
    if (order.status !== 'QUEUED') return 'ALREADY_DONE';

    const now = settings.now();
    let reseller = await cachedReseller(order.resellerId);
    if (reseller?.status === 'SUSPENDED') {
      // A suspension must not outlive its resume: confirm with a fresh read before rejecting.
      forgetReseller(order.resellerId);
      reseller = await cachedReseller(order.resellerId);
    }
    if (!reseller || reseller.status === 'SUSPENDED') return reject(order, 'RESELLER_SUSPENDED', now);
    if (!reseller.storefrontOpen) return reject(order, 'STOREFRONT_CLOSED', now);
    if ((soldOutUntil.get(order.resellerId) ?? 0) > now.getTime()) return reject(order, 'SOLD_OUT', now);
    const price = unitPrice(reseller.serviceFeeIdr);

    // Cheap first: a random shard or two, no read of the others.
    let outcome: Attempt = 'SHARD_DRY';
    for (const shard of randomShards(settings.shardCount, RANDOM_SHARD_ATTEMPTS, random)) {
      outcome = await tryReserve(order, [{ shard, quantity: order.quantity }], settings, price);
      if (outcome !== 'SHARD_DRY') break;
    }
    if (outcome === 'SHARD_DRY') {
      // Then look at every shard: spread the order over several, or learn that the reseller is sold out.
      const shards = await withStoreRetries(() => stockStore.readShards(order.resellerId));
      if (shards.some((shard) => shard.suspended)) {
        return reject(order, 'RESELLER_SUSPENDED', now);
      }
      const plan = planFromShards(shards, order.quantity);
      if (!plan) {
        if (shards.every((shard) => shard.onHand === 0))
          soldOutUntil.set(order.resellerId, now.getTime() + SOLD_OUT_TTL_MS);
        return reject(order, 'SOLD_OUT', now);
      }
      outcome = await tryReserve(order, plan, settings, price);
    }
    if (outcome === 'CAP') {
      await reportCapReached(order, now, settings.nikDailyCap).catch((error: unknown) =>
        logger.warn('could not record a cap alert', { error: String(error) }),
      );
      return reject(order, 'BUYER_CAP_EXCEEDED', now);
    }
    if (typeof outcome === 'object') {
      crashPoint('reservation:after-reserve');
      await attachPayment(outcome, settings);
      return 'RESERVED';
    }
    // ORDER_CHANGED (a concurrent delivery) or a shard emptied under us: look again.
  }
  logger.warn('reservation did not settle; the message will be retried', { orderId });
  throw new Error('reservation did not settle');
};

/** One alert per NIK per day, with the storefronts it tried: the scalper's footprint, pseudonymously. */
const reportCapReached = async (order: StorefrontOrder, now: Date, cap: number) => {
  const day = jakartaDay(now);
  const { count, storefronts } = await withStoreRetries(() => storefrontStore.readNikDay(order.nikHash, day));
  await withStoreRetries(() =>
    mainStore.recordAlert(`NIK_CAP_REACHED#${order.nikHash}#${day}`, {
      kind: 'NIK_CAP_REACHED',
      at: now.toISOString(),
      resellerId: order.resellerId,
      evidence: {
        buyer: buyerReference(order.nikHash),
        day,
        cap,
        reservedToday: count,
        storefronts: storefronts.sort(),
      },
    }),
  );
};

export const attachPayment = async (order: StorefrontOrder, settings: ReservationSettings): Promise<void> => {
  const reseller = await cachedReseller(order.resellerId);
  const payment = await settings.gateway.createPayment({
    reference: order.orderId,
    amountIdr: order.amountIdr ?? 0,
    expiresAt: new Date(order.expiresAt ?? settings.now().toISOString()),
    merchantName: reseller?.name ?? order.resellerId,
  });
  crashPoint('reservation:after-payment-created');
  await withStoreRetries(() => storefrontStore.attachPayment(order, payment)).catch((error) => {
    // Someone else attached it (duplicate delivery or the sweeper): same payment, by reference.
    if (!(error instanceof ConditionFailed)) throw error;
  });
};
