import { alertStore } from '../adapters/alert-store.js';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { publishCounts } from '../adapters/metrics.js';
import { queueMessageCounts, queues } from '../adapters/queues.js';
import { resellerStore } from '../adapters/reseller-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { config } from '../config.js';
import { alertIdOf } from '../domain/alerts.js';
import { type CivilRegistry, claimHash } from '../domain/civil-registry.js';
import {
  DomainError,
  IdempotencyKeyReusedError,
  IdentityNotVerifiedError,
  NotFoundError,
  RateLimitedError,
  ServiceBusyError,
} from '../domain/errors.js';
import { requestFingerprint, storefrontOrderIdFromKey } from '../domain/identifiers.js';
import { hashNik } from '../domain/nik.js';
import type { Contact } from '../domain/notices.js';
import { paymentView } from '../domain/payment-gateway.js';
import { assertMaySell, storefrontState } from '../domain/resellers.js';
import { sumShards } from '../domain/stock.js';
import {
  buyerReference,
  clientReference,
  jakartaDay,
  lapseSlowdown,
  nikIntakeFull,
  orderDraft,
  orderToken,
  orderTokenMatches,
  type RejectionReason,
  refundSummary,
  type StorefrontOrder,
  unitPrice,
} from '../domain/storefront-order.js';
import { SaleMetric } from '../infra/metrics.js';
import { logger } from '../logger.js';
import { secrets } from '../secrets.js';
import { civilRegistry, reservationSettings } from './deps.js';
import { checkIdentityOncePerDay } from './identity.js';
import { notifyOrder } from './notices.js';
import { cachedReseller, forgetReseller } from './reseller-cache.js';
import {
  attemptReservation,
  prefetchReservation,
  type ReservationSettings,
  refusalBeforeQueueing,
  releaseHoldOf,
  soldOutForAnyone,
} from './reservation.js';

/** Intake, status and offer of the 26 storefronts. */

/** Time intake may spend in all before answering 429 (the function's timeout is 10 s). */
const INTAKE_BUDGET_MS = 5_000;

/** Until the reservation queue has drained for a minute, its ETA assumes this rate (orders per second). */
export const DEFAULT_DRAIN_PER_SECOND = 50;
const OFFER_TTL_MS = 2_000;

const minuteWindow = (now: Date) => {
  const start = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  return {
    start: start.toISOString().slice(0, 16),
    retryAfterSeconds: Math.max(1, Math.ceil((start.getTime() + 60_000 - now.getTime()) / 1000)),
  };
};

/** Where the buyer reads the order, and the token that lets them. */
const orderLinks = (order: StorefrontOrder, tokenKey: string) => ({
  orderToken: orderToken(tokenKey, order.orderId, new Date(order.createdAt)),
  statusUrl: `/v1/storefronts/${order.resellerId}/orders/${order.orderId}`,
});

export interface PlacedOrder {
  readonly statusCode: 201 | 202;
  readonly body: Awaited<ReturnType<typeof orderStatusView>> & ReturnType<typeof orderLinks>;
  readonly retryAfterSeconds?: number;
  /** The order's version as answered (its entity tag: the page's next read waits for a newer one). */
  readonly version: number;
}

const placed = async (order: StorefrontOrder, tokenKey: string): Promise<PlacedOrder> => {
  const view = await orderStatusView(order);
  return {
    version: order.version,
    // Settled at intake (reserved or refused): 201; accepted into the queue: 202, now and on every replay.
    statusCode: order.queuedAt ? 202 : 201,
    body: { ...view, ...orderLinks(order, tokenKey) },
    retryAfterSeconds: retryAfterFor(order, view.queue?.etaSeconds),
  };
};

/**
 * Same Idempotency-Key, same body: the same order back, as it stands now, with nothing consumed (no
 * counter, no message, no payment). Another body under the same key: 409.
 */
const replay = (existing: StorefrontOrder, requestHash: string, tokenKey: string) => {
  if (existing.requestHash !== requestHash) {
    throw new IdempotencyKeyReusedError('order');
  }
  return placed(existing, tokenKey);
};

