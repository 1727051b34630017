import { config } from '../config.js';
import { sandboxTaxAuthority } from '../sandbox/tax-authority-sandbox.js';
import type { QuotaOrderDeps } from './quota-orders.js';

/**
 * Wiring of use cases to adapters. Only the sandbox tax authority exists: DJP's billing interface is not
 * public, and production is out of reach until it is (see README, "Deploying to AWS").
 */
export const quotaOrderDeps = (): QuotaOrderDeps => ({
  taxAuthority: sandboxTaxAuthority,
  billingTtlSeconds: config().billingTtlSeconds,
  now: () => new Date(),
});
