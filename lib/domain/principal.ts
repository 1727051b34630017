import { apiKeyWorks } from './api-keys.js';

/** Who is calling, as resolved by the authorizer from the API key. */
export type Principal =
  | { readonly role: 'reseller'; readonly resellerId: string }
  | { readonly role: 'regulator'; readonly regulatorId: string };

export type Role = Principal['role'];

export const RESELLER_ID_PATTERN = /^R[0-9]{2}$/;

/**
 * The principal an API key record names, or undefined when the record is anything but a well-formed
 * reseller or regulator key: the authorizer fails closed (401) on a role it does not know, a missing id, or
 * a revoked key or one whose rotation overlap has ended, never treating an unexpected record as the
 * regulator.
 */
export const principalOfKeyRecord = (record: unknown, now: Date): Principal | undefined => {
  if (!record || typeof record !== 'object') return undefined;
  const { role, resellerId, regulatorId, revokedAt, expiresAt } = record as Record<string, unknown>;
  if (revokedAt !== undefined && revokedAt !== null) return undefined;
  if (expiresAt !== undefined && (typeof expiresAt !== 'string' || !apiKeyWorks({ expiresAt }, now)))
    return undefined;
  if (role === 'reseller' && typeof resellerId === 'string' && RESELLER_ID_PATTERN.test(resellerId))
    return { role, resellerId };
  if (role === 'regulator' && typeof regulatorId === 'string' && regulatorId.length > 0)
    return { role, regulatorId };
  return undefined;
};
