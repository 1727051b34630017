import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { queues } from '../adapters/queues.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import {
  nextOrderCheck,
  type OrderCheckSettings,
  orderDraft,
  paymentWatchEnds,
  reservationLapsed,
  type StorefrontOrder,
} from '../domain/storefront-order.js';
import { sqsOrderTimers } from './order-timer-queue.js';
import { expireReservation, type PaymentSettings, reconcileOrderPayments } from './payments.js';
import { releaseHoldOf, type UnwrittenOrder } from './reservation.js';

/**
 * The storefront's clock, one durable message per order (DynamoDB TTL can lag by days, and a scan of an
 * index grows with the backlog): each firing reads the order and does what its state needs now, then arms
 * the next one. Every step is a conditional write or a question to the gateway, so a duplicate or
 * reordered message changes nothing that its twin did not.
 */
export type OrderTimerOutcome =
  /** No such order: a reservation attempt armed the timer and then did not reserve. */
  | 'NO_ORDER'
  /**
   * A new order that held the buyer's count and was never written (its intake died in between), now
   * recorded REJECTED (NOT_COMPLETED) with the count given back; or a rejected one whose hold was not given
   * back yet.
   */
  | 'HOLD_RELEASED'
  /** Delivered before it was due (a long delay takes several 900 s hops): armed again. */
  | 'NOT_DUE'
  | 'REQUEUED'
  /** A reservation asked the gateway; `processed` captures its webhook had not delivered. */
  | 'RECONCILED'
  | 'EXPIRED'
  /** A settled order's payment watch ended after a last look at the gateway. */
  | 'WATCH_ENDED'
  | 'WAITING';

/** A queued order is re-sent this many times at most; a message that keeps failing ends in the DLQ. */
export const MAX_REQUEUES = 5;

export interface OrderTimerSettings extends OrderCheckSettings {
  readonly payments: PaymentSettings;
  /**
   * How long after intake began a hold whose order was never written is settled: past the intake
   * function's timeout, when no intake can still write the order (KUOTA_ABANDONED_HOLD_AFTER_SECONDS).
   */
  readonly abandonedHoldAfterSeconds: number;
}

type OutcomeListener = (outcome: { outcome: OrderTimerOutcome; processed: number }) => void;
const listeners = new Set<OutcomeListener>();

