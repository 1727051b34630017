import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../lib/api/routes.js';
import {
  ACCOUNTS,
  applyMovement,
  type Balances,
  balancesFromEntries,
  emptyBalances,
  foldBoundary,
  holdingOf,
  InsufficientStockError,
  isBalanced,
  ledgerAccountsOfShards,
  MOVEMENTS,
  type MovementKind,
  SALE_FOLD_LAG_MS,
  settleShard,
  splitAcrossShards,
  sumShards,
} from '../../lib/domain/stock.js';
import { backgroundFunctions } from '../../lib/infra/functions.js';

const KINDS = Object.keys(MOVEMENTS) as MovementKind[];

const movement = fc.record({
  kind: fc.constantFrom<MovementKind>(...KINDS),
  quantity: fc.integer({ min: 1, max: 5_000 }),
});

describe('stock ledger (double entry)', () => {
  it('property: random mint/sell/return sequences keep the ledger balanced', () => {
    fc.assert(
      fc.property(fc.array(movement, { maxLength: 200 }), (movements) => {
        // Arrange
        let balances = emptyBalances();
        const applied: { kind: MovementKind; quantity: number }[] = [];
        let minted = 0;

        // Act
        for (const { kind, quantity } of movements) {
          const { from } = MOVEMENTS[kind];
          const before = balances;
          try {
            balances = applyMovement(balances, kind, quantity);
            applied.push({ kind, quantity });
            if (kind === 'MINT') minted += quantity;
          } catch (error) {
            // Assert: only a real overdraw is refused, and a refusal changes nothing.
            expect(error).toBeInstanceOf(InsufficientStockError);
            expect(from).not.toBe('MINTED');
            expect(before[from]).toBeLessThan(quantity);
            expect(balances).toBe(before);
          }
          // Assert (after every step)
          expect(isBalanced(balances)).toBe(true);
          for (const account of ACCOUNTS) {
            if (account !== 'MINTED') expect(balances[account]).toBeGreaterThanOrEqual(0);
          }
        }

        // Assert
        expect(balancesFromEntries(applied)).toEqual(balances);
        expect(0 - balances.MINTED).toBe(minted);
        expect(balances.ON_HAND + balances.SOLD + balances.RETURNED).toBe(minted);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a movement that would overdraw an account is rejected', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<MovementKind>('SELL', 'RETURN'),
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (kind, held, extra) => {
          // Arrange
          const { from } = MOVEMENTS[kind];
          const balances: Balances = { ...emptyBalances(), MINTED: -held, [from]: held };

          // Act
          const overdraw = () => applyMovement(balances, kind, held + extra);

          // Assert
          expect(overdraw).toThrow(InsufficientStockError);
          if (held > 0) expect(applyMovement(balances, kind, held)[from]).toBe(0);
        },
      ),
    );
  });

  it('rejects quantities that are not positive whole numbers', () => {
    // Arrange
    const balances = applyMovement(emptyBalances(), 'MINT', 10);

    // Act + Assert
    for (const quantity of [0, -1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 2]) {
      expect(() => applyMovement(balances, 'SELL', quantity)).toThrow(RangeError);
    }
  });

  it('the issuer account may go below zero: minting needs no prior stock', () => {
    // Act
    const balances = applyMovement(emptyBalances(), 'MINT', 1_000_000);

    // Assert
    expect(balances).toEqual({ MINTED: -1_000_000, ON_HAND: 1_000_000, SOLD: 0, RETURNED: 0 });
    expect(isBalanced(balances)).toBe(true);
  });

  it('isBalanced detects a stamp that appeared from nowhere or a negative account', () => {
    // Arrange
    const good = applyMovement(applyMovement(emptyBalances(), 'MINT', 10), 'SELL', 4);

    // Act + Assert
    expect(isBalanced(good)).toBe(true);
    expect(isBalanced({ ...good, ON_HAND: good.ON_HAND + 1 })).toBe(false);
    expect(isBalanced({ ...good, ON_HAND: -1, SOLD: good.SOLD + good.ON_HAND + 1 })).toBe(false);
  });
});

describe('stock shards', () => {
  it('property: a split covers the quantity exactly and evenly (parts differ by at most one)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 0, max: 1_000 }),
        (quantity, shardCount, offset) => {
          // Act
          const parts = splitAcrossShards(quantity, shardCount, offset);

          // Assert
          expect(parts).toHaveLength(shardCount);
          expect(parts.reduce((sum, part) => sum + part, 0)).toBe(quantity);
          expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
          expect(parts.every((part) => Number.isInteger(part) && part >= 0)).toBe(true);
        },
      ),
    );
  });

  it('the offset decides which shards get the remainder, so small chunks rotate over the shards', () => {
    // Act
    const first = splitAcrossShards(3, 8, 0);
    const second = splitAcrossShards(3, 8, 6);

    // Assert
    expect(first).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(second).toEqual([1, 0, 0, 0, 0, 0, 1, 1]);
  });

  it('sums shard counters and counts on-hand + reserved + pipeline against the holding cap', () => {
    // Arrange
    const shards = [
      { allocated: 10, onHand: 4, reserved: 3, sold: 2, returned: 1 },
      { allocated: 5, onHand: 5, reserved: 0, sold: 0, returned: 0 },
    ];

    // Act
    const total = sumShards(shards);

    // Assert
    expect(total).toEqual({ allocated: 15, onHand: 9, reserved: 3, sold: 2, returned: 1 });
    expect(holdingOf(total, 100)).toBe(112);
  });
});

