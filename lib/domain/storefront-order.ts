import { createHmac, timingSafeEqual } from 'node:crypto';
import { STAMP_FACE_VALUE_IDR } from './money.js';
import type { Contact } from './notices.js';
import type { GatewayCapture, GatewayPayment } from './payment-gateway.js';
import type { LedgerEntry, SaleChannel } from './stock.js';

/** A payment as an order keeps it: the QR only while it can still pay the order. */
export type OrderPayment = Omit<GatewayPayment, 'qris'> & { readonly qris?: string };

/**
 * An applicant's order at a reseller's storefront.
 *
 *   QUEUED -> RESERVED -> FULFILLED              (paid in time)
 *      |         |-> EXPIRED                     (not paid within the reservation TTL; stock and cap return)
 *      |         |-> REFUND_PENDING -> REFUNDED  (paid late: 100% back)
 *      '-> REJECTED (SOLD_OUT | BUYER_CAP_EXCEEDED | RESELLER_SUSPENDED | STOREFRONT_CLOSED)
 * A duplicate or wrong-amount payment is refunded in full whatever the order's state.
 */
export const STOREFRONT_ORDER_STATUSES = [
  'QUEUED',
  'RESERVED',
  'REJECTED',
  'PAID',
  'FULFILLED',
  'EXPIRED',
  'REFUND_PENDING',
  'REFUNDED',
] as const;
export type StorefrontOrderStatus = (typeof STOREFRONT_ORDER_STATUSES)[number];