/**
 * Intake reserves at once: the answer is 201 with the order RESERVED and its QRIS payment, or REJECTED
 * with its reason (sold out, over the national cap), recorded so that a retry gets the same answer. A
 * suspended or closed storefront is refused with 403 and nothing stored. Only when the
 * reservation path is saturated (throttled or conflicting past its time budget) or others are already
 * waiting in the queue (so no later arrival overtakes them) is the order recorded as QUEUED and answered
 * 202 with its place and an ETA; the reservation consumer takes it from there. An order that no wait can
 * serve (sold out, over the cap) is answered 201 REJECTED at once, whoever waits; a sold-out storefront says
 * so before the identity check (a public answer: no registry call; it still counts among the NIK's orders).
 */
export const placeOrder = async (
  input: {
    resellerId: string;
    nik: string;
    fullName: string;
    birthDate: string;
    quantity: number;
    idempotencyKey: string;
    contact?: Contact;
    /** The source IP: kept only as a keyed hash, to slow down a client whose reservations lapse unpaid. */
    clientId: string;
  },
  now: () => Date,
  settings: ReservationSettings = reservationSettings(),
  registry: CivilRegistry = civilRegistry(),
): Promise<PlacedOrder> => {
  // One budget for the whole intake: under throttling it answers 429 well inside the function's timeout
  // instead of retrying step after step into a 504.
  const deadline = Date.now() + INTAKE_BUDGET_MS;
  const retry = <T>(unit: () => Promise<T>) =>
    withStoreRetries(unit, { budgetMs: Math.max(0, deadline - Date.now()) });
  const reseller = await cachedReseller(input.resellerId);
  if (!reseller) throw new NotFoundError('storefront');
  assertMaySell(reseller);
  if (!reseller.storefrontOpen) throw new DomainError('STOREFRONT_CLOSED', 'this storefront is closed');

  const { nikHmacKey, orderTokenKey } = await secrets();
  const nikHash = hashNik(nikHmacKey, input.nik);
  const claim = claimHash(nikHmacKey, input);
  // The claim is part of the body: the same key with another name is another request (409).
  const requestHash = requestFingerprint(`${claim}:${input.quantity}`);
  const orderId = storefrontOrderIdFromKey(input.resellerId, input.idempotencyKey);
  const clientHash = clientReference(nikHmacKey, input.clientId);
  const at = now();
  // A replay is answered before anything is counted; the buyer's counter and the client's lapses come
  // with it, in the same request.
  const read = await retry(() =>
    storefrontStore.readIntake({ orderId, nikHash, day: jakartaDay(at), clientHash, at }),
  );
  if (read.existing) return replay(read.existing, requestHash, orderTokenKey);

  const window = minuteWindow(at);
  const limits = config();
  const reserveDeadline = Date.now() + limits.intakeReserveBudgetMs;
  const reserveRetry = <T>(unit: () => Promise<T>) =>
    withStoreRetries(unit, { budgetMs: Math.max(0, reserveDeadline - Date.now()) });
  // The reservation's stock snapshot overlaps the intake's own checks (one round trip instead of two).
  const prefetched = prefetchReservation(
    input.resellerId,
    nikHash,
    jakartaDay(at),
    reserveRetry,
    read.counter,
  );
  prefetched.catch(() => undefined);
  // The queue's depth (cached per instance) is asked beside the identity check, not before it.
  const backlog = queueDepth();
  backlog.catch(() => undefined);
  // The per-client limit is the edge's (WAF; see lib/infra/edge.ts): it costs no write here.
  const slowdown = lapseSlowdown(read.clientLapses, limits.clientLapsesPerHour, at);
  if (slowdown !== undefined) {
    throw new RateLimitedError('too many unpaid reservations from this client lapsed; retry later', slowdown);
  }
  const nikLimited = () =>
    new RateLimitedError('too many orders for this NIK; retry later', window.retryAfterSeconds);
  // The NIK's orders this minute, as read: over the limit, refused before the registry is asked. The count
  // itself is taken by the write that settles the order at intake (the reservation's hold, or `noteIntake`'s),
  // whose condition holds the limit exactly under concurrent orders.
  const intakeNote = {
    window: window.start,
    limit: limits.nikIntakePerMinute,
    storefront: input.resellerId,
  };
  if (nikIntakeFull(read.counter.intake[window.start], intakeNote.limit)) throw nikLimited();
  const noteIntake = async () => {
    const noted = await retry(() =>
      storefrontStore.noteNikIntake({
        nikHash,
        day: jakartaDay(at),
        resellerId: input.resellerId,
        window: window.start,
        limit: limits.nikIntakePerMinute,
        at: at.toISOString(),
      }),
    );
    if (!noted.allowed) throw nikLimited();
  };
  const draft = orderDraft({
    orderId,
    resellerId: input.resellerId,
    nikHash,
    quantity: input.quantity,
    requestHash,
    createdAt: at.toISOString(),
    clientHash,
    ...(input.contact ? { contact: input.contact } : {}),
  });
  // Sold out for anyone: told before the registry is asked (`soldOutForAnyone`).
  const soldOut = await soldOutForAnyone(draft, { retry: reserveRetry, prefetched }).catch(
    (error: unknown) => {
      if (error instanceof ServiceBusyError) return undefined;
      throw error;
    },
  );
  // Still one of the NIK's orders of the minute, and one of its storefronts of the day (scalper evidence).
  const noteStorefront = () =>
    read.counter.storefronts.includes(input.resellerId)
      ? Promise.resolve()
      : reportMultiStorefront(
          nikHash,
          jakartaDay(at),
          [...read.counter.storefronts, input.resellerId],
          at.toISOString(),
        );
  if (soldOut) {
    await noteIntake();
    await noteStorefront();
    return rejectAtIntake(draft, soldOut, orderTokenKey, retry);
  }
  // Asked once per person per day: a confirmed claim is remembered on the person's counter by the
  // reservation's hold (read here with the replay check, at no extra request). A refused identity
  // counts as an order of the minute, so a NIK cannot probe the registry at will; a registry that gave no
  // verdict (down, or slow past its 2 s) told nobody anything, so it costs the person nothing and no write
  // (on a slow machine's bench, 1,257 such retries wrote 0.49 units a stamp on the counters).
  const newlyVerified = await checkIdentityOncePerDay(registry, input, claim, read.counter, deadline).catch(
    async (error: unknown) => {
      if (error instanceof IdentityNotVerifiedError) await noteIntake();
      throw error;
    },
  );
  await noteStorefront();

  let heldOn: string | undefined;
  if ((await backlog) === 0) {
    try {
      const result = await attemptReservation(draft, settings, {
        create: true,
        retry: reserveRetry,
        prefetched,
        intakeNote,
        ...(newlyVerified ? { verifiedClaim: newlyVerified } : {}),
      });
      if (result.outcome === 'RESERVED') {
        publishCounts({ [SaleMetric.accepted]: 1, [SaleMetric.reserved]: 1 });
        await notifyOrder(result.order, 'RESERVED', { amountIdr: result.order.amountIdr });
        return placed(result.order, orderTokenKey);
      }
      if (result.outcome === 'INTAKE_LIMITED') throw nikLimited();
      // An order that holds the buyer's count was counted at intake by that hold (`intakeNote`).
      heldOn = result.heldOn;
      if (result.outcome !== 'ORDER_CHANGED') {
        if (!heldOn) await noteIntake();
        return rejectAtIntake(draft, result.outcome, orderTokenKey, retry, heldOn);
      }
      // A concurrent request with the same key won, or the shards moved under us.
      const winner = await retry(() => storefrontStore.getOrder(orderId));
      if (winner) {
        if (heldOn) await giveHoldBack(winner, heldOn, retry);
        return replay(winner, requestHash, orderTokenKey);
      }
    } catch (error) {
      // Saturated: throttled or conflicting past the reservation's budget. The queue takes the order (with
      // its hold, if one was made: the consumer's attempt finds it). Whether the hold was made is not known
      // here, so the intake is noted again: at worst the NIK's minute counts this order twice.
      if (!(error instanceof ServiceBusyError)) throw error;
    }
  } else {
    // Others wait: this order waits behind them, unless it is refused whatever the wait (at a sell-out,
    // most of a surge's late arrivals), which costs no queued order, no message and no polling.
    const refusal = await refusalBeforeQueueing(draft, settings, { retry: reserveRetry, prefetched }).catch(
      (error: unknown) => {
        if (error instanceof ServiceBusyError) return undefined;
        throw error;
      },
    );
    if (refusal) {
      await noteIntake();
      return rejectAtIntake(draft, refusal, orderTokenKey, retry);
    }
  }
  if (!heldOn) await noteIntake();
  return queueOrder(draft, orderTokenKey, retry, settings);
};

