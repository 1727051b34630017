import { config } from '../config.js';
import type { CivilRegistry } from '../domain/civil-registry.js';
import type { Notifier } from '../domain/notices.js';
import { sandboxCivilRegistry } from '../sandbox/civil-registry-sandbox.js';
import { sandboxNotifier } from '../sandbox/notifications-sandbox.js';
import { sandboxPaymentGateway } from '../sandbox/payment-gateway-sandbox.js';
import { sandboxTaxAuthority } from '../sandbox/tax-authority-sandbox.js';
import { secrets } from '../secrets.js';
import { sqsOrderTimers } from './order-timer-queue.js';
import type { OrderTimerSettings } from './order-timers.js';
import type { PaymentSettings } from './payments.js';
import type { QuotaOrderDeps } from './quota-orders.js';
import type { ReservationSettings } from './reservation.js';
import type { SweepSettings } from './storefront-sweeper.js';

/**
 * Wiring of use cases to adapters. Only sandbox adapters exist for the tax authority and the payment
 * gateway: DJP's billing interface is not public and no gateway contract is signed (README, "Deploying").
 */
export const quotaOrderDeps = (): QuotaOrderDeps => ({
  taxAuthority: sandboxTaxAuthority,
  billingTtlSeconds: config().billingTtlSeconds,
  now: () => new Date(),
});

/** Notices to buyers (no SMS or e-mail provider is contracted: the sandbox keeps a readable outbox). */
export const notifier = (): Notifier => sandboxNotifier;

/** The identity check of storefront buyers (the civil registry has no public API: the sandbox stands in). */
export const civilRegistry = (): CivilRegistry => sandboxCivilRegistry;

export const paymentSettings = async (): Promise<PaymentSettings> => ({
  gateway: sandboxPaymentGateway,
  serialKey: (await secrets()).serialKey,
  now: () => new Date(),
});

export const reservationSettings = (): ReservationSettings => ({
  shardCount: config().stockShardCount,
  reservationTtlSeconds: config().reservationTtlSeconds,
  reconcileAfterSeconds: config().reconcileAfterSeconds,
  nikDailyCap: config().nikDailyCap,
  onePerPerson: config().oneUnpaidReservationPerPerson,
  gateway: sandboxPaymentGateway,
  timers: sqsOrderTimers,
  now: () => new Date(),
});

export const orderTimerSettings = async (): Promise<OrderTimerSettings> => ({
  reconcileAfterSeconds: config().reconcileAfterSeconds,
  abandonedHoldAfterSeconds: config().abandonedHoldAfterSeconds,
  reservationTtlSeconds: config().reservationTtlSeconds,
  paymentWatchSeconds: config().paymentWatchSeconds,
  payments: await paymentSettings(),
});

export const sweepSettings = (): SweepSettings => ({
  pageSize: 100,
  refundSlaSeconds: config().refundSlaSeconds,
});