/** Observes every timer's outcome in this process (the local stack's tests tally them). */
export const onOrderTimerOutcome = (listener: OutcomeListener): (() => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

type TimerMessage = { orderId: string; dueAt: string; hop: number; unwritten?: UnwrittenOrder };

export const handleOrderTimer = async (
  message: TimerMessage,
  settings: OrderTimerSettings,
): Promise<{ outcome: OrderTimerOutcome; processed: number }> => {
  const result = await fireOrderTimer(message, settings);
  for (const listener of listeners) listener(result);
  return result;
};

/**
 * A new order's hold, settled by its first timer (`unwritten`). An order never written whose hold is still
 * on the buyer's counter is written REJECTED (NOT_COMPLETED) first, so that no intake still in flight can
 * reserve it, and its count is given back; a rejected order whose hold was not given back (its release
 * failed) is given it back. Undefined: there is nothing to settle, or the order was written meanwhile.
 */
const settleNewOrderHold = async (
  message: TimerMessage & { unwritten: UnwrittenOrder },
  order: StorefrontOrder | undefined,
  now: Date,
): Promise<'HOLD_RELEASED' | 'NO_ORDER' | 'WRITTEN' | undefined> => {
  const { unwritten } = message;
  if (order && order.status !== 'REJECTED') return undefined;
  const counter = await withStoreRetries(() =>
    storefrontStore.readNikDayCounter(unwritten.nikHash, unwritten.day, { consistent: true }),
  );
  if (!counter.held.includes(message.orderId)) return order ? undefined : 'NO_ORDER';
  let rejected = order;
  if (!rejected) {
    const draft = orderDraft({ orderId: message.orderId, ...unwritten });
    const written = await withStoreRetries(() =>
      storefrontStore.createRejectedOrder(draft, 'NOT_COMPLETED', now.toISOString()),
    ).then(
      () => true,
      (error: unknown) => {
        if (!(error instanceof ConditionFailed)) throw error;
        return false;
      },
    );
    // Intake wrote the order after all: its own state decides, as for any order.
    if (!written) return 'WRITTEN';
    rejected = { ...draft, status: 'REJECTED', reason: 'NOT_COMPLETED' };
  }
  await releaseHoldOf(rejected, unwritten.day);
  return 'HOLD_RELEASED';
};

const fireOrderTimer = async (
  message: TimerMessage,
  settings: OrderTimerSettings,
): Promise<{ outcome: OrderTimerOutcome; processed: number }> => {
  const now = settings.payments.now();
  const rearm = (at: Date) => sqsOrderTimers.arm(message.orderId, at, message.hop + 1);
  if (Date.parse(message.dueAt) > now.getTime() + 1_000) {
    await sqsOrderTimers.arm(message.orderId, new Date(message.dueAt), message.hop + 1, message.unwritten);
    return { outcome: 'NOT_DUE', processed: 0 };
  }
  // A read a moment stale is enough (half the read units): every change the timer makes is conditional on
  // the version it read, the capture it may process reads the order afresh, and an order once written is
  // never unwritten. An order that read does not find is read again consistently: a replica may not have it
  // yet, and whether intake wrote the order at all decides what a new order's first timer gives back.
  let order =
    (await withStoreRetries(() => storefrontStore.getOrder(message.orderId, { consistent: false }))) ??
    (await withStoreRetries(() => storefrontStore.getOrder(message.orderId)));
  if (message.unwritten && (!order || order.status === 'REJECTED')) {
    // Not before intake's time is surely up: until then the intake may still write the order itself.
    const settleAt = Date.parse(message.unwritten.createdAt) + settings.abandonedHoldAfterSeconds * 1000;
    if (!order && settleAt > now.getTime()) {
      await sqsOrderTimers.arm(message.orderId, new Date(settleAt), message.hop + 1, message.unwritten);
      return { outcome: 'NOT_DUE', processed: 0 };
    }
    const settled = await settleNewOrderHold({ ...message, unwritten: message.unwritten }, order, now);
    if (settled === 'HOLD_RELEASED' || settled === 'NO_ORDER') return { outcome: settled, processed: 0 };
    if (settled === 'WRITTEN')
      order = await withStoreRetries(() => storefrontStore.getOrder(message.orderId));
  }
  if (!order) return { outcome: 'NO_ORDER', processed: 0 };

  if (order.status === 'QUEUED') {
    if (message.hop >= MAX_REQUEUES) return { outcome: 'WAITING', processed: 0 };
    await queues.requestReservation({ orderId: order.orderId });
    await rearm(nextOrderCheck(order, now, settings) ?? now);
    return { outcome: 'REQUEUED', processed: 0 };
  }

  let outcome: OrderTimerOutcome = 'WAITING';
  let processed = 0;
  if (order.status === 'RESERVED') {
    // The gateway first: a reservation paid in time is fulfilled, never expired.
    processed = await reconcileOrderPayments(order, settings.payments);
    outcome = 'RECONCILED';
    // Only a capture processed just now changed the order; otherwise the read above stands (a change by
    // anyone else makes the expiry's version condition fail, and the order is read again then).
    if (processed > 0) order = await withStoreRetries(() => storefrontStore.getOrder(message.orderId));
    if (order && reservationLapsed(order, now)) {
      const lapsed = order;
      const expired = await expireReservation(lapsed, now.toISOString()).catch((error) => {
        if (!(error instanceof ConditionFailed)) throw error;
        return undefined;
      });
      if (expired) outcome = 'EXPIRED';
      order = expired ?? (await withStoreRetries(() => storefrontStore.getOrder(message.orderId)));
    }
  } else if (order.payment && paymentWatchEnds(order, settings.paymentWatchSeconds) <= now) {
    // Last look at the gateway: a second or late payment whose webhook was lost is refunded now.
    processed = await reconcileOrderPayments(order, settings.payments);
    return { outcome: 'WATCH_ENDED', processed };
  }
  const next = order ? nextOrderCheck(order, now, settings) : undefined;
  if (next) await rearm(next);
  return { outcome, processed };
};
