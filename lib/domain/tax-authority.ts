import type { Rupiah } from './money.js';

/**
 * The tax authority as kuota sees it (port). The production adapter would speak DJP's billing interface,
 * which is not public; the sandbox adapter simulates it for local runs and staging.
 */
export interface TaxBilling {
  readonly billingCode: string;
  readonly amountIdr: Rupiah;
  readonly expiresAt: string;
  readonly status: 'UNPAID' | 'PAID' | 'EXPIRED';
  readonly ntpn?: string;
  readonly paidAmountIdr?: Rupiah;
  readonly paidAt?: string;
}

export interface TaxAuthority {
  /** Idempotent on `reference`: asking again for the same reference returns the same billing. */
  createBilling(input: { reference: string; amountIdr: Rupiah; expiresAt: Date }): Promise<TaxBilling>;
  getBilling(billingCode: string): Promise<TaxBilling | undefined>;
}
