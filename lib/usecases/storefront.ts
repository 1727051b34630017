import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { sqs } from '../adapters/aws-clients.js';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { mainStore } from '../adapters/main-store.js';
import { queues } from '../adapters/queues.js';
import { stockStore } from '../adapters/stock-store.js';
import { type StorefrontOrder, storefrontStore } from '../adapters/storefront-store.js';
import { config } from '../config.js';
import { DomainError, NotFoundError, RateLimitedError } from '../domain/errors.js';
import { idFromIdempotencyKey, newId, sha256Hex } from '../domain/identifiers.js';
import { hashNik } from '../domain/nik.js';
import { sumShards } from '../domain/stock.js';
import { jakartaDay, orderToken, orderTokenMatches, unitPrice } from '../domain/storefront-order.js';
import { logger } from '../http/logger.js';
import { secrets } from '../secrets.js';
import { cachedReseller, forgetReseller } from './reseller-cache.js';

/** Intake, status and offer of the 26 storefronts. */

/** Time intake may spend on retries before answering 429 (the function's timeout is 10 s). */
const INTAKE_BUDGET_MS = 5_000;

/** Orders the reservation consumer clears per second, for the queue ETA shown to buyers (measured locally). */
export const ESTIMATED_RESERVATIONS_PER_SECOND = 200;
const OFFER_TTL_MS = 2_000;

const minuteWindow = (now: Date) => {
  const start = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  return {
    start: start.toISOString().slice(0, 16),
    retryAfterSeconds: Math.max(1, Math.ceil((start.getTime() + 60_000 - now.getTime()) / 1000)),
    purgeAt: Math.floor(start.getTime() / 1000) + 3_600,
  };
};

const accepted = (order: StorefrontOrder, tokenKey: string) => ({
  orderId: order.orderId,
  orderToken: orderToken(tokenKey, order.orderId),
  status: 'QUEUED' as const,
  statusUrl: `/v1/storefronts/${order.resellerId}/orders/${order.orderId}`,
});

const replayOrConflict = (existing: StorefrontOrder, requestHash: string, tokenKey: string) => {
  if (existing.requestHash !== requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used with a different order',
      [{ path: 'headers.idempotency-key', message: 'was used before with another body' }],
    );
  }
  return accepted(existing, tokenKey);
};

/**
 * A replay of an order that is still QUEUED is enqueued again: the first attempt may have stopped between
 * its write and its enqueue (or its write committed while the answer was lost). A duplicate message is a
 * no-op for the reservation consumer; without it the order waited for the sweeper's stale-order pass.
 */
const replayQueued = async (existing: StorefrontOrder, requestHash: string, tokenKey: string) => {
  const answer = replayOrConflict(existing, requestHash, tokenKey);
  if (existing.status === 'QUEUED') {
    await queues.requestReservation({ orderId: existing.orderId }).catch((error: unknown) =>
      logger.warn('enqueue failed; the sweeper will re-enqueue the order', {
        orderId: existing.orderId,
        error: String(error),
      }),
    );
  }
  return answer;
};

/**
 * Intake: validate, record durably, enqueue. It reads a cached profile and writes the order's own fresh
 * key plus two rate-limit counters that only this NIK / this client touch: nothing a surge contends on.
 */