export const REJECTION_REASONS = [
  'SOLD_OUT',
  'BUYER_CAP_EXCEEDED',
  'RESELLER_SUSPENDED',
  'STOREFRONT_CLOSED',
  /** The person holds a reservation whose payment window is still open (their own, or someone's with their identity). */
  'UNPAID_ORDER_PENDING',
  /** This client let this person's last reservation lapse unpaid, within the last payment window. */
  'LAPSED_RECENTLY',
  /**
   * The intake stopped after counting the order against the person's cap and before reserving it (a crash):
   * the order's timer records it as not completed and gives the count back. Nothing was charged.
   */
  'NOT_COMPLETED',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Which states an order may move to. A store expresses a transition as a condition on the current state. */
export const STOREFRONT_ORDER_TRANSITIONS: Readonly<
  Record<StorefrontOrderStatus, readonly StorefrontOrderStatus[]>
> = {
  QUEUED: ['RESERVED', 'REJECTED'],
  RESERVED: ['FULFILLED', 'EXPIRED', 'REFUND_PENDING'],
  REJECTED: ['REFUND_PENDING'],
  PAID: ['FULFILLED'],
  FULFILLED: ['REFUND_PENDING', 'FULFILLED'],
  EXPIRED: ['REFUND_PENDING'],
  REFUND_PENDING: ['REFUNDED', 'REFUND_PENDING'],
  REFUNDED: ['REFUND_PENDING'],
};

/** A refund is settled only by a confirmation of exactly what is owed: 100%, never less, never more. */
export const refundSettles = (owed: Pick<RefundState, 'amountIdr'>, confirmedIdr: number): boolean =>
  confirmedIdr === owed.amountIdr;

export const canTransition = (from: StorefrontOrderStatus, to: StorefrontOrderStatus): boolean =>
  STOREFRONT_ORDER_TRANSITIONS[from].includes(to);

export interface ShardPart {
  readonly shard: number;
  readonly quantity: number;
}

export interface RefundState {
  readonly amountIdr: number;
  readonly status: 'PENDING' | 'COMPLETED';
  readonly captureEventId: string;
  readonly reason: 'LATE_PAYMENT' | 'DUPLICATE_PAYMENT' | 'AMOUNT_MISMATCH';
}

export interface StorefrontOrder {
  readonly orderId: string;
  readonly resellerId: string;
  /** Absent on storefront orders written before channels existed: STOREFRONT (see `channelOf`). */
  readonly channel?: SaleChannel;
  readonly nikHash: string;
  readonly quantity: number;
  readonly status: StorefrontOrderStatus;
  readonly version: number;
  readonly requestHash: string;
  readonly createdAt: string;
  /** Set when intake could not reserve at once and the order waited in the reservation queue. */
  readonly queuedAt?: string;
  readonly reason?: RejectionReason;
  readonly unitPriceIdr?: number;
  readonly amountIdr?: number;
  readonly reservedAt?: string;
  readonly expiresAt?: string;
  readonly day?: string;
  readonly shardParts?: ShardPart[];
  /**
   * The payment it was reserved with. Its QR is kept only while the order can be paid with it: once sold,
   * the order keeps the payment's id (refunds, the payment watch) and drops the QR, which keeps a sold
   * 3-stamp order under 1 KB (one write unit for each later write: stamping, refunds).
   */
  readonly payment?: OrderPayment;
  readonly stamps?: string[];
  readonly paidAt?: string;
  readonly fulfilledAt?: string;
  readonly expiredAt?: string;
  /**
   * Set on a sale whose stamps still sit in this shard's `reserved`, for the sale fold to move to `sold`
   * (see `lib/domain/stock.ts`): a storefront sale from one shard. A sale from several shards moved them in
   * its own transaction and has none.
   */
  readonly foldShard?: number;
  /** The capture that bought the order: a second report of it is a no-op. */
  readonly captureEventId?: string;
  readonly refunds: Record<string, RefundState>;
  /** A keyed hash of the client (source IP) that placed the order: its unpaid lapses slow it down. */
  readonly clientHash?: string;
  /** Where the buyer asked to be told about the order (optional; never the NIK). */
  readonly contact?: Contact;
  /** The document each stamp was affixed to, by stamp slot (`stampSlot(index)`); set once per slot. */
  readonly affixed?: Record<string, StampBinding>;
}

export interface StampBinding {
  readonly documentSha256: string;
  readonly at: string;
  /** The signed bytes of the stamped output (SHA-256 hex) and the stamping that produced it. */
  readonly signedDigestHex?: string;
  readonly stampingId?: string;
}

/** A stamp as the public sees it: sold with its order, affixed once to one document. */
export interface Stamp {
  readonly serial: string;
  readonly status: 'SOLD' | 'AFFIXED';
  readonly resellerId: string;
  readonly orderId: string;
  readonly index: number;
  /** The shard its stock came from: the stamp's affix count lives there. */
  readonly shard: number;
  readonly soldAt: string;
  readonly affixedAt?: string;
  readonly documentSha256?: string;
  readonly signedDigestHex?: string;
  readonly stampingId?: string;
}

/** The attribute of `affixed` that holds stamp `index`'s document. */
export const stampSlot = (index: number): string => `s${index}`;

/**
 * Stamp `index` of an order, when the order sold it under this serial: the order was fulfilled and the
 * serial is the one it holds at that index. Anything else (a forged serial decodes to some order, but
 * not to one that holds it) is not a stamp.
 */
export const stampOf = (order: StorefrontOrder, serial: string, index: number): Stamp | undefined => {
  if (!order.fulfilledAt || order.stamps?.[index] !== serial) return undefined;
  const binding = order.affixed?.[stampSlot(index)];
  return {
    serial,
    status: binding ? 'AFFIXED' : 'SOLD',
    resellerId: order.resellerId,
    orderId: order.orderId,
    index,
    shard: order.shardParts?.[0]?.shard ?? 0,
    soldAt: order.fulfilledAt,
    ...(binding
      ? {
          affixedAt: binding.at,
          documentSha256: binding.documentSha256,
          ...(binding.signedDigestHex ? { signedDigestHex: binding.signedDigestHex } : {}),
          ...(binding.stampingId ? { stampingId: binding.stampingId } : {}),
        }
      : {}),
  };
};

/** When a reservation made at `at` lapses. */
export const reservationExpiry = (at: Date, ttlSeconds: number): Date =>
  new Date(at.getTime() + ttlSeconds * 1000);

/** Instants, not strings: the gateway may write its timestamps with an offset (e.g. +07:00). */
export const paidInTime = (
  order: Pick<StorefrontOrder, 'expiresAt'>,
  capture: Pick<GatewayCapture, 'occurredAt'>,
) => order.expiresAt !== undefined && Date.parse(capture.occurredAt) <= Date.parse(order.expiresAt);

/** A capture buys the order only while it is reserved, for the exact amount, paid before the QR lapsed. */
export const captureBuysOrder = (order: StorefrontOrder, capture: GatewayCapture): boolean =>
  order.status === 'RESERVED' && capture.amountIdr === order.amountIdr && paidInTime(order, capture);

/** A reservation past its expiry that no capture bought: stock and cap go back. */
export const reservationLapsed = (order: Pick<StorefrontOrder, 'status' | 'expiresAt'>, now: Date): boolean =>
  order.status === 'RESERVED' &&
  order.expiresAt !== undefined &&
  Date.parse(order.expiresAt) <= now.getTime();

/**
 * The national cap: a NIK may hold at most `cap` stamps per Asia/Jakarta day across every storefront. The
 * store keeps one counter per NIK and day and takes `quantity` from it only while `counter <= capRoom`.
 */
export const capRoom = (cap: number, quantity: number): number => cap - quantity;
export const fitsNationalCap = (alreadyToday: number, quantity: number, cap: number): boolean =>
  quantity <= cap && alreadyToday <= capRoom(cap, quantity);

/**
 * The buyer's count is held per order: the day counter adds an order's quantity and names the order in one
 * conditional write (the hold), before the stock and the order are written together. `held` lists the
 * orders whose quantity the count holds. An attempt cut short after its hold (a crash, a lost answer) holds
 * already, so its own quantity is not counted against it a second time.
 */
export const countBefore = (
  counter: { readonly count: number; readonly held: readonly string[] },
  order: Pick<StorefrontOrder, 'orderId' | 'quantity'>,
): number => (counter.held.includes(order.orderId) ? counter.count - order.quantity : counter.count);

/**
 * An order in this state gives its held count back: a rejected order can never be reserved (no transition
 * leads out of REJECTED to a sale), so once it is written no attempt still in flight can use the hold. A
 * hold is given back only after that write, never before it.
 */
export const givesHoldBack = (status: StorefrontOrderStatus): boolean => status === 'REJECTED';

/**
 * Intake's per-NIK limit: a NIK places at most `limit` orders in one clock minute, at every storefront
 * together. The store counts the minute on the NIK's day counter and adds one only while the count is below
 * `limit`; a count of `limit` refuses the next order (429).
 */
export const nikIntakeFull = (ordersThisMinute: number | undefined, limit: number): boolean =>
  (ordersThisMinute ?? 0) >= limit;

/**
 * Holding without paying is bounded: a person has at most one unpaid reservation. A reservation sets the
 * person's `holdUntil` to its expiry (and `holdOrder` to itself); another may be made once that instant has
 * passed, or once that order is settled (paid or released), which the new reservation's transaction checks,
 * so the fulfilment writes nothing on the person's counter.
 */
export const holdOpen = (holdUntil: string | undefined, now: Date): boolean =>
  holdUntil !== undefined && Date.parse(holdUntil) > now.getTime();

/**
 * When a person's reservation lapses unpaid, the client that made it may not reserve for that person again
 * for one payment window: a stranger with someone's identity cannot hold it window after window, so the
 * person waits at most one window for their own turn.
 */
export const lapseBlocks = (
  lapse: { lapsedClient?: string; lapsedUntil?: string },
  clientHash: string | undefined,
  now: Date,
): boolean =>
  lapse.lapsedClient !== undefined &&
  lapse.lapsedClient === clientHash &&
  lapse.lapsedUntil !== undefined &&
  Date.parse(lapse.lapsedUntil) > now.getTime();

/** A client with `allowed` unpaid lapses this hour waits until the hour is over (seconds), else undefined. */
export const lapseSlowdown = (lapsesThisHour: number, allowed: number, now: Date): number | undefined => {
  if (lapsesThisHour < allowed) return undefined;
  const hourEnd = Math.ceil((now.getTime() + 1) / 3_600_000) * 3_600_000;
  return Math.max(1, Math.ceil((hourEnd - now.getTime()) / 1000));
};

/**
 * An order's timer: when it must be looked at next. A queued order is re-sent to the reservation queue if
 * it is still waiting; a reservation is reconciled with the gateway once after `reconcileAfterSeconds` (a
 * lost webhook still fulfils it) and again at its expiry (then released); a settled order is looked at once
 * more when its payment watch ends (a second or late payment whose webhook was lost is refunded). Returns
 * undefined when nothing is left to watch.
 */
export interface OrderCheckSettings {
  readonly reconcileAfterSeconds: number;
  readonly reservationTtlSeconds: number;
  readonly paymentWatchSeconds: number;
}

export const firstOrderCheck = (
  now: Date,
  settings: Pick<OrderCheckSettings, 'reconcileAfterSeconds' | 'reservationTtlSeconds'>,
): Date =>
  new Date(now.getTime() + Math.min(settings.reconcileAfterSeconds, settings.reservationTtlSeconds) * 1000);

/** When the payment watch of a settled order ends. */
export const paymentWatchEnds = (
  order: Pick<StorefrontOrder, 'expiresAt' | 'createdAt'>,
  watchSeconds: number,
) => new Date(Date.parse(order.expiresAt ?? order.createdAt) + watchSeconds * 1000);

export const nextOrderCheck = (
  order: StorefrontOrder,
  now: Date,
  settings: Pick<OrderCheckSettings, 'reconcileAfterSeconds' | 'paymentWatchSeconds'>,
): Date | undefined => {
  const nowMs = now.getTime();
  if (order.status === 'QUEUED') return new Date(nowMs + settings.reconcileAfterSeconds * 1000);
  if (order.status === 'RESERVED') {
    const reconcileAt =
      Date.parse(order.reservedAt ?? order.createdAt) + settings.reconcileAfterSeconds * 1000;
    const due = Date.parse(order.expiresAt ?? order.createdAt);
    return new Date(nowMs < reconcileAt && reconcileAt < due ? reconcileAt : Math.max(due, nowMs));
  }
  if (!order.payment) return undefined;
  const watchEnd = paymentWatchEnds(order, settings.paymentWatchSeconds);
  return watchEnd.getTime() > nowMs ? watchEnd : undefined;
};

/** An applicant needs 2-3 stamps; the order limit keeps one order inside the national daily cap. */
export const MAX_STAMPS_PER_STOREFRONT_ORDER = 5;

export const unitPrice = (serviceFeeIdr: number): number => STAMP_FACE_VALUE_IDR + serviceFeeIdr;

export const channelOf = (order: Pick<StorefrontOrder, 'channel'>): SaleChannel =>
  order.channel ?? 'STOREFRONT';

/** The service fee a sale earned: what the buyer paid above face value, for all its stamps. */
export const serviceFeeOf = (order: Pick<StorefrontOrder, 'unitPriceIdr' | 'quantity'>): number =>
  Math.max(0, (order.unitPriceIdr ?? STAMP_FACE_VALUE_IDR) - STAMP_FACE_VALUE_IDR) * order.quantity;

/**
 * A sold order is its own SELL ledger entry (placed in the ledger index by the write that sells it): its
 * stamps leave the reseller's unsold stock when it is paid, with the money of the sale and its channel, so
 * a day's settlement is read from the ledger alone. No entry before it is sold.
 */
export const saleEntryOf = (order: StorefrontOrder): LedgerEntry | undefined =>
  order.fulfilledAt === undefined
    ? undefined
    : {
        entryId: `SELL#${order.orderId}`,
        resellerId: order.resellerId,
        kind: 'SELL',
        quantity: order.quantity,
        shard: order.shardParts?.[0]?.shard ?? 0,
        at: order.fulfilledAt,
        reference: order.orderId,
        amountIdr: order.amountIdr ?? 0,
        serviceFeeIdr: serviceFeeOf(order),
        channel: channelOf(order),
      };

/**
 * An own-channel sale's price per stamp: at least the face value (the duty is owed in full) and at most the
 * face value plus the regulator's service-fee cap, the same ceiling a storefront's fee has.
 */
export const ownChannelPriceViolation = (
  unitPriceIdr: number,
  serviceFeeCapIdr: number,
): 'BELOW_FACE_VALUE' | 'ABOVE_FEE_CAP' | undefined => {
  if (unitPriceIdr < STAMP_FACE_VALUE_IDR) return 'BELOW_FACE_VALUE';
  if (unitPriceIdr > STAMP_FACE_VALUE_IDR + serviceFeeCapIdr) return 'ABOVE_FEE_CAP';
  return undefined;
};

/** The calendar day in Asia/Jakarta (UTC+7, no daylight saving), which the per-NIK daily cap counts. */
export const jakartaDay = (at: Date): string =>
  new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);