/**
 * The buyer's hold given back once the order is REJECTED (`releaseHoldOf`). A failure (throttled past
 * intake's budget) loses nothing: the order's timer finds the rejected order still holding and gives it
 * back (`handleOrderTimer`).
 */
const giveHoldBack = (
  order: StorefrontOrder,
  heldOn: string,
  retry: <T>(unit: () => Promise<T>) => Promise<T>,
): Promise<void> =>
  releaseHoldOf(order, heldOn, retry).catch((error: unknown) =>
    logger.warn('could not give a hold back; the order timer will', {
      orderId: order.orderId,
      error: String(error),
    }),
  );

const rejectAtIntake = async (
  order: StorefrontOrder,
  reason: RejectionReason,
  tokenKey: string,
  retry: <T>(unit: () => Promise<T>) => Promise<T>,
  heldOn?: string,
): Promise<PlacedOrder> => {
  const rejectedAt = new Date().toISOString();
  try {
    await retry(() => storefrontStore.createRejectedOrder(order, reason, rejectedAt));
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const winner = await retry(() => storefrontStore.getOrder(order.orderId));
    if (!winner) throw error;
    if (heldOn) await giveHoldBack(winner, heldOn, retry);
    return replay(winner, order.requestHash, tokenKey);
  }
  publishCounts({ [SaleMetric.accepted]: 1, [SaleMetric.rejected]: 1 });
  const rejected: StorefrontOrder = { ...order, status: 'REJECTED', reason };
  if (heldOn) await giveHoldBack(rejected, heldOn, retry);
  return placed(rejected, tokenKey);
};

