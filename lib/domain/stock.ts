/**
 * Stamp stock and its double-entry ledger.
 *
 * Every stamp is always in exactly one account. A movement takes `quantity` stamps from one account to
 * another; the issuer's MINTED account is the only one allowed below zero (it is the source of all stamps).
 * For each reseller, at every quiet moment: allocated = onHand + reserved + sold + returned (the shards),
 * and the ledger's ON_HAND = the shards' onHand + reserved (`ledgerAccountsOfShards`).
 *
 * A storefront reservation is a hold, not a movement: the stamps stay the reseller's, unsold, while the
 * buyer pays. The hold is recorded where it is decided and undone: the order (RESERVED, with its shard
 * parts) and the shard's `reserved` counter, taken in the one transaction that guards against oversell.
 * The ledger records only what changes whose stamps they are (minted to a reseller, sold to a buyer,
 * returned), so a reservation and its lapse write no entry (two write units each, in a transaction, on
 * every hold; most holds of a surge lapse or sell within minutes). The audit ties the holds to the orders
 * instead: the shards' `reserved` must equal the quantities of the RESERVED orders (`npm run ledger:check`).
 *
 * A storefront sale paid for is written on its order alone (one item, no transaction): the order becomes
 * its own SELL entry in the ledger index, and its stamps stay in the shard's `reserved` until the sale
 * fold (`foldSales`, every minute) moves every sale older than `SALE_FOLD_LAG_MS` from `reserved` to
 * `sold` in one write per shard, past the shard's `foldedThrough` mark. Nothing is sold twice or lost by it:
 * the hold already guarded the stock, and the fold's mark is a compare-and-set. Every reader that shows
 * or audits stock counts the sales past the mark as sold (`settleShard`), so they are exact at once.
 */
export const ACCOUNTS = ['MINTED', 'ON_HAND', 'SOLD', 'RETURNED'] as const;
export type Account = (typeof ACCOUNTS)[number];

export const MOVEMENTS = {
  /** The issuer mints stamps into a reseller's stock (allocation of a paid quota order). */
  MINT: { from: 'MINTED', to: 'ON_HAND' },
  /** A buyer paid (at the storefront, or at the reseller's own channel): the stamps are sold, with serials. */
  SELL: { from: 'ON_HAND', to: 'SOLD' },
  /** A sold stamp was refunded before it was affixed. */
  RETURN: { from: 'SOLD', to: 'RETURNED' },
} as const satisfies Record<string, { from: Account; to: Account }>;
export type MovementKind = keyof typeof MOVEMENTS;

export interface LedgerEntry {
  /** Deterministic from the business event (e.g. `MINT#QO_x#3`, `SELL#SO_y`): a retry names the same entry. */
  readonly entryId: string;
  readonly resellerId: string;
  readonly kind: MovementKind;
  readonly quantity: number;
  readonly shard: number;
  readonly at: string;
  /** The quota order or storefront order behind the movement. */
  readonly reference: string;
  /**
   * On a SELL: the money of the sale (what the buyer paid, of which the service fee above face value) and
   * the channel it was sold through, so a day's settlement is read from the ledger alone.
   */
  readonly amountIdr?: number;
  readonly serviceFeeIdr?: number;
  readonly channel?: SaleChannel;
}

/** Where a reseller sold: its kuota-hosted storefront, or its own channel (counter, own app). */
export const SALE_CHANNELS = ['STOREFRONT', 'OWN_CHANNEL'] as const;
export type SaleChannel = (typeof SALE_CHANNELS)[number];

export type Balances = Record<Account, number>;

export const emptyBalances = (): Balances => ({ MINTED: 0, ON_HAND: 0, SOLD: 0, RETURNED: 0 });

export class InsufficientStockError extends Error {
  override readonly name = 'InsufficientStockError';
}