export const placeOrder = async (
  input: { resellerId: string; nik: string; quantity: number; idempotencyKey: string; clientId: string },
  now: () => Date,
) => {
  // One budget for the whole intake: under throttling it answers 429 well inside the function's timeout
  // instead of retrying step after step into a 504.
  const deadline = Date.now() + INTAKE_BUDGET_MS;
  const retry = <T>(unit: () => Promise<T>) =>
    withStoreRetries(unit, { budgetMs: Math.max(0, deadline - Date.now()) });
  const reseller = await cachedReseller(input.resellerId);
  if (!reseller) throw new NotFoundError('storefront');
  if (reseller.status === 'SUSPENDED') {
    throw new DomainError('RESELLER_SUSPENDED', 'this reseller is suspended and cannot sell');
  }
  if (!reseller.storefrontOpen) throw new DomainError('STOREFRONT_CLOSED', 'this storefront is closed');

  const { nikHmacKey } = await secrets();
  const nikHash = hashNik(nikHmacKey, input.nik);
  const requestHash = sha256Hex(`${nikHash}:${input.quantity}`);
  const orderId = idFromIdempotencyKey('SO', input.resellerId, input.idempotencyKey);
  const at = now();
  const window = minuteWindow(at);
  const limits = config();
  // Three independent round trips at once: the replay lookup and both intake counters. (A replayed
  // request also counts against the limits; with minute windows that costs a retrying client little.)
  const [existing, nikAllowed, clientAllowed] = await Promise.all([
    retry(() => storefrontStore.getOrder(orderId)),
    retry(() =>
      storefrontStore.countIntake(`NIK#${nikHash}`, window.start, limits.nikIntakePerMinute, window.purgeAt),
    ),
    retry(() =>
      storefrontStore.countIntake(
        `CLIENT#${sha256Hex(input.clientId)}`,
        window.start,
        limits.clientIntakePerMinute,
        window.purgeAt,
      ),
    ),
  ]);
  if (existing) return replayQueued(existing, requestHash, nikHmacKey);
  if (!nikAllowed) {
    throw new RateLimitedError('too many orders for this NIK; retry later', window.retryAfterSeconds);
  }
  if (!clientAllowed) {
    throw new RateLimitedError('too many orders from this client; retry later', window.retryAfterSeconds);
  }

  const order: StorefrontOrder = {
    orderId,
    resellerId: input.resellerId,
    nikHash,
    quantity: input.quantity,
    status: 'QUEUED',
    version: 0,
    requestHash,
    createdAt: at.toISOString(),
    refunds: {},
  };
  try {
    await retry(() => storefrontStore.createOrder(order));
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const winner = await retry(() => storefrontStore.getOrder(orderId));
    if (!winner) throw error;
    return replayQueued(winner, requestHash, nikHmacKey);
  }
  // The order is durable now; evidence and enqueue go out together, and neither failure loses it.
  await Promise.all([
    noteScalperEvidence(nikHash, jakartaDay(at), input.resellerId, order.createdAt).catch((error: unknown) =>
      logger.warn('could not note the storefront of an order', { error: String(error) }),
    ),
    queues.requestReservation({ orderId }).catch((error: unknown) =>
      // The sweeper re-enqueues QUEUED orders the queue never saw.
      logger.warn('enqueue failed; the sweeper will re-enqueue the order', { orderId, error: String(error) }),
    ),
  ]);
  return accepted(order, nikHmacKey);
};

/** A NIK that orders at this many storefronts in one day is reported to the regulator. */
export const MULTI_STOREFRONT_ALERT_THRESHOLD = 3;

/** A pseudonymous reference to a buyer for evidence: a prefix of the NIK's HMAC, never the NIK. */
export const buyerReference = (nikHash: string): string => `nik:${nikHash.slice(0, 12)}`;

const noteScalperEvidence = async (nikHash: string, day: string, resellerId: string, at: string) => {
  const firstAtThisStorefront = await storefrontStore.noteNikStorefront(nikHash, day, resellerId, at);
  if (!firstAtThisStorefront) return;
  const { storefronts } = await storefrontStore.readNikDay(nikHash, day);
  if (storefronts.length < MULTI_STOREFRONT_ALERT_THRESHOLD) return;
  await mainStore.recordAlert(`NIK_MULTI_STOREFRONT#${nikHash}#${day}`, {
    kind: 'NIK_MULTI_STOREFRONT',
    at,
    evidence: { buyer: buyerReference(nikHash), day, storefronts: storefronts.sort() },
  });
};

let queueDepthCache: { at: number; depth: number } | undefined;

