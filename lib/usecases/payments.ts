import { alertStore } from '../adapters/alert-store.js';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { crashPoint } from '../adapters/fault-injection.js';
import { publishCounts } from '../adapters/metrics.js';
import { type RefundState, type StorefrontOrder, storefrontStore } from '../adapters/storefront-store.js';
import { alertIdOf } from '../domain/alerts.js';
import { NotFoundError } from '../domain/errors.js';
import type { GatewayCapture, PaymentGateway } from '../domain/payment-gateway.js';
import { serialsOf } from '../domain/serials.js';
import {
  captureBuysOrder,
  channelOf,
  paidInTime,
  refundSettles,
  type StorefrontOrderStatus,
} from '../domain/storefront-order.js';
import { SaleMetric } from '../infra/metrics.js';
import { logger } from '../logger.js';
import { notifyOrder } from './notices.js';
import { dispatchEvents, eventsFor, fulfilledEvent } from './reseller-webhooks.js';

/**
 * Money in, stamps out, or money back: every captured payment ends with the order FULFILLED or the capture
 * refunded in full. Whoever reports a capture (webhook, duplicate webhook, reconciliation) runs the same
 * code; the capture's event id makes the second report a no-op.
 */
export interface PaymentSettings {
  readonly gateway: PaymentGateway;
  readonly serialKey: string;
  readonly now: () => Date;
}

export type CaptureOutcome = 'FULFILLED' | 'REFUND_REQUESTED' | 'ALREADY_PROCESSED';

const refundReason = (order: StorefrontOrder, capture: GatewayCapture): RefundState['reason'] => {
  if (order.status === 'FULFILLED' || order.status === 'PAID') return 'DUPLICATE_PAYMENT';
  if (order.amountIdr !== undefined && capture.amountIdr !== order.amountIdr) return 'AMOUNT_MISMATCH';
  return 'LATE_PAYMENT';
};

/** Orders whose money can no longer buy stamps move to REFUND_PENDING when a capture must go back. */
const statusAfterRefundableCapture = (status: StorefrontOrderStatus): StorefrontOrderStatus =>
  status === 'EXPIRED' || status === 'REFUNDED' || status === 'REJECTED' ? 'REFUND_PENDING' : status;

/**
 * An unpaid reservation lapses: stock and cap return (`storefrontStore.expire`), then the lapse counts
 * against the client that made it. That count is a soft signal: if its write fails the lapse stands and is
 * logged, rather than the lapse being retried (it cannot be: the order has moved on). ConditionFailed: the
 * order changed.
 */
export const expireReservation = async (order: StorefrontOrder, at: string): Promise<StorefrontOrder> => {
  const expired = await withStoreRetries(() => storefrontStore.expire(order, at));
  if (order.clientHash) {
    const clientHash = order.clientHash;
    await withStoreRetries(() => storefrontStore.countClientLapse(clientHash, at)).catch((error: unknown) =>
      logger.warn('a lapse was not counted against its client', {
        orderId: order.orderId,
        error: String(error),
      }),
    );
  }
  return expired;
};

/**
 * A capture of one of kuota's payments. The gateway names the payment and its merchant reference (the
 * order id kuota created it with); the two must belong together, or the capture is not ours (404).
 */
export const handleCapture = async (
  payment: { paymentId: string; orderId: string },
  capture: GatewayCapture,
  settings: PaymentSettings,
): Promise<CaptureOutcome> => {
  const { paymentId, orderId } = payment;
  for (let round = 0; round < 10; round += 1) {
    // The first read may be a moment stale (half the read units): whatever it decides is written on the
    // condition of the version it read, and a write refused, or an order not found or not yet paid with this
    // payment (a replica behind), is read again consistently.
    const order = await withStoreRetries(() => storefrontStore.getOrder(orderId, { consistent: round > 0 }));
    if (round === 0 && order?.payment?.paymentId !== paymentId) continue;
    if (!order || order.payment?.paymentId !== paymentId) throw new NotFoundError('payment');
    // The capture that bought the order is recorded on it; refunded captures have an item of their own.
    if (order.captureEventId === capture.eventId) return 'ALREADY_PROCESSED';
    const at = settings.now().toISOString();

    if (captureBuysOrder(order, capture)) {
      const serials = serialsOf(settings.serialKey, order.orderId, order.quantity);
      const recorded = await eventsFor(order.resellerId, [fulfilledEvent(order, serials, at)], at);
      const outcome = await withStoreRetries(() =>
        storefrontStore.fulfil(order, capture, serials, at, recorded.items),
      );
      if (outcome === 'FULFILLED') {
        publishCounts({ [SaleMetric.fulfilled]: 1, [SaleMetric.stampsSold]: order.quantity });
        await dispatchEvents(recorded);
        await notifyOrder(order, 'FULFILLED', { serials });
        return 'FULFILLED';
      }
      continue;
    }
    if (order.status === 'RESERVED' && !paidInTime(order, capture)) {
      // Paid after the reservation lapsed: release it first (stock and cap return), then refund.
      await expireReservation(order, at).catch((error) => {
        if (!(error instanceof ConditionFailed)) throw error;
      });
      continue;
    }
    if (await withStoreRetries(() => storefrontStore.findCapture(orderId, capture.eventId)))
      return 'ALREADY_PROCESSED';
    const refund = {
      refundId: `RF_${capture.eventId}`,
      amountIdr: capture.amountIdr,
      status: 'PENDING' as const,
      captureEventId: capture.eventId,
      reason: refundReason(order, capture),
    };
    try {
      await withStoreRetries(() =>
        storefrontStore.recordRefundableCapture(
          order,
          capture,
          refund,
          statusAfterRefundableCapture(order.status),
          at,
        ),
      );
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      continue;
    }
    logger.info('capture will be refunded', { orderId, reason: refund.reason });
    crashPoint('payment:after-refund-recorded');
    await requestRefund(paymentId, refund.refundId, capture, settings);
    return 'REFUND_REQUESTED';
  }
  throw new Error('capture did not settle');
};

