import { randomBytes } from 'node:crypto';
import { sha256Hex } from './identifiers.js';

/**
 * API keys carry 256 random bits, so a plain SHA-256 of the key is a safe lookup handle: unlike a NIK,
 * there is nothing to enumerate. The key itself is shown once (credentials file, or the issuing API's
 * answer) and never stored.
 */
export const newApiKey = (role: 'reseller' | 'regulator'): string =>
  `kuota_${role === 'reseller' ? 'rs' : 'rg'}_${randomBytes(32).toString('base64url')}`;

export const hashApiKey = (apiKey: string): string => sha256Hex(apiKey);

export const API_KEY_PATTERN = /^kuota_(rs|rg)_[A-Za-z0-9_-]{43}$/;

export const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
};

/** What the key table holds for one key (looked up by the key's hash). */
export interface ApiKeyRecord {
  readonly role: 'reseller' | 'regulator';
  readonly resellerId?: string;
  readonly regulatorId?: string;
  /** The key's public handle (`KY_…`): what the regulator lists, rotates and revokes by. */
  readonly keyId?: string;
  readonly createdAt?: string;
  /** Set by a rotation: the key keeps working until then (the overlap), and not after. */
  readonly expiresAt?: string;
  readonly revokedAt?: string;
}

export type ApiKeyStatus = 'ACTIVE' | 'EXPIRING' | 'EXPIRED' | 'REVOKED';

/** A key works until it is revoked or its rotation overlap has passed, whichever comes first. */
export const apiKeyStatus = (
  record: Pick<ApiKeyRecord, 'expiresAt' | 'revokedAt'>,
  now: Date,
): ApiKeyStatus => {
  if (record.revokedAt) return 'REVOKED';
  if (record.expiresAt === undefined) return 'ACTIVE';
  return Date.parse(record.expiresAt) > now.getTime() ? 'EXPIRING' : 'EXPIRED';
};

export const apiKeyWorks = (record: Pick<ApiKeyRecord, 'expiresAt' | 'revokedAt'>, now: Date): boolean => {
  const status = apiKeyStatus(record, now);
  return status === 'ACTIVE' || status === 'EXPIRING';
};

/**
 * A rotation gives the reseller a new key and lets the old ones work for an overlap, so its systems can
 * switch without an outage; at most 7 days, so a rotation cannot be used to keep a leaked key alive.
 */
export const ROTATION_OVERLAP_SECONDS = { default: 86_400, max: 7 * 86_400 } as const;

/** At most this many working keys per reseller: each rotation or issue beyond it must revoke one first. */
export const MAX_WORKING_KEYS_PER_RESELLER = 5;

/** When the keys a rotation replaces stop working. An already earlier expiry is kept, never extended. */
export const rotatedExpiry = (
  record: Pick<ApiKeyRecord, 'expiresAt'>,
  now: Date,
  overlapSeconds: number,
): string => {
  const proposed = new Date(now.getTime() + overlapSeconds * 1000);
  if (record.expiresAt && Date.parse(record.expiresAt) < proposed.getTime()) return record.expiresAt;
  return proposed.toISOString();
};
