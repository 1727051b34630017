import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storefrontOrderIdFromKey, storefrontOrderIdOf } from '../../lib/domain/identifiers.js';
import {
  decodeSerial,
  MAX_STAMPS_PER_SERIAL_ORDER,
  SERIAL_LENGTH,
  SERIAL_PATTERN,
  serialOf,
  serialsOf,
} from '../../lib/domain/serials.js';

const KEY = 'issuer-serial-key-for-tests-0123456789';

/** Any storefront order id: every 104-bit order number. */
const anyOrderId = fc.bigInt({ min: 0n, max: (1n << 104n) - 1n }).map(storefrontOrderIdOf);
const anyIndex = fc.integer({ min: 0, max: MAX_STAMPS_PER_SERIAL_ORDER - 1 });

describe('serials', () => {
  it('are 22 characters of A-Z and 0-9', () => {
    // Arrange
    const orderIds = ['a', 'b', 'c'].map((key) => storefrontOrderIdFromKey('R01', key));

    // Act
    const serials = orderIds.flatMap((orderId) => serialsOf(KEY, orderId, 5));

    // Assert
    expect(SERIAL_LENGTH).toBe(22);
    for (const serial of serials) expect(serial).toMatch(SERIAL_PATTERN);
  });

  it('decode back to the order and index they were made from, for any order and index', () => {
    fc.assert(
      fc.property(anyOrderId, anyIndex, (orderId, index) => {
        // Act
        const serial = serialOf(KEY, orderId, index);

        // Assert
        expect(serial).toMatch(SERIAL_PATTERN);
        expect(decodeSerial(KEY, serial)).toEqual({ orderId, index });
      }),
      { numRuns: 5_000 },
    );
  });

  it('are unique by construction: distinct (order, index) pairs never share a serial', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(anyOrderId, anyIndex), {
          minLength: 2,
          maxLength: 400,
          selector: ([orderId, index]) => `${orderId}:${index}`,
        }),
        (pairs) => {
          // Act
          const serials = pairs.map(([orderId, index]) => serialOf(KEY, orderId, index));

          // Assert
          expect(new Set(serials).size).toBe(pairs.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('20,000 serials of 4,000 sales of 5 stamps are all distinct', () => {
    // Arrange
    const orderIds = Array.from({ length: 4_000 }, (_, sale) => storefrontOrderIdFromKey('R09', `k-${sale}`));

    // Act
    const serials = orderIds.flatMap((orderId) => serialsOf(KEY, orderId, 5));

    // Assert
    expect(serials).toHaveLength(20_000);
    expect(new Set(serials).size).toBe(20_000);
  });

  it('change completely with another key (no serial derivable without the issuer key)', () => {
    // Arrange
    const otherKey = `${KEY}-other`;
    const orderId = storefrontOrderIdFromKey('R01', 'z');

    // Act
    const mine = serialsOf(KEY, orderId, 200);
    const theirs = serialsOf(otherKey, orderId, 200);

    // Assert
    const mineSet = new Set(mine);
    expect(theirs.filter((serial) => mineSet.has(serial))).toEqual([]);
    // Position by position, two random serials agree on about 22/36 characters; never on most of them.
    const samePositions = mine.reduce(
      (sum, serial, i) => sum + [...serial].filter((char, p) => theirs[i]?.[p] === char).length,
      0,
    );
    expect(samePositions / mine.length).toBeLessThan(2);
  });

  it('do not reveal neighbours: consecutive indexes and orders share no long common prefix', () => {
    // Act: the 256 stamps of one order, and stamp 0 of 256 consecutive order numbers.
    const orderId = storefrontOrderIdFromKey('R01', 'n');
    const ofOneOrder = serialsOf(KEY, orderId, MAX_STAMPS_PER_SERIAL_ORDER);
    const ofConsecutiveOrders = Array.from({ length: 256 }, (_, n) =>
      serialOf(KEY, storefrontOrderIdOf(BigInt(n)), 0),
    );

    // Assert: with a counter in clear, neighbours would share most of their characters.
    for (const serials of [ofOneOrder, ofConsecutiveOrders]) {
      let longest = 0;
      for (let i = 1; i < serials.length; i += 1) {
        const a = serials[i - 1] ?? '';
        const b = serials[i] ?? '';
        let common = 0;
        while (common < a.length && a[common] === b[common]) common += 1;
        longest = Math.max(longest, common);
      }
      expect(longest).toBeLessThan(6);
    }
  });

  it('a text that is not a serial decodes to nothing, and a forged one to an order that does not hold it', () => {
    // Act
    const tooBig = decodeSerial(KEY, 'ZZZZZZZZZZZZZZZZZZZZZZ');
    const malformed = decodeSerial(KEY, 'abc');
    const forged = decodeSerial(KEY, 'A'.repeat(22));

    // Assert: 36^22 > 2^112, so the largest texts are outside the cipher's domain.
    expect(tooBig).toBeUndefined();
    expect(malformed).toBeUndefined();
    expect(forged?.orderId).toMatch(/^SO_/);
    expect(serialOf(KEY, forged?.orderId ?? '', forged?.index ?? 0)).toBe('A'.repeat(22));
  });
});