/** The order waits in the reservation queue; its timer re-sends it if the message is ever lost. */
const queueOrder = async (
  order: StorefrontOrder,
  tokenKey: string,
  retry: <T>(unit: () => Promise<T>) => Promise<T>,
  settings: ReservationSettings,
): Promise<PlacedOrder> => {
  const now = settings.now();
  await settings.timers.arm(
    order.orderId,
    new Date(now.getTime() + settings.reconcileAfterSeconds * 1000),
    0,
  );
  const queued: StorefrontOrder = { ...order, queuedAt: now.toISOString() };
  try {
    await retry(() => storefrontStore.createQueuedOrder(queued));
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const winner = await retry(() => storefrontStore.getOrder(order.orderId));
    if (!winner) throw error;
    // Our own write whose answer was lost (or a concurrent twin of this request): the order must not wait
    // for its timer, so it is sent to the queue now; a second message is a no-op for the consumer.
    if (winner.status === 'QUEUED' && winner.requestHash === order.requestHash) {
      await queues.requestReservation({ orderId: winner.orderId }).catch((enqueueError: unknown) =>
        logger.warn('enqueue failed; the order timer will re-send it', {
          orderId: winner.orderId,
          error: String(enqueueError),
        }),
      );
    }
    return replay(winner, order.requestHash, tokenKey);
  }
  publishCounts({ [SaleMetric.accepted]: 1, [SaleMetric.queued]: 1 });
  await queues.requestReservation({ orderId: order.orderId }).catch((error: unknown) =>
    // The order's timer re-sends it.
    logger.warn('enqueue failed; the order timer will re-send it', {
      orderId: order.orderId,
      error: String(error),
    }),
  );
  return placed(queued, tokenKey);
};

/** When the buyer should look at the order again (the page obeys it). */
export const retryAfterFor = (
  order: Pick<StorefrontOrder, 'status'>,
  etaSeconds?: number,
): number | undefined => {
  switch (order.status) {
    case 'QUEUED':
      return Math.min(10, Math.max(1, etaSeconds ?? 1));
    case 'RESERVED':
      // The buyer is paying; the capture's webhook usually lands within a second of the payment.
      return 2;
    case 'PAID':
      return 1;
    case 'REFUND_PENDING':
      return 10;
    default:
      return undefined;
  }
};

/** A NIK that orders at this many storefronts in one day is reported to the regulator. */
export const MULTI_STOREFRONT_ALERT_THRESHOLD = 3;

export { buyerReference } from '../domain/storefront-order.js';

/**
 * A NIK at this many storefronts in one day is reported (once a day, with the storefronts): scalper evidence
 * for the regulator. A failure to record it is logged and never loses the sale.
 */
