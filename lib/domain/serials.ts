import { createHmac } from 'node:crypto';
import { storefrontOrderIdOf, storefrontOrderNumberOf } from './identifiers.js';

/**
 * e-Meterai serials: 22 characters of A-Z and 0-9, unique by construction.
 *
 * A stamp's serial is the encryption, under the issuer's serial key, of the 112-bit value
 * (order number ‖ stamp index): the 104-bit number behind the storefront order id and an 8-bit index.
 * The cipher is a keyed permutation of the 112-bit space (a balanced Feistel network of 8 rounds whose
 * round function is HMAC-SHA256, Luby-Rackoff), so:
 *   - two different (order, index) pairs never share a serial: a permutation is one-to-one, and an order
 *     id exists once because it is the order item's primary key (created conditionally). No item per
 *     serial is needed to keep serials unique, and a collision cannot happen, not even rarely;
 *   - without the key no serial can be derived from others (the rounds are a pseudo-random function);
 *   - verification decodes the serial back to its order and index and reads that one order.
 */
export const SERIAL_LENGTH = 22;
export const SERIAL_PATTERN = /^[A-Z0-9]{22}$/;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** At most this many stamps in one order (the index takes 8 bits of the serial). */
export const MAX_STAMPS_PER_SERIAL_ORDER = 256;

const HALF_BITS = 56n;
const HALF_MASK = (1n << HALF_BITS) - 1n;
const BLOCK_LIMIT = 1n << 112n;
const ROUNDS = 8;

const toBase36 = (value: bigint, length: number): string => {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i += 1) {
    out = ALPHABET[Number(rest % 36n)] + out;
    rest /= 36n;
  }
  return out;
};

const fromBase36 = (text: string): bigint => {
  let value = 0n;
  for (const char of text) value = value * 36n + BigInt(ALPHABET.indexOf(char));
  return value;
};

const roundFunction = (key: string, round: number, half: bigint): bigint => {
  const mac = createHmac('sha256', key)
    .update(`${round}:${half.toString(16)}`)
    .digest();
  return BigInt(`0x${mac.subarray(0, 7).toString('hex')}`) & HALF_MASK;
};

const encryptBlock = (key: string, block: bigint): bigint => {
  let left = block >> HALF_BITS;
  let right = block & HALF_MASK;
  for (let round = 0; round < ROUNDS; round += 1) {
    [left, right] = [right, left ^ roundFunction(key, round, right)];
  }
  return (left << HALF_BITS) | right;
};

const decryptBlock = (key: string, block: bigint): bigint => {
  let left = block >> HALF_BITS;
  let right = block & HALF_MASK;
  for (let round = ROUNDS - 1; round >= 0; round -= 1) {
    [left, right] = [right ^ roundFunction(key, round, left), left];
  }
  return (left << HALF_BITS) | right;
};

/** The serial of stamp `index` (0-based) of a storefront order. */
export const serialOf = (key: string, orderId: string, index: number): string => {
  const orderNumber = storefrontOrderNumberOf(orderId);
  if (orderNumber === undefined) throw new Error(`${orderId} is not a storefront order id`);
  if (!Number.isInteger(index) || index < 0 || index >= MAX_STAMPS_PER_SERIAL_ORDER)
    throw new Error(`stamp index ${index} is out of range`);
  // 112 bits < 36^22 (about 2^113.7), so every block has a distinct 22-character form.
  return toBase36(encryptBlock(key, (orderNumber << 8n) | BigInt(index)), SERIAL_LENGTH);
};

export const serialsOf = (key: string, orderId: string, quantity: number): string[] =>
  Array.from({ length: quantity }, (_, index) => serialOf(key, orderId, index));

/**
 * The order and index a serial was made from, or undefined when the text cannot be a serial. Every
 * well-formed text decodes to some order; only reading that order tells whether the stamp was sold.
 */
export const decodeSerial = (key: string, serial: string): { orderId: string; index: number } | undefined => {
  if (!SERIAL_PATTERN.test(serial)) return undefined;
  const block = fromBase36(serial);
  if (block >= BLOCK_LIMIT) return undefined;
  const plain = decryptBlock(key, block);
  return { orderId: storefrontOrderIdOf(plain >> 8n), index: Number(plain & 0xffn) };
};
