import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { type ResellerProfile, resellerStore } from '../adapters/reseller-store.js';

/**
 * A reseller's profile is read by every storefront request; read from DynamoDB each time it would be one
 * hot item at surge rates. Each Lambda instance keeps it for a few seconds instead. Decisions that must
 * take effect at once (suspension) are also enforced on the stock shards themselves.
 */
const PROFILE_TTL_MS = 5_000;

/**
 * The read is kept from the moment it starts: requests that find the profile expired together (every
 * request of a busy instance, when the TTL runs out under load) share one read instead of each making its
 * own. A read that fails is forgotten, so the next request reads again.
 */
const cache = new Map<string, { at: number; profile: Promise<ResellerProfile | undefined> }>();

export const cachedReseller = async (
  resellerId: string,
  nowMs = Date.now(),
): Promise<ResellerProfile | undefined> => {
  const hit = cache.get(resellerId);
  if (hit && nowMs - hit.at < PROFILE_TTL_MS) return hit.profile;
  const profile = withStoreRetries(() => resellerStore.getReseller(resellerId));
  const entry = { at: nowMs, profile };
  cache.set(resellerId, entry);
  profile.catch(() => {
    if (cache.get(resellerId) === entry) cache.delete(resellerId);
  });
  return profile;
};

export const forgetReseller = (resellerId: string): void => {
  cache.delete(resellerId);
};
