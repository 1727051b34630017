import { createHmac, timingSafeEqual } from 'node:crypto';
import { STAMP_FACE_VALUE_IDR } from './money.js';

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
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** An applicant needs 2-3 stamps; the order limit keeps one order inside the national daily cap. */
export const MAX_STAMPS_PER_STOREFRONT_ORDER = 5;

export const unitPrice = (serviceFeeIdr: number): number => STAMP_FACE_VALUE_IDR + serviceFeeIdr;

/** The calendar day in Asia/Jakarta (UTC+7, no daylight saving), which the per-NIK daily cap counts. */
export const jakartaDay = (at: Date): string =>
  new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);

/**
 * The order token is derived from the order id with a server key, so the same Idempotency-Key replay
 * returns the same token without storing it, and only the buyer who received it can read the order.
 */
export const orderToken = (key: string, orderId: string): string =>
  createHmac('sha256', key).update(`order-token:${orderId}`).digest('base64url');

export const orderTokenMatches = (key: string, orderId: string, presented: string | undefined): boolean => {
  if (!presented) return false;
  const expected = Buffer.from(orderToken(key, orderId));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
};

/** A stable bucket for an id, to spread work-index writes. */
export const bucketOf = (id: string, buckets: number): number => {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % buckets;
};