describe('the sale fold', () => {
  it('property: a shard settled by its unfolded sales keeps allocated, and the ledger accounts are those of the shard after the fold', () => {
    fc.assert(
      fc.property(
        fc.record({
          onHand: fc.integer({ min: 0, max: 10_000 }),
          held: fc.integer({ min: 0, max: 10_000 }),
          unfolded: fc.integer({ min: 0, max: 10_000 }),
          sold: fc.integer({ min: 0, max: 10_000 }),
          returned: fc.integer({ min: 0, max: 100 }),
        }),
        ({ onHand, held, unfolded, sold, returned }) => {
          // Arrange: the raw shard keeps its unfolded sales in `reserved`, beside the open holds.
          const raw = {
            allocated: onHand + held + unfolded + sold + returned,
            onHand,
            reserved: held + unfolded,
            sold,
            returned,
          };
          const afterFold = { ...raw, reserved: held, sold: sold + unfolded };

          // Act
          const settled = settleShard(raw, unfolded);

          // Assert
          expect(settled).toEqual(afterFold);
          expect(settled.onHand + settled.reserved + settled.sold + settled.returned).toBe(raw.allocated);
          expect(ledgerAccountsOfShards(settled)).toEqual(ledgerAccountsOfShards(afterFold));
        },
      ),
    );
  });

  it('passes only sales stamped before the lag', () => {
    // Arrange
    const now = new Date('2026-12-02T08:00:00.000Z');
    const saleSortKey = (at: string) => `${at}#SELL#SO_x`;

    // Act
    const boundary = foldBoundary(now);

    // Assert
    expect(boundary).toBe('2026-12-02T07:58:00.000Z');
    expect(saleSortKey('2026-12-02T07:57:59.999Z') <= boundary).toBe(true);
    expect(saleSortKey('2026-12-02T07:58:00.000Z') <= boundary).toBe(false);
    expect(saleSortKey('2026-12-02T07:59:30.000Z') <= boundary).toBe(false);
  });

  it('waits out twice the longest run of any function that writes the main table, so no sale commits behind the mark', () => {
    // Arrange: every function that may write a sale (or anything else) to the main table.
    const writers = [...allRoutes, ...backgroundFunctions].filter(
      (fn) => (fn.tables as Record<string, string> | undefined)?.main === 'readwrite',
    );

    // Act
    const longestMs = Math.max(...writers.map((fn) => fn.timeoutSeconds * 1_000));

    // Assert
    expect(writers.length).toBeGreaterThan(5);
    expect(SALE_FOLD_LAG_MS).toBeGreaterThanOrEqual(2 * longestMs);
  });
});
