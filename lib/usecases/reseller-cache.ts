import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { type ResellerProfile, resellerStore } from '../adapters/reseller-store.js';

/**
 * A reseller's profile is read by every storefront request; read from DynamoDB each time it would be one
 * hot item at surge rates. Each Lambda instance keeps it for a few seconds instead. Decisions that must
 * take effect at once (suspension) are also enforced on the stock shards themselves.
 */
const PROFILE_TTL_MS = 5_000;
const cache = new Map<string, { at: number; profile: ResellerProfile | undefined }>();

export const cachedReseller = async (
  resellerId: string,
  nowMs = Date.now(),
): Promise<ResellerProfile | undefined> => {
  const hit = cache.get(resellerId);
  if (hit && nowMs - hit.at < PROFILE_TTL_MS) return hit.profile;
  const profile = await withStoreRetries(() => resellerStore.getReseller(resellerId));
  cache.set(resellerId, { at: nowMs, profile });
  return profile;
};

export const forgetReseller = (resellerId: string): void => {
  cache.delete(resellerId);
};
