import {
  type CivilRegistry,
  CivilRegistryUnavailable,
  type IdentityClaim,
} from '../domain/civil-registry.js';
import {
  IdentityCheckUnavailableError,
  IdentityNotVerifiedError,
  ServiceBusyError,
} from '../domain/errors.js';

/**
 * The civil registry's check of NIK, name and birth date, asked once per person per day (a confirmed claim
 * is remembered as its keyed hash on the person's day counter). Unknown or mismatched: 422, nothing reserved.
 * The registry down (it says it cannot answer): 503 with Retry-After. The registry slow (no answer in 2 s) or
 * intake's own budget spent: 429 with Retry-After, as every busy path answers under a surge: a registry
 * slowed by the surge's own checks is busy, not down, and its callers should come back in a moment, not
 * be told the service is broken. Nothing reserved either way.
 */
export const checkIdentity = async (registry: CivilRegistry, claim: IdentityClaim, deadline: number) => {
  // Our own budget spent (a saturated intake) is our business: 429, as for every busy path, never a 503.
  const left = deadline - Date.now();
  if (left <= REGISTRY_MIN_BUDGET_MS) throw new ServiceBusyError(1);
  const wait = Math.min(REGISTRY_TIMEOUT_MS, left);
  let verdict: Awaited<ReturnType<CivilRegistry['verify']>>;
  try {
    verdict = await withDeadline(registry.verify(claim), wait);
  } catch (error) {
    if (error instanceof RegistryTooSlow) throw new ServiceBusyError(REGISTRY_BUSY_RETRY_SECONDS);
    if (!(error instanceof CivilRegistryUnavailable)) throw error;
    throw new IdentityCheckUnavailableError(5);
  }
  if (verdict !== 'MATCH') throw new IdentityNotVerifiedError(verdict);
};

/**
 * The check as every sale asks it: not again for a claim the person's day counter already holds confirmed.
 * Answers the claim the registry just confirmed (for the sale's write to remember), or undefined.
 */
export const checkIdentityOncePerDay = async (
  registry: CivilRegistry,
  claim: IdentityClaim,
  claimHash: string,
  counter: { readonly verifiedClaim?: string },
  deadline: number,
): Promise<string | undefined> => {
  if (counter.verifiedClaim === claimHash) return undefined;
  await checkIdentity(registry, claim, deadline);
  return claimHash;
};

/** How long the civil registry may take to answer before it counts as down. */
const REGISTRY_TIMEOUT_MS = 2_000;
/** Less intake budget than this left: the check is not started (the intake answers 429). */
const REGISTRY_MIN_BUDGET_MS = 200;

/**
 * When a slow registry's caller is told to come back: as long as after an outage, so the retries do not
 * return into the same slowdown (one bench run with 2 s answered 346 429s).
 */
const REGISTRY_BUSY_RETRY_SECONDS = 5;

/** The registry gave no answer within the time the check allows it. */
class RegistryTooSlow extends Error {
  override readonly name = 'RegistryTooSlow';
}

/** The promise's value, or RegistryTooSlow once `ms` have passed. */
const withDeadline = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new RegistryTooSlow('the registry did not answer in time')),
      Math.max(0, ms),
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