/**
 * The order token is derived from the order id with a server key, so the same Idempotency-Key replay
 * returns the same token without storing it, and only the buyer who received it can read the order.
 */
/** How long an order token opens its order (a buyer gets a fresh one from "Lacak pesanan"). */
export const ORDER_TOKEN_DAYS = 30;

const tokenMac = (key: string, orderId: string, expiresAt: number): string =>
  createHmac('sha256', key).update(`order-token:${orderId}:${expiresAt}`).digest('base64url');

/**
 * The buyer's token for one order: `<expiry, epoch seconds, base 36>.<HMAC-SHA256 under the order-token key>`.
 * Signed with a key of its own (not the NIK key), so it can be rotated alone, and it expires. Issued from a
 * fixed instant (the order's creation for the token intake answers with), so a replay gets the same token.
 */
export const orderToken = (key: string, orderId: string, issuedAt: Date): string => {
  const expiresAt = Math.floor(issuedAt.getTime() / 1000) + ORDER_TOKEN_DAYS * 86_400;
  return `${expiresAt.toString(36)}.${tokenMac(key, orderId, expiresAt)}`;
};

export const orderTokenMatches = (
  key: string,
  orderId: string,
  presented: string | undefined,
  now: Date = new Date(),
): boolean => {
  const match = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/.exec(presented ?? '');
  if (!match) return false;
  const expiresAt = Number.parseInt(match[1] as string, 36);
  if (!Number.isSafeInteger(expiresAt) || expiresAt * 1000 <= now.getTime()) return false;
  const expected = Buffer.from(tokenMac(key, orderId, expiresAt));
  const given = Buffer.from(match[2] as string);
  return expected.length === given.length && timingSafeEqual(expected, given);
};