const requestRefund = async (
  paymentId: string,
  refundId: string,
  capture: Pick<GatewayCapture, 'eventId' | 'amountIdr'>,
  settings: PaymentSettings,
): Promise<void> => {
  // Every gateway call is idempotent (on the refund id, the payment id): a transient failure is retried.
  const refund = await withStoreRetries(() =>
    settings.gateway.requestRefund({
      refundId,
      paymentId,
      captureEventId: capture.eventId,
      amountIdr: capture.amountIdr,
    }),
  );
  if (refund.status === 'COMPLETED') await completeRefund(refundId, refund.amountIdr, settings);
};

/**
 * The gateway confirmed a refund (webhook or reconciliation). It completes only when the confirmed amount is
 * what is owed (the whole capture): anything else leaves the refund open (the sweeper asks the gateway again),
 * raises an alert, and the regulator's refunded figures, which count completed refunds, never include it.
 */
export const completeRefund = async (
  refundId: string,
  amountIdr: number,
  settings: Pick<PaymentSettings, 'now'>,
): Promise<'COMPLETED' | 'ALREADY_COMPLETED' | 'AMOUNT_MISMATCH'> => {
  const lookup = await withStoreRetries(() => storefrontStore.findRefund(refundId));
  if (!lookup) throw new NotFoundError('refund');
  for (let round = 0; round < 10; round += 1) {
    const order = await withStoreRetries(() => storefrontStore.getOrder(lookup.orderId));
    const state = order?.refunds?.[refundId];
    if (!order || !state) throw new NotFoundError('refund');
    if (state.status === 'COMPLETED') return 'ALREADY_COMPLETED';
    if (!refundSettles(state, amountIdr)) {
      await withStoreRetries(() =>
        alertStore.recordAlert(alertIdOf('REFUND_AMOUNT_MISMATCH', refundId), {
          kind: 'REFUND_AMOUNT_MISMATCH',
          at: settings.now().toISOString(),
          resellerId: order.resellerId,
          evidence: { refundId, expectedIdr: state.amountIdr, reportedIdr: amountIdr },
        }),
      );
      logger.warn('refund confirmed with another amount; left open', { refundId });
      return 'AMOUNT_MISMATCH';
    }
    const at = settings.now().toISOString();
    const recorded = await eventsFor(
      order.resellerId,
      [
        {
          type: 'order.refunded',
          reference: refundId,
          data: {
            orderId: order.orderId,
            channel: channelOf(order),
            refundId,
            amountIdr: state.amountIdr,
            reason: state.reason,
            refundedAt: at,
          },
        },
      ],
      at,
    );
    try {
      await withStoreRetries(() =>
        storefrontStore.completeRefund(order, refundId, lookup.eventId, at, recorded.items),
      );
      publishCounts({ [SaleMetric.refunded]: 1 });
      await dispatchEvents(recorded);
      const after = await withStoreRetries(() => storefrontStore.getOrder(lookup.orderId));
      if (after?.status === 'REFUNDED' && order.status !== 'REFUNDED') {
        await notifyOrder(after, 'REFUNDED', { amountIdr: state.amountIdr, eventKey: refundId });
      }
      return 'COMPLETED';
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
    }
  }
  throw new Error('refund completion did not settle');
};

/** Reconciliation of one reserved order: captures the webhook never delivered are processed now. */
export const reconcileOrderPayments = async (
  order: StorefrontOrder,
  settings: PaymentSettings,
): Promise<number> => {
  if (!order.payment) return 0;
  const paymentId = order.payment.paymentId;
  const captures = await withStoreRetries(() => settings.gateway.listCaptures(paymentId));
  let processed = 0;
  for (const capture of [...captures].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt))) {
    const outcome = await handleCapture(
      { paymentId: order.payment.paymentId, orderId: order.orderId },
      capture,
      settings,
    );
    if (outcome !== 'ALREADY_PROCESSED') processed += 1;
  }
  return processed;
};

/** A refund recorded but not confirmed: ask (again) for it and learn whether it completed. */
export const reconcileRefund = async (
  capture: { refundId: string; paymentId: string; eventId: string; amountIdr: number },
  settings: PaymentSettings,
): Promise<'COMPLETED' | 'PENDING'> => {
  const known = await withStoreRetries(() => settings.gateway.getRefund(capture.refundId));
  const refund =
    known ??
    (await withStoreRetries(() =>
      settings.gateway.requestRefund({
        refundId: capture.refundId,
        paymentId: capture.paymentId,
        captureEventId: capture.eventId,
        amountIdr: capture.amountIdr,
      }),
    ));
  if (refund.status !== 'COMPLETED') return 'PENDING';
  const outcome = await completeRefund(capture.refundId, refund.amountIdr, settings);
  return outcome === 'AMOUNT_MISMATCH' ? 'PENDING' : 'COMPLETED';
};
