import { describe, expect, it } from 'vitest';
import { QuotaOrderId } from '../../lib/api/schemas.js';
import { idFromIdempotencyKey, newId, requestFingerprint } from '../../lib/domain/identifiers.js';

describe('idFromIdempotencyKey', () => {
  it('always derives the same id from the same scope and key', () => {
    // Arrange
    const derive = () => idFromIdempotencyKey('QO', 'R01', 'order-2024-09-06-0001');

    // Act
    const ids = Array.from({ length: 5 }, derive);

    // Assert
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toBe(idFromIdempotencyKey('QO', 'R01', 'order-2024-09-06-0001'));
  });

  it('is a valid quota order id: the prefix and 26 Crockford base32 characters', () => {
    // Arrange
    const keys = Array.from({ length: 200 }, (_, index) => `key-${index}`);

    // Act
    const ids = keys.map((key) => idFromIdempotencyKey('QO', 'R07', key));

    // Assert
    for (const id of ids) {
      expect(id).toMatch(/^QO_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(QuotaOrderId.safeParse(id).success).toBe(true);
    }
  });

  it('gives different ids to different keys of one reseller', () => {
    // Arrange
    const keys = Array.from({ length: 1_000 }, (_, index) => `key-${index}`);

    // Act
    const ids = new Set(keys.map((key) => idFromIdempotencyKey('QO', 'R01', key)));

    // Assert
    expect(ids.size).toBe(keys.length);
  });

  it('scopes keys: the same key of two resellers names two resources', () => {
    // Arrange
    const key = 'shared-key-0001';

    // Act
    const first = idFromIdempotencyKey('QO', 'R01', key);
    const second = idFromIdempotencyKey('QO', 'R02', key);

    // Assert
    expect(first).not.toBe(second);
  });

  it('cannot be confused by moving characters between scope and key', () => {
    // Arrange: "R0" + "1x" and "R01" + "x" concatenate to the same text without a separator.

    // Act
    const a = idFromIdempotencyKey('QO', 'R0', '1x');
    const b = idFromIdempotencyKey('QO', 'R01', 'x');

    // Assert
    expect(a).not.toBe(b);
  });

  it('keeps the prefix it is given', () => {
    // Arrange
    const prefix = 'SO';

    // Act
    const id = idFromIdempotencyKey(prefix, 'R01', 'k-00000001');

    // Assert
    expect(id.startsWith('SO_')).toBe(true);
    expect(id.slice(3)).toBe(idFromIdempotencyKey('QO', 'R01', 'k-00000001').slice(3));
  });
});

describe('newId', () => {
  it('is unique and sorts by creation time', () => {
    // Arrange
    const earlier = new Date('2024-09-06T00:00:00Z');
    const later = new Date('2024-09-06T00:00:01Z');

    // Act
    const a = newId('X', earlier);
    const b = newId('X', later);
    const c = newId('X', later);

    // Assert
    expect(a < b).toBe(true);
    expect(b).not.toBe(c);
    expect(a).toMatch(/^X_[0-9A-Z]{26}$/);
  });

  it('is the prefix and 26 Crockford base32 characters (no I, L, O or U)', () => {
    // Act
    const ids = Array.from({ length: 500 }, (_, i) =>
      newId('STP', new Date(1_700_000_000_000 + i * 7_919_000)),
    );

    // Assert
    for (const id of ids) expect(id).toMatch(/^STP_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('sorts as the times it was made at', () => {
    // Arrange
    const times = [0, 1, 31, 32, 1_000, 1_764_547_200_000, 1_764_547_200_001, 4_102_444_800_000];

    // Act
    const ids = times.map((ms) => newId('X', new Date(ms)));

    // Assert
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('requestFingerprint', () => {
  it('names a request body in 22 base64url characters (128 bits), the same body always the same', () => {
    // Arrange
    const bodies = Array.from({ length: 2_000 }, (_, index) => `claim-${index}:${1 + (index % 3)}`);

    // Act
    const prints = bodies.map(requestFingerprint);

    // Assert
    for (const print of prints) expect(print).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(prints).size).toBe(bodies.length);
    expect(requestFingerprint('claim-7:2')).toBe(prints[7]);
    expect(requestFingerprint('claim-7:3')).not.toBe(prints[7]);
  });
});
