import { createHash, randomBytes, randomInt } from 'node:crypto';

/** Crockford base32: no I, L, O, U, so ids survive being read aloud or typed from paper. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const encodeBase32 = (bytes: Uint8Array, length: number): string => {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
};

/** Milliseconds since the epoch in 10 Crockford characters (50 bits; ULID's time part). */
const crockfordTime = (ms: number): string => {
  let out = '';
  let rest = BigInt(Math.max(0, Math.floor(ms)));
  for (let i = 0; i < 10; i += 1) {
    out = CROCKFORD[Number(rest % 32n)] + out;
    rest /= 32n;
  }
  return out;
};

/**
 * Random id, sortable by creation time, ULID-shaped: `<prefix>_<10 chars time><16 chars random>`, all 26 in
 * Crockford base32 (whose alphabet is in ASCII order, so ids sort as their times do).
 */
export const newId = (prefix: string, now: Date = new Date()): string =>
  `${prefix}_${crockfordTime(now.getTime())}${encodeBase32(randomBytes(10), 16)}`;

/**
 * Id derived from an idempotency key: the same (scope, key) always names the same resource, so a retried
 * request finds the resource its first attempt created, even when that attempt's response was lost.
 */
export const idFromIdempotencyKey = (prefix: string, scope: string, key: string): string =>
  `${prefix}_${encodeBase32(createHash('sha256').update(`${scope}\u0000${key}`).digest(), 26)}`;

/** Storefront order ids carry a 104-bit number (21 Crockford characters), which the serials encode. */
const STOREFRONT_ORDER_NUMBER_BITS = 104n;
const STOREFRONT_ORDER_ID_CHARS = 21;
export const STOREFRONT_ORDER_ID_PATTERN = /^SO_[0-9A-HJKMNP-TV-Z]{21}$/;

const crockfordOf = (value: bigint, length: number): string => {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i += 1) {
    out = CROCKFORD[Number(rest & 31n)] + out;
    rest >>= 5n;
  }
  return out;
};

export const storefrontOrderIdOf = (orderNumber: bigint): string =>
  `SO_${crockfordOf(orderNumber, STOREFRONT_ORDER_ID_CHARS)}`;

/** The number behind a storefront order id, or undefined when the text is not one. */
export const storefrontOrderNumberOf = (orderId: string): bigint | undefined => {
  if (!STOREFRONT_ORDER_ID_PATTERN.test(orderId)) return undefined;
  let value = 0n;
  for (const char of orderId.slice(3)) value = (value << 5n) | BigInt(CROCKFORD.indexOf(char));
  return value < 1n << STOREFRONT_ORDER_NUMBER_BITS ? value : undefined;
};

/**
 * A storefront order's id, from its Idempotency-Key: 104 bits of SHA-256(scope, key). Two keys that
 * shared those bits (odds about 10^-16 after 10^8 orders) could not share an order: the second one's
 * conditional create fails and it is answered 409, so a serial still belongs to one order only.
 */
export const storefrontOrderIdFromKey = (scope: string, key: string): string => {
  const digest = createHash('sha256').update(`${scope}\u0000${key}`).digest();
  return storefrontOrderIdOf(BigInt(`0x${digest.subarray(0, 13).toString('hex')}`));
};

export const randomDigits = (count: number): string => {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(randomInt(0, 10));
  return out;
};

export const randomAlphanumeric = (count: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let out = '';
  for (let i = 0; i < count; i += 1) out += alphabet[randomInt(0, alphabet.length)];
  return out;
};

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/**
 * What an Idempotency-Key's request was (its body, as a string), compared on a replay: 128 bits of its
 * SHA-256 in base64url (22 characters). Short because it is stored on every order, whose item must stay
 * under 1 KB; 128 bits make two bodies under one key collide with odds of 2^-128.
 */
export const requestFingerprint = (value: string): string =>
  createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