const queueDepth = async (): Promise<number> => {
  const nowMs = Date.now();
  if (queueDepthCache && nowMs - queueDepthCache.at < OFFER_TTL_MS) return queueDepthCache.depth;
  const result = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: config().storefrontOrderQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const depth =
    Number(result.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  queueDepthCache = { at: nowMs, depth };
  return depth;
};

export const queueView = async () => {
  const depth = await queueDepth();
  return { depth, etaSeconds: Math.ceil(depth / ESTIMATED_RESERVATIONS_PER_SECOND) };
};

const stockCache = new Map<string, { at: number; onHand: number; allocated: number }>();

export const availabilityOf = (onHand: number, allocated: number): 'AVAILABLE' | 'LOW' | 'SOLD_OUT' => {
  if (onHand <= 0) return 'SOLD_OUT';
  if (onHand < Math.max(50, allocated * 0.05)) return 'LOW';
  return 'AVAILABLE';
};

export const cachedStock = async (resellerId: string) => {
  const nowMs = Date.now();
  const hit = stockCache.get(resellerId);
  if (hit && nowMs - hit.at < OFFER_TTL_MS) return hit;
  const total = sumShards(await withStoreRetries(() => stockStore.readShards(resellerId)));
  const entry = { at: nowMs, onHand: total.onHand, allocated: total.allocated };
  stockCache.set(resellerId, entry);
  return entry;
};

export const getOffer = async (resellerId: string) => {
  const reseller = await cachedReseller(resellerId);
  if (!reseller) throw new NotFoundError('storefront');
  const stock = await cachedStock(resellerId);
  return {
    resellerId,
    name: reseller.name,
    unitPriceIdr: unitPrice(reseller.serviceFeeIdr),
    serviceFeeIdr: reseller.serviceFeeIdr,
    status: reseller.status === 'SUSPENDED' ? 'SUSPENDED' : reseller.storefrontOpen ? 'OPEN' : 'CLOSED',
    availability: availabilityOf(stock.onHand, stock.allocated),
    queue: await queueView(),
  };
};

export const orderStatusView = async (order: StorefrontOrder) => {
  const refunds = Object.values(order.refunds ?? {});
  return {
    orderId: order.orderId,
    resellerId: order.resellerId,
    status: order.status,
    quantity: order.quantity,
    ...(order.reason ? { reason: order.reason } : {}),
    ...(order.unitPriceIdr !== undefined ? { unitPriceIdr: order.unitPriceIdr } : {}),
    ...(order.expiresAt ? { reservedUntil: order.expiresAt } : {}),
    ...(order.payment && order.status === 'RESERVED'
      ? {
          payment: {
            paymentId: order.payment.paymentId,
            amountIdr: order.payment.amountIdr,
            qris: order.payment.qris,
            expiresAt: order.payment.expiresAt,
          },
        }
      : {}),
    ...(order.stamps ? { stamps: order.stamps.map((serial) => ({ serial })) } : {}),
    ...(refunds.length > 0
      ? {
          refund: {
            amountIdr: refunds.reduce((sum, refund) => sum + refund.amountIdr, 0),
            status: refunds.every((refund) => refund.status === 'COMPLETED')
              ? ('COMPLETED' as const)
              : ('PENDING' as const),
          },
        }
      : {}),
    ...(order.status === 'QUEUED' ? { queue: await queueView() } : {}),
  };
};

/** Without the right token the answer is 404, exactly as for an order that does not exist. */
export const getOrderForBuyer = async (resellerId: string, orderId: string, token: string | undefined) => {
  const { nikHmacKey } = await secrets();
  if (!orderTokenMatches(nikHmacKey, orderId, token)) throw new NotFoundError('order');
  const order = await withStoreRetries(() => storefrontStore.getOrder(orderId));
  if (!order || order.resellerId !== resellerId) throw new NotFoundError('order');
  return orderStatusView(order);
};

export const updateStorefront = async (
  resellerId: string,
  settings: { serviceFeeIdr: number; open: boolean },
  now: () => Date,
) => {
  const reseller = await withStoreRetries(() => mainStore.getReseller(resellerId));
  if (!reseller) throw new NotFoundError('reseller');
  if (settings.serviceFeeIdr > reseller.serviceFeeCapIdr) {
    const at = now().toISOString();
    await withStoreRetries(() =>
      mainStore.recordAlert(`FEE_CAP_VIOLATION_ATTEMPT#${resellerId}#${newId('AL', now())}`, {
        kind: 'FEE_CAP_VIOLATION_ATTEMPT',
        at,
        resellerId,
        evidence: { requestedFeeIdr: settings.serviceFeeIdr, capIdr: reseller.serviceFeeCapIdr },
      }),
    );
    throw new DomainError(
      'FEE_CAP_EXCEEDED',
      `a service fee of Rp${settings.serviceFeeIdr} exceeds the regulator’s cap of Rp${reseller.serviceFeeCapIdr}`,
      [{ path: 'body.serviceFeeIdr', message: `must be at most ${reseller.serviceFeeCapIdr}` }],
    );
  }
  await withStoreRetries(() => mainStore.updateStorefrontSettings(resellerId, settings));
  forgetReseller(resellerId);
  return {
    resellerId,
    serviceFeeIdr: settings.serviceFeeIdr,
    unitPriceIdr: unitPrice(settings.serviceFeeIdr),
    open: settings.open,
    serviceFeeCapIdr: reseller.serviceFeeCapIdr,
  };
};
