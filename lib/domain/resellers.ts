/** The 26 licensed resellers' ids, R01..R26. */
export const RESELLER_COUNT = 26;
export const RESELLER_IDS: readonly string[] = Array.from(
  { length: RESELLER_COUNT },
  (_, index) => `R${String(index + 1).padStart(2, '0')}`,
);