export const reportMultiStorefront = async (
  nikHash: string,
  day: string,
  storefronts: string[],
  at: string,
) => {
  if (storefronts.length < MULTI_STOREFRONT_ALERT_THRESHOLD) return;
  await alertStore
    .recordAlert(alertIdOf('NIK_MULTI_STOREFRONT', nikHash, day), {
      kind: 'NIK_MULTI_STOREFRONT',
      at,
      evidence: { buyer: buyerReference(nikHash), day, storefronts: [...storefronts].sort() },
    })
    .catch((error: unknown) =>
      logger.warn('could not report a multi-storefront NIK', { error: String(error) }),
    );
};

let queueDepthCache: { at: number; depth: number } | undefined;

/** Orders waiting in the reservation queue (per instance, refreshed every 2 s). */
const queueDepth = async (): Promise<number> => {
  const nowMs = Date.now();
  if (queueDepthCache && nowMs - queueDepthCache.at < OFFER_TTL_MS) return queueDepthCache.depth;
  const counts = await queueMessageCounts(config().storefrontOrderQueueUrl);
  const depth = counts.waiting + counts.inFlight;
  queueDepthCache = { at: nowMs, depth };
  return depth;
};

let drainCache: { at: number; perSecond: number } | undefined;

/** The reservation queue's measured drain rate: orders it settled in the last minute (per second). */
const drainPerSecond = async (): Promise<number> => {
  const nowMs = Date.now();
  if (drainCache && nowMs - drainCache.at < OFFER_TTL_MS) return drainCache.perSecond;
  const measured = await withStoreRetries(() => storefrontStore.readDrained(new Date(nowMs))).catch(() => 0);
  const perSecond = measured > 0 ? measured : DEFAULT_DRAIN_PER_SECOND;
  drainCache = { at: nowMs, perSecond };
  return perSecond;
};

export const queueView = async () => {
  const depth = await queueDepth();
  if (depth === 0) return { depth, etaSeconds: 0 };
  return { depth, etaSeconds: Math.ceil(depth / (await drainPerSecond())) };
};

const stockCache = new Map<string, { at: number; onHand: number; allocated: number }>();

export const availabilityOf = (onHand: number, allocated: number): 'AVAILABLE' | 'LOW' | 'SOLD_OUT' => {
  if (onHand <= 0) return 'SOLD_OUT';
  if (onHand < Math.max(50, allocated * 0.05)) return 'LOW';
  return 'AVAILABLE';
};

/**
 * The storefront's availability for its offer (per instance, kept 2 s). A hint to the buyer, never the
 * reservation's truth (its condition is), so an eventually consistent read does: half the read units of
 * the 32 shards, on a read every page makes.
 */
export const cachedStock = async (resellerId: string) => {
  const nowMs = Date.now();
  const hit = stockCache.get(resellerId);
  if (hit && nowMs - hit.at < OFFER_TTL_MS) return hit;
  const total = sumShards(
    await withStoreRetries(() => stockStore.readShards(resellerId, { consistent: false })),
  );
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
    status: storefrontState(reseller),
    availability: availabilityOf(stock.onHand, stock.allocated),
    queue: await queueView(),
  };
};

export const orderStatusView = async (order: StorefrontOrder) => {
  const refund = refundSummary(order);
  return {
    orderId: order.orderId,
    resellerId: order.resellerId,
    status: order.status,
    quantity: order.quantity,
    ...(order.reason ? { reason: order.reason } : {}),
    ...(order.unitPriceIdr !== undefined ? { unitPriceIdr: order.unitPriceIdr } : {}),
    ...(order.expiresAt ? { reservedUntil: order.expiresAt } : {}),
    ...(order.status === 'RESERVED' && order.payment?.qris
      ? { payment: paymentView({ ...order.payment, qris: order.payment.qris }) }
      : {}),
    ...(order.stamps ? { stamps: order.stamps.map((serial) => ({ serial })) } : {}),
    ...(refund ? { refund } : {}),
    ...(order.status === 'QUEUED' ? { queue: await queueView() } : {}),
  };
};

/**
 * The longest a buyer's read may wait for its order to change (`Prefer: wait=N`), inside the function's
 * timeout (25 s) and API Gateway's (29 s). Long enough that under a surge one read usually spans the whole
 * wait from the payment to the stamps: a wait that ends first costs the page a second request.
 */