/** A stable bucket for an id, to spread work-index writes. */
export const bucketOf = (id: string, buckets: number): number => {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % buckets;
};

/** A pseudonymous reference to a buyer for evidence: a prefix of the NIK's HMAC, never the NIK. */
export const buyerReference = (nikHash: string): string => `nik:${nikHash.slice(0, 12)}`;

/** A client (source IP) as kuota keeps it: a keyed hash, since a plain hash of an IPv4 address is reversible. */
export const clientReference = (key: string, sourceIp: string): string =>
  createHmac('sha256', key).update(`client:${sourceIp}`).digest('base64url').slice(0, 22);

/**
 * What a buyer or its reseller is told of an order's refunds: their total, COMPLETED once the gateway has
 * confirmed every one of them at the amount owed, PENDING until then; nothing when there is none.
 */
export const refundSummary = (
  order: Pick<StorefrontOrder, 'refunds'>,
): { readonly amountIdr: number; readonly status: 'COMPLETED' | 'PENDING' } | undefined => {
  const refunds = Object.values(order.refunds ?? {});
  if (refunds.length === 0) return undefined;
  return {
    amountIdr: refunds.reduce((sum, refund) => sum + refund.amountIdr, 0),
    status: refunds.every((refund) => refund.status === 'COMPLETED') ? 'COMPLETED' : 'PENDING',
  };
};

