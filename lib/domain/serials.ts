import { createHmac } from 'node:crypto';

/**
 * e-Meterai serials: 22 characters of A-Z and 0-9.
 *
 * A stamp's serial is fixed when it is sold, as the first 112 bits of HMAC-SHA256(issuer key,
 * "<sale id>:<index>:<generation>") written in base 36. Without the key no serial can be derived from
 * others (HMAC is a pseudo-random function), so serials are unguessable; the issuer's stock needs no item
 * per unsold stamp; and national uniqueness is enforced by a conditional write of one item per sold
 * serial (a collision, odds about 2^-56 after 2^28 sales, cancels the sale's transaction and the
 * next generation is tried).
 */
export const SERIAL_LENGTH = 22;
export const SERIAL_PATTERN = /^[A-Z0-9]{22}$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

const toBase36 = (value: bigint, length: number): string => {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i += 1) {
    out = ALPHABET[Number(rest % 36n)] + out;
    rest /= 36n;
  }
  return out;
};

export const deriveSerial = (key: string, saleId: string, index: number, generation = 0): string => {
  const mac = createHmac('sha256', key).update(`${saleId}:${index}:${generation}`).digest();
  // 112 bits < 36^22 (about 2^113.7), so every value has a distinct 22-character form.
  const value = BigInt(`0x${mac.subarray(0, 14).toString('hex')}`);
  return toBase36(value, SERIAL_LENGTH);
};

export const deriveSerials = (key: string, saleId: string, quantity: number, generation = 0): string[] =>
  Array.from({ length: quantity }, (_, index) => deriveSerial(key, saleId, index, generation));
