import { alertStore } from '../adapters/alert-store.js';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { resellerStore } from '../adapters/reseller-store.js';
import { type StorefrontOrder, storefrontStore } from '../adapters/storefront-store.js';
import { config } from '../config.js';
import { alertIdOf } from '../domain/alerts.js';
import { type CivilRegistry, claimHash } from '../domain/civil-registry.js';
import {
  DomainError,
  IdempotencyKeyReusedError,
  NotFoundError,
  RateLimitedError,
  ServiceBusyError,
} from '../domain/errors.js';
import { requestFingerprint, storefrontOrderIdFromKey } from '../domain/identifiers.js';
import { STAMP_FACE_VALUE_IDR } from '../domain/money.js';
import { hashNik } from '../domain/nik.js';
import { assertMaySell, resellerSuspendedError } from '../domain/resellers.js';
import { serialsOf } from '../domain/serials.js';
import {
  jakartaDay,
  orderDraft,
  orderToken,
  ownChannelPriceViolation,
  type RejectionReason,
} from '../domain/storefront-order.js';
import { secrets } from '../secrets.js';
import { civilRegistry } from './deps.js';
import { checkIdentityOncePerDay } from './identity.js';
import { wholesaleOrderView } from './reseller-orders.js';
import { dispatchEvents, eventsFor, fulfilledEvent } from './reseller-webhooks.js';
import { attemptDirectSale, prefetchReservation } from './reservation.js';
import { reportMultiStorefront } from './storefront.js';

/**
 * Own-channel sales (`POST /v1/wholesale/sales`): a reseller's counter or app sells to an applicant in front
 * of it and collects the money itself. The applicant's identity is checked as at a storefront, the price is
 * bounded by the regulator's fee cap, and the stamps are sold at once with their serials, from the same
 * stock, under the same national cap, with the same ledger entries as a storefront sale.
 */

/** The whole sale answers within this budget (the function's timeout is 10 s). */
const SALE_BUDGET_MS = 5_000;

/** Idempotency-Keys of own-channel sales name their orders in a scope of their own (not the storefront's). */
const saleScope = (resellerId: string) => `own-channel:${resellerId}`;

export interface OwnChannelSaleInput {
  readonly resellerId: string;
  readonly nik: string;
  readonly fullName: string;
  readonly birthDate: string;
  readonly quantity: number;
  readonly unitPriceIdr: number;
  readonly idempotencyKey: string;
}

const refusal = (reason: RejectionReason) =>
  new DomainError(
    'SALE_REFUSED',
    reason === 'SOLD_OUT'
      ? 'not enough stock for this sale: nothing was sold'
      : 'this applicant has reached the national daily cap: nothing was sold',
    [],
    { reason },
  );

/** The answer for a stored sale: the stamps (201), or the same refusal again. */
const answerFor = (order: StorefrontOrder, tokenKey: string) => {
  if (order.status === 'REJECTED') throw refusal(order.reason ?? 'SOLD_OUT');
  return {
    ...wholesaleOrderView(order),
    orderToken: orderToken(tokenKey, order.orderId, new Date(order.createdAt)),
    stampingUrls: (order.stamps ?? []).map((serial) => `/v1/stamps/${serial}/stampings`),
  };
};

const replay = (existing: StorefrontOrder, requestHash: string, tokenKey: string) => {
  if (existing.requestHash !== requestHash || existing.channel !== 'OWN_CHANNEL') {
    throw new IdempotencyKeyReusedError('sale');
  }
  return answerFor(existing, tokenKey);
};