/** The sale's terms, fixed when stock is taken: price per stamp, when, which day's cap, which shards. */
export interface SaleTerms {
  readonly unitPriceIdr: number;
  readonly at: string;
  readonly day: string;
  readonly shardParts: StorefrontOrder['shardParts'];
}

/** The order once its stock is taken on these terms: the part a reservation and a counter sale share. */
const withStockTaken = (order: StorefrontOrder, status: StorefrontOrderStatus, terms: SaleTerms) => ({
  ...order,
  status,
  version: order.version + 1,
  unitPriceIdr: terms.unitPriceIdr,
  amountIdr: terms.unitPriceIdr * order.quantity,
  reservedAt: terms.at,
  day: terms.day,
  shardParts: terms.shardParts,
});

/** QUEUED (or new) → RESERVED: stock and the buyer's cap held until `expiresAt`, waiting for `payment`. */
export const reservedFrom = (
  order: StorefrontOrder,
  terms: SaleTerms & { readonly expiresAt: string; readonly payment: StorefrontOrder['payment'] },
): StorefrontOrder => ({
  ...withStockTaken(order, 'RESERVED', terms),
  expiresAt: terms.expiresAt,
  payment: terms.payment,
});

/** A counter sale: taken, paid and fulfilled in one step, its serials issued, none affixed yet. */
export const soldAtCounterFrom = (
  order: StorefrontOrder,
  terms: SaleTerms & { readonly serials: readonly string[] },
): StorefrontOrder => ({
  ...withStockTaken(order, 'FULFILLED', terms),
  paidAt: terms.at,
  fulfilledAt: terms.at,
  stamps: [...terms.serials],
  affixed: {},
});

/**
 * Whether an order in this state holds stock: taken from the shards' onHand at reservation, not yet sold or
 * given back. The shards' `reserved` is the sum of these holds (the ledger audit checks it).
 */
export const holdsStock = (status: StorefrontOrderStatus): boolean =>
  status === 'RESERVED' || status === 'PAID';

/** RESERVED → EXPIRED: not paid in time; its stock and the buyer's cap go back (`reservationLapsed`). */
export const expiredFrom = (order: StorefrontOrder, at: string): StorefrontOrder => ({
  ...order,
  status: 'EXPIRED',
  version: order.version + 1,
  expiredAt: at,
});

/**
 * An order as intake first knows it, before any stock is taken: QUEUED at version 0 (a reservation or a
 * counter sale moves it on, or it is written as it stands when it must wait), no refunds yet.
 */
export const orderDraft = (
  order: Pick<
    StorefrontOrder,
    'orderId' | 'resellerId' | 'nikHash' | 'quantity' | 'requestHash' | 'createdAt'
  > &
    Partial<Pick<StorefrontOrder, 'channel' | 'clientHash' | 'contact'>>,
): StorefrontOrder => ({ ...order, status: 'QUEUED', version: 0, refunds: {} });
