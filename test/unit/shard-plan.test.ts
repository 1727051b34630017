import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  lessClaimed,
  mayReplanOn,
  onHandAfterRefusal,
  onHandAfterTaking,
  planOnSample,
  planOrder,
  refusalBelievable,
  sampleShards,
  widenedSample,
} from '../../lib/domain/shard-plan.js';

/** The plan a sale takes its stock by, and what a snapshot may still say after a refused attempt. */
const shardsArbitrary = fc
  .array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 32 })
  .map((counts) => counts.map((onHand, shard) => ({ shard, onHand })));

describe('planning a sale on the shards', () => {
  it('plans exactly the quantity on shards that hold it, and refuses only when all of them together hold less', () => {
    fc.assert(
      fc.property(
        shardsArbitrary,
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0, max: 0.999 }),
        (shards, quantity, draw) => {
          // Act
          const plan = planOrder(shards, quantity, () => draw);

          // Assert
          const total = shards.reduce((sum, shard) => sum + shard.onHand, 0);
          if (total < quantity) {
            expect(plan).toBeUndefined();
            return;
          }
          expect(plan).toBeDefined();
          const parts = plan ?? [];
          expect(parts.reduce((sum, part) => sum + part.quantity, 0)).toBe(quantity);
          expect(new Set(parts.map((part) => part.shard)).size).toBe(parts.length);
          for (const part of parts) {
            expect(part.quantity).toBeGreaterThan(0);
            expect(part.quantity).toBeLessThanOrEqual(shards[part.shard]?.onHand ?? 0);
          }
          // One shard whenever one shard holds it all.
          if (shards.some((shard) => shard.onHand >= quantity)) expect(parts).toHaveLength(1);
        },
      ),
    );
  });

  it('lowers a refused shard to a bound that never hides stock it still held', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 5 }),
        (truth, extra, part) => {
          // Arrange: the refusal says the shard held less than the part; the snapshot said at least the truth.
          fc.pre(truth < part);
          const snapshot = truth + extra;

          // Act
          const bound = onHandAfterRefusal(snapshot, part);

          // Assert: still at least the truth, below the part, never above what the snapshot said
          expect(bound).toBeGreaterThanOrEqual(truth);
          expect(bound).toBeLessThan(part);
          expect(bound).toBeLessThanOrEqual(snapshot);
        },
      ),
    );
    expect(onHandAfterTaking(3, 2)).toBe(1);
    expect(onHandAfterTaking(1, 2)).toBe(0);
  });

  it('believes "sold out" only from a young snapshot of reads, never from one lowered by a refusal', () => {
    const at = 1_000_000;
    expect(refusalBelievable({ at }, at + 100, 250)).toBe(true);
    expect(refusalBelievable({ at }, at + 250, 250)).toBe(false);
    expect(refusalBelievable({ at, bounded: true }, at + 1, 250)).toBe(false);
    expect(refusalBelievable({ at, sampled: true }, at + 1, 250)).toBe(false);
  });

  it('replans on a marked-down snapshot only when it is a young read of every shard; else reads them all', () => {
    // Arrange
    const at = 1_000_000;

    // Act + Assert: a young full read (marked down by the refusal) is worth planning on again
    expect(mayReplanOn({ at }, at + 100, 250)).toBe(true);
    // a sample, or an older read, is what sent the attempt to a dry shard
    expect(mayReplanOn({ at, sampled: true }, at + 1, 250)).toBe(false);
    expect(mayReplanOn({ at }, at + 250, 250)).toBe(false);
  });
});

