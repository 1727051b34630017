import { DomainError } from './errors.js';

/** The 26 licensed resellers' ids, R01..R26. */
export const RESELLER_COUNT = 26;
export const RESELLER_IDS: readonly string[] = Array.from(
  { length: RESELLER_COUNT },
  (_, index) => `R${String(index + 1).padStart(2, '0')}`,
);

/**
 * A reseller is ACTIVE or SUSPENDED by the regulator. Suspended, it buys no quota and sells nothing (the
 * suspension is also stamped on its stock shards, so reservations stop at once, without reading the hot
 * profile); its storefront may also be closed by the reseller itself.
 */
export const RESELLER_STATUSES = ['ACTIVE', 'SUSPENDED'] as const;
export type ResellerStatus = (typeof RESELLER_STATUSES)[number];

export type RegulatorAction = 'SUSPEND' | 'RESUME';

export const statusAfter = (action: RegulatorAction): ResellerStatus =>
  action === 'SUSPEND' ? 'SUSPENDED' : 'ACTIVE';

/** May buy quota and sell (at the storefront, if open, and at its own counter). */
export const isActive = (reseller: { readonly status: ResellerStatus }): boolean =>
  reseller.status === 'ACTIVE';

/** A sale refused because the regulator suspended the reseller (403, nothing stored). */
export const resellerSuspendedError = (): DomainError =>
  new DomainError('RESELLER_SUSPENDED', 'this reseller is suspended and cannot sell');

export const assertMaySell = (reseller: { readonly status: ResellerStatus }): void => {
  if (!isActive(reseller)) throw resellerSuspendedError();
};

/** What a buyer sees of a storefront: open, closed by its reseller, or suspended by the regulator. */
export const storefrontState = (reseller: {
  readonly status: ResellerStatus;
  readonly storefrontOpen: boolean;
}): 'OPEN' | 'CLOSED' | 'SUSPENDED' =>
  !isActive(reseller) ? 'SUSPENDED' : reseller.storefrontOpen ? 'OPEN' : 'CLOSED';

/** The holding cap: stamps held (in stock and in the pipeline) after an order may not pass it. */
export const holdingCapRoom = (holding: number, cap: number): number => Math.max(0, cap - holding);
export const exceedsHoldingCap = (holding: number, quantity: number, cap: number): boolean =>
  holding + quantity > cap;
