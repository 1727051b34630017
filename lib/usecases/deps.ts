import { config } from '../config.js';
import { sandboxPaymentGateway } from '../sandbox/payment-gateway-sandbox.js';
import { sandboxTaxAuthority } from '../sandbox/tax-authority-sandbox.js';
import { secrets } from '../secrets.js';
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

export const paymentSettings = async (): Promise<PaymentSettings> => ({
  gateway: sandboxPaymentGateway,
  serialKey: (await secrets()).serialKey,
  now: () => new Date(),
  paymentWatchSeconds: config().paymentWatchSeconds,
});

export const reservationSettings = (): ReservationSettings => ({
  shardCount: config().stockShardCount,
  reservationTtlSeconds: config().reservationTtlSeconds,
  nikDailyCap: config().nikDailyCap,
  gateway: sandboxPaymentGateway,
  now: () => new Date(),
});

export const sweepSettings = (): SweepSettings => ({
  staleQueuedSeconds: 60,
  reconcileAfterSeconds: 60,
  reservationTtlSeconds: config().reservationTtlSeconds,
  pageSize: 100,
});
