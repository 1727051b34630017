import { randomBytes } from 'node:crypto';
import { sha256Hex } from './identifiers.js';

/**
 * API keys carry 256 random bits, so a plain SHA-256 of the key is a safe lookup handle: unlike a NIK,
 * there is nothing to enumerate. The key itself is shown once (credentials file) and never stored.
 */
export const newApiKey = (role: 'reseller' | 'regulator'): string =>
  `kuota_${role === 'reseller' ? 'rs' : 'rg'}_${randomBytes(32).toString('base64url')}`;

export const hashApiKey = (apiKey: string): string => sha256Hex(apiKey);

export const API_KEY_PATTERN = /^kuota_(rs|rg)_[A-Za-z0-9_-]{43}$/;

export const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
};