export const sellOwnChannel = async (
  input: OwnChannelSaleInput,
  now: () => Date,
  registry: CivilRegistry = civilRegistry(),
) => {
  const deadline = Date.now() + SALE_BUDGET_MS;
  const retry = <T>(unit: () => Promise<T>) =>
    withStoreRetries(unit, { budgetMs: Math.max(0, deadline - Date.now()) });
  const { nikHmacKey, orderTokenKey, serialKey } = await secrets();
  const claim = claimHash(nikHmacKey, input);
  // The claim and the price are part of the body: the same key with another name or price is a 409.
  const requestHash = requestFingerprint(`own-channel:${claim}:${input.quantity}:${input.unitPriceIdr}`);
  const orderId = storefrontOrderIdFromKey(saleScope(input.resellerId), input.idempotencyKey);
  const existing = await retry(() => storefrontStore.getOrder(orderId));
  if (existing) return replay(existing, requestHash, orderTokenKey);

  // Fresh, not cached: a suspension or a lowered fee cap applies to the very next sale.
  const reseller = await retry(() => resellerStore.getReseller(input.resellerId));
  if (!reseller) throw new NotFoundError('reseller');
  assertMaySell(reseller);
  if (ownChannelPriceViolation(input.unitPriceIdr, reseller.serviceFeeCapIdr) === 'ABOVE_FEE_CAP') {
    const maximum = STAMP_FACE_VALUE_IDR + reseller.serviceFeeCapIdr;
    const at = now().toISOString();
    await retry(() =>
      alertStore.recordAlert(alertIdOf('FEE_CAP_VIOLATION_ATTEMPT', input.resellerId), {
        kind: 'FEE_CAP_VIOLATION_ATTEMPT',
        at,
        resellerId: input.resellerId,
        evidence: {
          channel: 'OWN_CHANNEL',
          requestedUnitPriceIdr: input.unitPriceIdr,
          capIdr: reseller.serviceFeeCapIdr,
        },
      }),
    );
    throw new DomainError(
      'FEE_CAP_EXCEEDED',
      `a price of Rp${input.unitPriceIdr} a stamp exceeds the face value plus the regulator’s fee cap (Rp${maximum})`,
      [{ path: 'body.unitPriceIdr', message: `must be at most ${maximum}` }],
    );
  }

  const at = now();
  const day = jakartaDay(at);
  const nikHash = hashNik(nikHmacKey, input.nik);
  const prefetched = prefetchReservation(input.resellerId, nikHash, day, retry);
  prefetched.catch(() => undefined);
  // As at a storefront: the NIK's orders this minute are bounded (a counter cannot probe the registry with
  // guesses at will), and the sale counts among the places the person bought from today (scalper evidence).
  const window = at.toISOString().slice(0, 16);
  const intake = await retry(() =>
    storefrontStore.noteNikIntake({
      nikHash,
      day,
      resellerId: input.resellerId,
      window,
      limit: config().nikIntakePerMinute,
      at: at.toISOString(),
    }),
  );
  if (!intake.allowed) {
    const retryAfter = Math.max(1, 60 - at.getUTCSeconds());
    throw new RateLimitedError('too many sales for this NIK; retry later', retryAfter);
  }
  if (intake.firstAtThisStorefront)
    await reportMultiStorefront(nikHash, day, intake.storefronts, at.toISOString());
  const [counter] = await prefetched;
  const newlyVerified = await checkIdentityOncePerDay(registry, input, claim, counter, deadline);

  const draft = orderDraft({
    orderId,
    resellerId: input.resellerId,
    channel: 'OWN_CHANNEL',
    nikHash,
    quantity: input.quantity,
    requestHash,
    createdAt: at.toISOString(),
  });
  const serials = serialsOf(serialKey, orderId, input.quantity);
  // The reseller's webhook event rides in the sale's own write.
  const recorded = await eventsFor(
    input.resellerId,
    [fulfilledEvent({ ...draft, amountIdr: input.unitPriceIdr * input.quantity }, serials, at.toISOString())],
    at.toISOString(),
  );
  const result = await attemptDirectSale(
    draft,
    { nikDailyCap: config().nikDailyCap, now: () => at },
    {
      unitPriceIdr: input.unitPriceIdr,
      serials,
      retry,
      prefetched,
      extraItems: recorded.items,
      ...(newlyVerified ? { verifiedClaim: newlyVerified } : {}),
    },
  );
  if (result.outcome === 'SOLD') {
    await dispatchEvents(recorded);
    return answerFor(result.order, orderTokenKey);
  }
  // The shards said so: a suspension newer than the cached profile.
  if (result.outcome === 'RESELLER_SUSPENDED') throw resellerSuspendedError();
  if (result.outcome === 'ORDER_CHANGED') {
    const winner = await retry(() => storefrontStore.getOrder(orderId));
    if (winner) return replay(winner, requestHash, orderTokenKey);
    throw new ServiceBusyError(1);
  }
  // Refused (sold out, over the cap): recorded, so a retry with this key gets the same answer.
  try {
    await retry(() => storefrontStore.createRejectedOrder(draft, result.outcome, at.toISOString()));
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    const winner = await retry(() => storefrontStore.getOrder(orderId));
    if (winner) return replay(winner, requestHash, orderTokenKey);
    throw error;
  }
  throw refusal(result.outcome);
};
