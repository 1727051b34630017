import { DomainError } from './errors.js';
import { dutyFor, type Rupiah } from './money.js';

/**
 * A reseller's purchase of stamp quota from the tax authority: billing code -> NTPN -> allocation.
 *
 *   AWAITING_PAYMENT --paid--> PAID --allocation--> ALLOCATED
 *          |                     ^
 *          +--expired--> EXPIRED-+ (a late payment still counts: the state received the money)
 */
export const QUOTA_ORDER_STATUSES = ['AWAITING_PAYMENT', 'PAID', 'ALLOCATED', 'EXPIRED'] as const;
export type QuotaOrderStatus = (typeof QUOTA_ORDER_STATUSES)[number];

/** One order may buy at most this many stamps (Rp10 billion of duty), far above any holding cap. */
export const MAX_STAMPS_PER_QUOTA_ORDER = 1_000_000;

export interface QuotaOrder {
  readonly id: string;
  readonly resellerId: string;
  readonly status: QuotaOrderStatus;
  readonly quantity: number;
  readonly amountIdr: Rupiah;
  readonly billingCode: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly ntpn?: string;
  readonly paidAt?: string;
  readonly allocatedQuantity: number;
  readonly allocatedAt?: string;
}

export const newQuotaOrder = (input: {
  id: string;
  resellerId: string;
  quantity: number;
  billingCode: string;
  now: Date;
  billingExpiresAt: Date;
}): QuotaOrder => ({
  id: input.id,
  resellerId: input.resellerId,
  status: 'AWAITING_PAYMENT',
  quantity: input.quantity,
  amountIdr: dutyFor(input.quantity),
  billingCode: input.billingCode,
  createdAt: input.now.toISOString(),
  expiresAt: input.billingExpiresAt.toISOString(),
  allocatedQuantity: 0,
});

/** States from which a confirmed tax payment moves the order to PAID. */
export const PAYABLE_STATUSES: readonly QuotaOrderStatus[] = ['AWAITING_PAYMENT', 'EXPIRED'];

export const assertPaymentMatches = (order: QuotaOrder, paidAmountIdr: number): void => {
  if (paidAmountIdr !== order.amountIdr) {
    throw new DomainError(
      'AMOUNT_MISMATCH',
      `paid amount ${paidAmountIdr} does not equal the billing amount ${order.amountIdr}`,
      [{ path: 'amountIdr', message: `must equal ${order.amountIdr}` }],
      { billingCode: order.billingCode, expected: order.amountIdr, received: paidAmountIdr },
    );
  }
};

export const isExpired = (order: QuotaOrder, now: Date): boolean =>
  order.status === 'AWAITING_PAYMENT' && Date.parse(order.expiresAt) <= now.getTime();