/** Applies one movement; refuses to take an account other than MINTED below zero. */
export const applyMovement = (balances: Balances, kind: MovementKind, quantity: number): Balances => {
  if (!Number.isSafeInteger(quantity) || quantity <= 0)
    throw new RangeError('a movement moves a positive whole number');
  const { from, to } = MOVEMENTS[kind];
  if (from !== 'MINTED' && balances[from] < quantity) {
    throw new InsufficientStockError(`${from} holds ${balances[from]}, cannot move ${quantity}`);
  }
  return { ...balances, [from]: balances[from] - quantity, [to]: balances[to] + quantity };
};

export const balancesFromEntries = (entries: Iterable<Pick<LedgerEntry, 'kind' | 'quantity'>>): Balances => {
  const balances = emptyBalances();
  for (const entry of entries) {
    const { from, to } = MOVEMENTS[entry.kind];
    balances[from] -= entry.quantity;
    balances[to] += entry.quantity;
  }
  return balances;
};

/** Double entry: the sum over all accounts is zero, and what was minted equals what resellers hold. */
export const isBalanced = (balances: Balances): boolean =>
  ACCOUNTS.reduce((sum, account) => sum + balances[account], 0) === 0 &&
  -balances.MINTED === balances.ON_HAND + balances.SOLD + balances.RETURNED &&
  ACCOUNTS.every((account) => account === 'MINTED' || balances[account] >= 0);

/** Per-shard counters stored on each stock shard item. */
export interface ShardCounters {
  readonly allocated: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly returned: number;
}

export const sumShards = (shards: Iterable<ShardCounters>): ShardCounters => {
  const total = { allocated: 0, onHand: 0, reserved: 0, sold: 0, returned: 0 };
  for (const shard of shards) {
    total.allocated += shard.allocated;
    total.onHand += shard.onHand;
    total.reserved += shard.reserved;
    total.sold += shard.sold;
    total.returned += shard.returned;
  }
  return total;
};

/**
 * How old a sale must be before the fold passes it. A sale's writer stamps its time (`fulfilledAt`, the
 * start of its ledger index sort key) before it commits, and may commit any time until its function times
 * out; the index shows it a moment later. The lag is twice the longest timeout of any function that writes
 * the main table (60 s; a template test holds it so), so the fold's mark never passes over a sale the
 * index does not show yet.
 */
export const SALE_FOLD_LAG_MS = 120_000;

/** The ledger index's sort keys the fold may pass at `now`: those of sales stamped before the lag. */
export const foldBoundary = (now: Date, lagMs = SALE_FOLD_LAG_MS): string =>
  new Date(now.getTime() - lagMs).toISOString();

/**
 * A shard as the ledger sees it: `unfolded` stamps sold from its holds but not yet folded (past its
 * `foldedThrough` mark) are sold, not reserved.
 */
export const settleShard = <C extends ShardCounters>(counters: C, unfolded: number): C => ({
  ...counters,
  reserved: counters.reserved - unfolded,
  sold: counters.sold + unfolded,
});

/**
 * What the ledger's accounts must hold, given the shard counters: a hold (`reserved`) is still the
 * reseller's unsold stock, so the ledger's ON_HAND counts it.
 */
export const ledgerAccountsOfShards = (
  shards: ShardCounters,
): Record<Exclude<Account, 'MINTED'>, number> => ({
  ON_HAND: shards.onHand + shards.reserved,
  SOLD: shards.sold,
  RETURNED: shards.returned,
});

/**
 * Splits `quantity` over `shardCount` shards as evenly as possible, starting at `offset` so successive
 * chunks do not always favour shard 0.
 */
export const splitAcrossShards = (quantity: number, shardCount: number, offset = 0): number[] => {
  const parts = new Array<number>(shardCount).fill(Math.floor(quantity / shardCount));
  const remainder = quantity % shardCount;
  for (let i = 0; i < remainder; i += 1) {
    const index = (offset + i) % shardCount;
    parts[index] = (parts[index] ?? 0) + 1;
  }
  return parts;
};

/** What counts against the holding cap: stock held plus stock already bought but not yet allocated. */
export const holdingOf = (stock: Pick<ShardCounters, 'onHand' | 'reserved'>, pipeline: number): number =>
  stock.onHand + stock.reserved + pipeline;