export const MAX_ORDER_WAIT_SECONDS = 20;
/** The waiting read looks again after 400 ms, then at doubling intervals: a quick change is seen at once, a slow one costs few reads. */
const ORDER_WAIT_FIRST_POLL_MS = 400;

/** Statuses a buyer's read may hold on: the order is waiting for something (a reservation, a payment). */
const HELD_STATUSES: readonly StorefrontOrder['status'][] = ['QUEUED', 'RESERVED', 'PAID'];

/**
 * The buyer's view of an order and its version; without the right token the answer is 404, exactly as for
 * an order that does not exist. With `waitSeconds` (RFC 7240 `Prefer: wait`), a read of an order that is
 * waiting for something (queued, reserved) holds until the order moves on or the wait ends, so a page that
 * has just paid learns of its stamps in one request instead of several. `seenVersion` (the page's
 * `If-None-Match`) says what the reader already has: the read holds only while the order is still that
 * version, so a page waiting for its QR gets the reservation the moment it exists, and one waiting for its
 * stamps is not answered with the reservation it already holds. A reservation is never held past its
 * payment window.
 */
export const getOrderForBuyer = async (
  resellerId: string,
  orderId: string,
  token: string | undefined,
  waitSeconds = 0,
  seenVersion?: number,
) => {
  const { orderTokenKey } = await secrets();
  if (!orderTokenMatches(orderTokenKey, orderId, token)) throw new NotFoundError('order');
  // A buyer that names the version it has seen (its page does, with If-None-Match) is read a moment stale
  // first, at half the read units: that read answers unless it finds no order (a replica behind its first
  // write) or one older than what the buyer has, so an answer never goes back in time. Without a version,
  // the first read is consistent: nothing else says what the buyer may already have seen.
  const stale =
    seenVersion === undefined
      ? undefined
      : await withStoreRetries(() => storefrontStore.getOrder(orderId, { consistent: false }));
  let order =
    stale && seenVersion !== undefined && stale.version >= seenVersion
      ? stale
      : await withStoreRetries(() => storefrontStore.getOrder(orderId));
  if (!order || order.resellerId !== resellerId) throw new NotFoundError('order');
  const first = order;
  const holds = (current: StorefrontOrder) =>
    HELD_STATUSES.includes(current.status) &&
    (seenVersion === undefined ? current.status === first.status : current.version === seenVersion);
  let until = Date.now() + Math.min(MAX_ORDER_WAIT_SECONDS, Math.max(0, waitSeconds)) * 1000;
  if (order.status === 'RESERVED' && order.expiresAt) until = Math.min(until, Date.parse(order.expiresAt));
  let pause = ORDER_WAIT_FIRST_POLL_MS;
  while (holds(order) && Date.now() + 100 < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, until - Date.now())));
    pause *= 2;
    // While waiting, a read a moment stale is as good as a fresh one, at half the read units; one older than
    // what was already read (a replica behind) is no change, never an answer that goes back in time.
    const next = await withStoreRetries(() => storefrontStore.getOrder(orderId, { consistent: false }));
    if (!next) break;
    if (next.version > order.version) order = next;
  }
  return { view: await orderStatusView(order), version: order.version };
};

export const updateStorefront = async (
  resellerId: string,
  settings: { serviceFeeIdr: number; open: boolean },
  now: () => Date,
) => {
  const reseller = await withStoreRetries(() => resellerStore.getReseller(resellerId));
  if (!reseller) throw new NotFoundError('reseller');
  if (settings.serviceFeeIdr > reseller.serviceFeeCapIdr) {
    const at = now().toISOString();
    await withStoreRetries(() =>
      alertStore.recordAlert(alertIdOf('FEE_CAP_VIOLATION_ATTEMPT', resellerId), {
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
  await withStoreRetries(() => resellerStore.updateStorefrontSettings(resellerId, settings));
  forgetReseller(resellerId);
  return {
    resellerId,
    serviceFeeIdr: settings.serviceFeeIdr,
    unitPriceIdr: unitPrice(settings.serviceFeeIdr),
    open: settings.open,
    serviceFeeCapIdr: reseller.serviceFeeCapIdr,
  };
};
