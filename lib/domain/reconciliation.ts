/**
 * How the tax reconciliation spends one run: a bounded number of billing checks, shared fairly among the
 * work lanes (one per reseller, plus the shared lane of orders from before lanes existed), so one reseller's
 * tens of thousands of unpaid orders cannot delay another reseller's lost webhook past the first run.
 *
 * Max-min fair: each round gives every lane that still has unchecked orders an equal share of what is left
 * of the budget; a lane that needs less leaves the rest to the next round. Each lane continues from where
 * the previous run left it (a cursor), and starts again from its beginning once it has been read to its end,
 * so every awaiting order is checked once per cycle and the cycle is at most ⌈awaiting ÷ budget⌉ runs long.
 */

/** Billing checks one run makes at most (each is a call to the tax authority, perhaps a credit). */
export const RECONCILIATION_CHECKS_PER_RUN = 500;

/** Checks the run makes at once (calls to the tax authority in flight). */
export const RECONCILIATION_CONCURRENCY = 10;

/**
 * The lanes of one round and each one's share: every active lane an equal share of the budget left; when
 * the budget is smaller than the number of lanes, one check each for the first `budget` lanes from
 * `rotation` on (so the lanes left out are first in the next run).
 */
export const planRound = (
  activeLanes: readonly string[],
  budget: number,
  rotation: number,
): { lane: string; share: number }[] => {
  if (budget <= 0 || activeLanes.length === 0) return [];
  if (budget < activeLanes.length) {
    const start = ((rotation % activeLanes.length) + activeLanes.length) % activeLanes.length;
    const rotated = [...activeLanes.slice(start), ...activeLanes.slice(0, start)];
    return rotated.slice(0, budget).map((lane) => ({ lane, share: 1 }));
  }
  const share = Math.floor(budget / activeLanes.length);
  return activeLanes.map((lane) => ({ lane, share }));
};

/**
 * Orders awaiting payment that this run did not check: all that still await after it, less those it
 * checked and left awaiting (never below 0).
 */
export const reconciliationBacklog = (input: {
  awaitingAfterRun: number;
  checkedStillAwaiting: number;
}): number => Math.max(0, input.awaitingAfterRun - input.checkedStillAwaiting);
