import { config } from '../../lib/config.js';
import { sandboxPaymentGateway } from '../../lib/sandbox/payment-gateway-sandbox.js';
import { secrets } from '../../lib/secrets.js';
import type { BaselineSettings } from './orders.js';

/** The baseline's wiring: the same sandbox gateway, cap and reservation time as kuota's. */
export const baselineSettings = async (): Promise<BaselineSettings> => ({
  gateway: sandboxPaymentGateway,
  nikDailyCap: config().nikDailyCap,
  reservationTtlSeconds: config().reservationTtlSeconds,
  serialKey: (await secrets()).serialKey,
  now: () => new Date(),
});
