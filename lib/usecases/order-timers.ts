import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { queues } from '../adapters/queues.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import {
  nextOrderCheck,
  type OrderCheckSettings,
  paymentWatchEnds,
  reservationLapsed,
} from '../domain/storefront-order.js';
import { sqsOrderTimers } from './order-timer-queue.js';
import { expireReservation, type PaymentSettings, reconcileOrderPayments } from './payments.js';

/**
 * The storefront's clock, one durable message per order (DynamoDB TTL can lag by days, and a scan of an
 * index grows with the backlog): each firing reads the order and does what its state needs now, then arms
 * the next one. Every step is a conditional write or a question to the gateway, so a duplicate or
 * reordered message changes nothing that its twin did not.
 */
export type OrderTimerOutcome =
  /** No such order: a reservation attempt armed the timer and then did not reserve. */
  | 'NO_ORDER'
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
}

type OutcomeListener = (outcome: { outcome: OrderTimerOutcome; processed: number }) => void;
const listeners = new Set<OutcomeListener>();

/** Observes every timer's outcome in this process (the local stack's tests tally them). */
export const onOrderTimerOutcome = (listener: OutcomeListener): (() => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export const handleOrderTimer = async (
  message: { orderId: string; dueAt: string; hop: number },
  settings: OrderTimerSettings,
): Promise<{ outcome: OrderTimerOutcome; processed: number }> => {
  const result = await fireOrderTimer(message, settings);
  for (const listener of listeners) listener(result);
  return result;
};

const fireOrderTimer = async (
  message: { orderId: string; dueAt: string; hop: number },
  settings: OrderTimerSettings,
): Promise<{ outcome: OrderTimerOutcome; processed: number }> => {
  const now = settings.payments.now();
  const rearm = (at: Date) => sqsOrderTimers.arm(message.orderId, at, message.hop + 1);
  if (Date.parse(message.dueAt) > now.getTime() + 1_000) {
    await rearm(new Date(message.dueAt));
    return { outcome: 'NOT_DUE', processed: 0 };
  }
  let order = await withStoreRetries(() => storefrontStore.getOrder(message.orderId));
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
