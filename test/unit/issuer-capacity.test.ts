import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bucket, refill, take } from '../../lib/domain/issuer-capacity.js';

const RATE = 60_000; // stamps per minute = 1 stamp per millisecond

describe('issuer capacity token bucket', () => {
  it('refills in proportion to the time elapsed', () => {
    // Arrange
    const bucket: Bucket = { tokens: 0, updatedAtMs: 1_000 };

    // Act
    const later = refill(bucket, RATE, 1_250);

    // Assert
    expect(later).toEqual({ tokens: 250, updatedAtMs: 1_250 });
  });

  it('never holds more than one minute of minting', () => {
    // Arrange
    const bucket: Bucket = { tokens: 59_000, updatedAtMs: 0 };

    // Act
    const later = refill(bucket, RATE, 10 * 60_000);

    // Assert
    expect(later.tokens).toBe(RATE);
  });

  it('does not refill, nor move its clock back, when the clock goes backwards', () => {
    // Arrange
    const bucket: Bucket = { tokens: 10, updatedAtMs: 5_000 };

    // Act
    const earlier = refill(bucket, RATE, 4_000);

    // Assert
    expect(earlier).toEqual({ tokens: 10, updatedAtMs: 5_000 });
  });

  it('grants what it holds, up to the request, and keeps the rest', () => {
    // Arrange
    const bucket: Bucket = { tokens: 500, updatedAtMs: 0 };

    // Act
    const small = take(bucket, 200, RATE, 0);
    const partial = take(small.next, 1_000, RATE, 0);

    // Assert
    expect(small).toEqual({ granted: 200, next: { tokens: 300, updatedAtMs: 0 }, waitMs: 0 });
    expect(partial.granted).toBe(300);
    expect(partial.next.tokens).toBe(0);
    expect(partial.waitMs).toBe(0);
  });

  it('grants nothing when empty and says how long until the request (or a minute of minting) fits', () => {
    // Arrange
    const empty: Bucket = { tokens: 0, updatedAtMs: 0 };

    // Act
    const chunk = take(empty, 10_000, RATE, 0);
    const huge = take(empty, 10 * RATE, RATE, 0);

    // Assert
    expect(chunk).toEqual({ granted: 0, next: empty, waitMs: 10_000 });
    expect(huge.granted).toBe(0);
    expect(huge.waitMs).toBe(60_000);
  });

  it('never grants fractions: 0.9 tokens grant nothing', () => {
    // Act
    const decision = take({ tokens: 0.9, updatedAtMs: 0 }, 1, RATE, 0);

    // Assert
    expect(decision.granted).toBe(0);
    expect(decision.waitMs).toBe(1);
  });

  it('property: over any schedule of requests, grants never exceed the initial tokens plus the rate × time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1, max: 200_000 })), {
          maxLength: 60,
        }),
        (rate, fill, requests) => {
          // Arrange
          let bucket: Bucket = { tokens: Math.floor(rate * fill), updatedAtMs: 0 };
          const initial = bucket.tokens;
          let now = 0;
          let granted = 0;

          // Act
          for (const [advanceMs, wanted] of requests) {
            now += advanceMs;
            const decision = take(bucket, wanted, rate, now);
            // Assert (per step)
            expect(decision.granted).toBeGreaterThanOrEqual(0);
            expect(decision.granted).toBeLessThanOrEqual(wanted);
            expect(Number.isInteger(decision.granted)).toBe(true);
            expect(decision.next.tokens).toBeGreaterThanOrEqual(0);
            expect(decision.next.tokens).toBeLessThanOrEqual(rate);
            granted += decision.granted;
            bucket = decision.next;
          }

          // Assert (overall)
          expect(granted).toBeLessThanOrEqual(initial + (rate * now) / 60_000 + 1e-6);
        },
      ),
    );
  });

  it('property: after waiting the advised time, the request is granted (at least in part)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 100_000 }),
        (rate, tokens, wanted) => {
          // Arrange
          const empty: Bucket = { tokens, updatedAtMs: 0 };
          const refused = take(empty, wanted, rate, 0);

          // Act
          const retried = take(refused.next, wanted, rate, refused.waitMs);

          // Assert
          expect(refused.granted).toBe(0);
          expect(refused.waitMs).toBeGreaterThan(0);
          expect(retried.granted).toBeGreaterThan(0);
          expect(retried.granted).toBeGreaterThanOrEqual(Math.min(wanted, rate) - 1);
        },
      ),
    );
  });
});