describe('sampling the shards a snapshot reads', () => {
  it('draws the asked number of distinct shards, all of them real, in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 128 }),
        fc.integer({ min: 0, max: 140 }),
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (count, size, draws) => {
          // Arrange
          let next = 0;
          const random = () => draws[next++ % draws.length] as number;

          // Act
          const sample = sampleShards(count, size, random);

          // Assert
          expect(sample).toHaveLength(Math.min(count, size));
          expect(new Set(sample).size).toBe(sample.length);
          expect(sample.every((shard) => Number.isInteger(shard) && shard >= 0 && shard < count)).toBe(true);
          expect(sample).toEqual([...sample].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('widens a sample only with shards it has not read that no attempt in flight aims at, at most size of them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 10 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (count, read, claimed, size, draw) => {
          // Arrange
          const claims = new Map(claimed.map((shard) => [shard, 1]));
          const free = Array.from({ length: count }, (_, shard) => shard).filter(
            (shard) => !read.includes(shard) && !claims.has(shard),
          );

          // Act
          const widened = widenedSample(count, read, claims, size, () => draw);

          // Assert
          expect(widened).toHaveLength(Math.min(size, free.length));
          expect(widened.every((shard) => free.includes(shard))).toBe(true);
          expect(new Set(widened).size).toBe(widened.length);
          expect(widened).toEqual([...widened].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('widens a sample of 0–3 with 4 of the 5 shards free of reads and claims (case)', () => {
    // Act
    const widened = widenedSample(10, [0, 1, 2, 3], new Map([[4, 2]]), 4, () => 0);

    // Assert
    expect(widened).toHaveLength(4);
    expect(widened.every((shard) => shard >= 5)).toBe(true);
  });

  it('reaches every shard over many draws (the writes of all instances together still spread)', () => {
    // Arrange
    const seen = new Set<number>();
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };

    // Act
    for (let draw = 0; draw < 200; draw += 1)
      for (const shard of sampleShards(32, 4, random)) seen.add(shard);

    // Assert
    expect(seen.size).toBe(32);
  });

  it('plans a sample only on one shard that holds the whole order (never split while another might hold it)', () => {
    // Arrange
    const sample = [
      { shard: 3, onHand: 1 },
      { shard: 9, onHand: 1 },
    ];

    // Act / Assert
    expect(planOnSample(sample, 2, () => 0)).toBeUndefined();
    expect(planOrder(sample, 2, () => 0)).toEqual([
      { shard: 3, quantity: 1 },
      { shard: 9, quantity: 1 },
    ]);
    expect(planOnSample([{ shard: 5, onHand: 2 }, ...sample], 2, () => 0)).toEqual([
      { shard: 5, quantity: 2 },
    ]);
  });
});

describe('the counts a plan sees while other attempts of the instance are in flight', () => {
  it('takes each claim off its own shard, never below zero, and leaves unclaimed shards as read', () => {
    fc.assert(
      fc.property(
        shardsArbitrary,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 9 })), { maxLength: 8 }),
        (shards, claimList) => {
          // Arrange
          const claims = new Map<number, number>();
          for (const [shard, quantity] of claimList) claims.set(shard, (claims.get(shard) ?? 0) + quantity);

          // Act
          const seen = lessClaimed(shards, claims);

          // Assert
          expect(seen.map((shard) => shard.shard)).toEqual(shards.map((shard) => shard.shard));
          seen.forEach((shard, index) => {
            const read = shards[index]?.onHand ?? 0;
            expect(shard.onHand).toBe(Math.max(0, read - (claims.get(shard.shard) ?? 0)));
          });
        },
      ),
    );
  });

  it('sends a second plan to another shard than the first one claimed', () => {
    // Arrange: two shards that each hold one order of 2; the first plan claimed shard 0.
    const shards = [
      { shard: 0, onHand: 2 },
      { shard: 1, onHand: 2 },
    ];

    // Act: the second planner draws the first shard it is offered.
    const second = planOnSample(lessClaimed(shards, new Map([[0, 2]])), 2, () => 0);

    // Assert
    expect(second).toEqual([{ shard: 1, quantity: 2 }]);
    expect(planOnSample(shards, 2, () => 0)).toEqual([{ shard: 0, quantity: 2 }]);
  });
});
