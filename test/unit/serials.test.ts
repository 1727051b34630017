import { describe, expect, it } from 'vitest';
import { deriveSerial, deriveSerials, SERIAL_LENGTH, SERIAL_PATTERN } from '../../lib/domain/serials.js';

const KEY = 'issuer-serial-key-for-tests-0123456789';

describe('serials', () => {
  it('are 22 characters of A-Z and 0-9', () => {
    // Arrange
    const saleIds = ['SO_A', 'SO_B', 'SO_C'];

    // Act
    const serials = saleIds.flatMap((saleId) => deriveSerials(KEY, saleId, 1_000));

    // Assert
    expect(SERIAL_LENGTH).toBe(22);
    for (const serial of serials) {
      expect(serial).toHaveLength(22);
      expect(serial).toMatch(SERIAL_PATTERN);
    }
  });

  it('100,000 derived serials are all distinct', () => {
    // Arrange
    const perSale = 10_000;
    const saleIds = Array.from({ length: 10 }, (_, index) => `SO_${index}`);

    // Act
    const serials = saleIds.flatMap((saleId) => deriveSerials(KEY, saleId, perSale));

    // Assert
    expect(serials).toHaveLength(100_000);
    expect(new Set(serials).size).toBe(100_000);
  });

  it('are deterministic for the same key, sale id and index', () => {
    // Arrange
    const inputs = [
      ['SO_X', 0],
      ['SO_X', 1],
      ['SO_Y', 0],
    ] as const;

    // Act
    const first = inputs.map(([saleId, index]) => deriveSerial(KEY, saleId, index));
    const second = inputs.map(([saleId, index]) => deriveSerial(KEY, saleId, index));

    // Assert
    expect(second).toEqual(first);
    expect(deriveSerials(KEY, 'SO_X', 2)).toEqual(first.slice(0, 2));
  });

  it('change completely with another key (no serial derivable without the issuer key)', () => {
    // Arrange
    const otherKey = `${KEY}-other`;

    // Act
    const mine = deriveSerials(KEY, 'SO_Z', 1_000);
    const theirs = deriveSerials(otherKey, 'SO_Z', 1_000);

    // Assert
    const mineSet = new Set(mine);
    expect(theirs.filter((serial) => mineSet.has(serial))).toEqual([]);
    // Position by position, the two serials agree on about 22/36 characters at most, never all.
    const samePositions = mine.reduce(
      (sum, serial, i) => sum + [...serial].filter((char, p) => theirs[i]?.[p] === char).length,
      0,
    );
    expect(samePositions / mine.length).toBeLessThan(2);
  });

  it('differ between generations, so a collision retry names a fresh serial', () => {
    // Act
    const generation0 = deriveSerial(KEY, 'SO_G', 5, 0);
    const generation1 = deriveSerial(KEY, 'SO_G', 5, 1);

    // Assert
    expect(generation1).not.toBe(generation0);
    expect(generation1).toMatch(SERIAL_PATTERN);
  });

  it('do not reveal neighbours: consecutive indexes share no long common prefix', () => {
    // Act
    const serials = deriveSerials(KEY, 'SO_N', 2_000);

    // Assert: with a counter in clear, consecutive serials would share most of their characters.
    let longest = 0;
    for (let i = 1; i < serials.length; i += 1) {
      const a = serials[i - 1] ?? '';
      const b = serials[i] ?? '';
      let common = 0;
      while (common < a.length && a[common] === b[common]) common += 1;
      longest = Math.max(longest, common);
    }
    expect(longest).toBeLessThan(6);
  });
});
