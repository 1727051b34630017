import { type LedgerCheckSource, scanLedgerSources } from '../adapters/ledger-audit-source.js';
import {
  ACCOUNTS,
  type Balances,
  balancesFromEntries,
  isBalanced,
  type LedgerEntry,
  ledgerAccountsOfShards,
  MOVEMENTS,
  type MovementKind,
  type ShardCounters,
  settleShard,
} from '../domain/stock.js';
import { holdsStock, type StorefrontOrderStatus } from '../domain/storefront-order.js';
import { Index } from '../infra/resources.js';

/**
 * The offline audit behind `npm run ledger:check`: reads every stock shard, every ledger entry, every
 * reseller profile, every quota order and every storefront order of the main table (one paginated,
 * strongly consistent Scan) and checks, per reseller and nationally, that the stored numbers agree with
 * each other:
 *
 *   Σ MINT entries = Σ shards' allocated = Σ quota orders' allocatedQuantity
 *   shards' allocated = onHand + reserved + sold + returned, where a sale not yet folded onto its shard
 *   (a `foldShard` order past the shard's `foldedThrough` mark) is counted sold, not reserved
 *   ledger balances (replayed entries) = shard counters, account by account (`ledgerAccountsOfShards`:
 *   the ledger's ON_HAND is the shards' onHand + reserved), and are double-entry balanced
 *   shards' reserved = Σ quantity of the orders that hold stock (RESERVED): a hold is no ledger entry
 *   per sold order: one SELL entry of its quantity (the order itself, placed in its reseller's ledger
 *   index); no SELL entry without its sold order
 *   per order: its MINT entries sum to its allocatedQuantity; per shard: MINT shard parts = allocated
 *   pipeline = awaiting-payment quantity + paid-but-unallocated quantity
 *   nationally minted = Σ allocated; no entry id twice; no counter below zero
 *
 * Only meaningful at a quiet moment (no allocation or sale in flight).
 */

export interface ResellerLedgerLine {
  readonly resellerId: string;
  /** Σ quantity of the reseller's MINT ledger entries. */
  readonly minted: number;
  /** The shard counters summed over the reseller's shards. */
  readonly shards: ShardCounters;
  /** Balances replayed from the reseller's ledger entries. */
  readonly ledger: Balances;
  /** Σ allocatedQuantity over the reseller's quota orders. */
  readonly ordersAllocated: number;
  /** The profile's pipeline counter and what the quota orders say it should be. */
  readonly pipeline: number | undefined;
  readonly expectedPipeline: number;
  readonly entryCount: number;
  readonly differences: readonly string[];
}

export interface NegativeCounter {
  readonly resellerId: string;
  readonly shard: number;
  readonly counter: keyof ShardCounters;
  readonly value: number;
}

export interface LedgerCheckReport {
  readonly checkedAt: string;
  readonly resellers: readonly ResellerLedgerLine[];
  /** Σ MINT over every ledger entry in the country. */
  readonly nationallyMinted: number;
  /** Σ allocated over every reseller's shards. */
  readonly totalAllocated: number;
  readonly duplicateEntryIds: readonly string[];
  readonly negativeCounters: readonly NegativeCounter[];
  /** Every difference found, one readable line each; empty when the ledger is balanced. */
  readonly differences: readonly string[];
  readonly balanced: boolean;
  readonly scanned: {
    readonly stockShards: number;
    readonly ledgerEntries: number;
    readonly quotaOrders: number;
    readonly storefrontOrders: number;
    readonly resellers: number;
  };
}

const COUNTERS = [
  'allocated',
  'onHand',
  'reserved',
  'sold',
  'returned',
] as const satisfies readonly (keyof ShardCounters)[];

/** How the audit's report names the shard counters each ledger account is compared with. */
const SHARD_COUNTERS_OF_ACCOUNT: Record<Exclude<(typeof ACCOUNTS)[number], 'MINTED'>, string> = {
  ON_HAND: 'onHand + reserved',
  SOLD: 'sold',
  RETURNED: 'returned',
};

type Item = Record<string, unknown>;

/** Every attribute the audit below reads, of any item kind: the scan reads no other. */
const AUDITED_ATTRIBUTES = [
  'pk',
  'sk',
  'entity',
  'resellerId',
  ...COUNTERS,
  'shardIndex',
  'entryId',
  'kind',
  'quantity',
  'reference',
  'shardParts',
  'pipeline',
  'id',
  'status',
  'allocatedQuantity',
  'fulfilledAt',
  'foldShard',
  'foldedThrough',
  Index.ledger.partitionKey,
  Index.ledger.sortKey,
] as const;

interface ResellerData {
  readonly shards: Map<number, ShardCounters>;
  /** Each shard's fold mark (`foldedThrough`), where it has one. */
  readonly foldMarks: Map<number, string>;
  /** The sales whose stamps their shard's `reserved` keeps until the fold passes them (`foldShard`). */
  readonly folding: { shard: number; sortKey: string; quantity: number }[];
  readonly entries: (Pick<LedgerEntry, 'entryId' | 'kind' | 'quantity' | 'reference'> & {
    shardParts?: number[];
  })[];
  readonly orders: { id: string; status: string; quantity: number; allocatedQuantity: number }[];
  /** Σ quantity of the storefront orders holding stock (RESERVED). */
  held: number;
  /** The storefront orders sold (at the storefront or the reseller's own channel): id → quantity. */
  readonly sold: Map<string, number>;
  pipeline: number | undefined;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

/** `STOCK#R01#03` → R01, 3; `LEDGER#R01#03` → R01. */
const keyParts = (pk: string) => {
  const [, resellerId = '', shard = '0'] = pk.split('#');
  return { resellerId, shard: Number(shard) };
};

export const checkLedger = async (
  source: LedgerCheckSource,
  now: () => Date = () => new Date(),
): Promise<LedgerCheckReport> => {
  const items = (await scanLedgerSources(source, AUDITED_ATTRIBUTES)) as Item[];
  const byReseller = new Map<string, ResellerData>();
  const dataOf = (resellerId: string): ResellerData => {
    let data = byReseller.get(resellerId);
    if (!data) {
      data = {
        shards: new Map(),
        foldMarks: new Map(),
        folding: [],
        entries: [],
        orders: [],
        held: 0,
        sold: new Map(),
        pipeline: undefined,
      };
      byReseller.set(resellerId, data);
    }
    return data;
  };
  const scanned = { stockShards: 0, ledgerEntries: 0, quotaOrders: 0, storefrontOrders: 0, resellers: 0 };
  const entryIdCounts = new Map<string, number>();

  for (const item of items) {
    const pk = String(item.pk);
    const sk = String(item.sk);
    if (pk.startsWith('STOCK#') && sk === 'SHARD') {
      const { resellerId, shard } = keyParts(pk);
      scanned.stockShards += 1;
      const data = dataOf(String(item.resellerId ?? resellerId));
      if (typeof item.foldedThrough === 'string')
        data.foldMarks.set(num(item.shardIndex ?? shard), item.foldedThrough);
      data.shards.set(num(item.shardIndex ?? shard), {
        allocated: num(item.allocated),
        onHand: num(item.onHand),
        reserved: num(item.reserved),
        sold: num(item.sold),
        returned: num(item.returned),
      });
    } else if (pk.startsWith('LEDGER#')) {
      const { resellerId } = keyParts(pk);
      scanned.ledgerEntries += 1;
      const entryId = String(item.entryId ?? sk);
      entryIdCounts.set(entryId, (entryIdCounts.get(entryId) ?? 0) + 1);
      dataOf(String(item.resellerId ?? resellerId)).entries.push({
        entryId,
        kind: String(item.kind) as MovementKind,
        quantity: num(item.quantity),
        reference: String(item.reference ?? ''),
        ...(Array.isArray(item.shardParts) ? { shardParts: item.shardParts.map(num) } : {}),
      });
    } else if (pk.startsWith('SORDER#') && item.entity === 'StorefrontOrder') {
      scanned.storefrontOrders += 1;
      const orderId = pk.slice('SORDER#'.length);
      const data = dataOf(String(item.resellerId));
      if (holdsStock(String(item.status) as StorefrontOrderStatus)) data.held += num(item.quantity);
      if (item.fulfilledAt !== undefined) data.sold.set(orderId, num(item.quantity));
      if (item.foldShard !== undefined && item.fulfilledAt !== undefined)
        data.folding.push({
          shard: num(item.foldShard),
          sortKey: String(item[Index.ledger.sortKey] ?? ''),
          quantity: num(item.quantity),
        });
      // A sold order is its own SELL entry, where the ledger index places it.
      const place = item[Index.ledger.partitionKey];
      if (place !== undefined) {
        scanned.ledgerEntries += 1;
        const entryId = `SELL#${orderId}`;
        entryIdCounts.set(entryId, (entryIdCounts.get(entryId) ?? 0) + 1);
        dataOf(keyParts(String(place)).resellerId).entries.push({
          entryId,
          kind: 'SELL',
          quantity: num(item.quantity),
          reference: orderId,
        });
      }
    } else if (pk.startsWith('RESELLER#')) {
      const resellerId = pk.slice('RESELLER#'.length);
      if (sk === 'PROFILE') {
        scanned.resellers += 1;
        dataOf(resellerId).pipeline = item.pipeline === undefined ? undefined : num(item.pipeline);
      } else if (sk.startsWith('QUOTA_ORDER#')) {
        scanned.quotaOrders += 1;
        dataOf(resellerId).orders.push({
          id: String(item.id ?? sk.slice('QUOTA_ORDER#'.length)),
          status: String(item.status),
          quantity: num(item.quantity),
          allocatedQuantity: num(item.allocatedQuantity),
        });
      }
    }
  }

  const negativeCounters: NegativeCounter[] = [];
  const lines: ResellerLedgerLine[] = [];
  const differences: string[] = [];
  let nationallyMinted = 0;
  let totalAllocated = 0;

  for (const [resellerId, data] of [...byReseller.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const diff: string[] = [];
    const shards = { allocated: 0, onHand: 0, reserved: 0, sold: 0, returned: 0 };
    const unfolded = new Map<number, number>();
    for (const sale of data.folding) {
      const mark = data.foldMarks.get(sale.shard);
      if (mark === undefined || sale.sortKey > mark)
        unfolded.set(sale.shard, (unfolded.get(sale.shard) ?? 0) + sale.quantity);
    }
    for (const [shard, raw] of data.shards) {
      const counters = settleShard(raw, unfolded.get(shard) ?? 0);
      for (const counter of COUNTERS) {
        shards[counter] += counters[counter];
        if (counters[counter] < 0)
          negativeCounters.push({ resellerId, shard, counter, value: counters[counter] });
      }
    }
    const unknownKinds = data.entries.filter((entry) => !(entry.kind in MOVEMENTS));
    for (const entry of unknownKinds)
      diff.push(`ledger entry ${entry.entryId} has unknown kind ${entry.kind}`);
    const known = data.entries.filter((entry) => entry.kind in MOVEMENTS);
    const ledger = balancesFromEntries(known);
    const mints = known.filter((entry) => entry.kind === 'MINT');
    const minted = mints.reduce((sum, entry) => sum + entry.quantity, 0);
    const ordersAllocated = data.orders.reduce((sum, order) => sum + order.allocatedQuantity, 0);
    const expectedPipeline = data.orders.reduce(
      (sum, order) =>
        sum +
        (order.status === 'AWAITING_PAYMENT'
          ? order.quantity
          : order.status === 'PAID'
            ? order.quantity - order.allocatedQuantity
            : 0),
      0,
    );

    if (minted !== shards.allocated)
      diff.push(`Σ MINT entries ${minted} ≠ shards' allocated ${shards.allocated}`);
    if (ordersAllocated !== minted)
      diff.push(`Σ quota orders' allocatedQuantity ${ordersAllocated} ≠ Σ MINT entries ${minted}`);
    const held = shards.onHand + shards.reserved + shards.sold + shards.returned;
    if (shards.allocated !== held)
      diff.push(
        `shards' allocated ${shards.allocated} ≠ onHand + reserved + sold + returned ${held} (${shards.onHand} + ${shards.reserved} + ${shards.sold} + ${shards.returned})`,
      );
    for (const [account, expected] of Object.entries(ledgerAccountsOfShards(shards)) as [
      keyof typeof SHARD_COUNTERS_OF_ACCOUNT,
      number,
    ][]) {
      if (ledger[account] !== expected)
        diff.push(
          `ledger ${account} ${ledger[account]} ≠ shards' ${SHARD_COUNTERS_OF_ACCOUNT[account]} ${expected}`,
        );
    }
    if (shards.reserved !== data.held)
      diff.push(`shards' reserved ${shards.reserved} ≠ Σ quantity of the orders holding stock ${data.held}`);
    const soldPerOrder = new Map<string, number>();
    for (const entry of known)
      if (entry.kind === 'SELL')
        soldPerOrder.set(entry.reference, (soldPerOrder.get(entry.reference) ?? 0) + entry.quantity);
    for (const [orderId, quantity] of data.sold) {
      const fromLedger = soldPerOrder.get(orderId) ?? 0;
      soldPerOrder.delete(orderId);
      if (fromLedger !== quantity)
        diff.push(`order ${orderId}: SELL entries ${fromLedger} ≠ its quantity ${quantity}`);
    }
    for (const [reference, quantity] of soldPerOrder)
      diff.push(
        `SELL entries of ${quantity} reference ${reference}, which is no sold order of ${resellerId}`,
      );
    if (!isBalanced(ledger))
      diff.push(`ledger not double-entry balanced: ${ACCOUNTS.map((a) => `${a} ${ledger[a]}`).join(', ')}`);
    if (data.pipeline !== undefined && data.pipeline !== expectedPipeline)
      diff.push(`pipeline ${data.pipeline} ≠ awaiting payment + paid-unallocated ${expectedPipeline}`);

    // Per order: its MINT entries add up to what the order says was allocated, never above its quantity.
    const mintedPerOrder = new Map<string, number>();
    for (const entry of mints)
      mintedPerOrder.set(entry.reference, (mintedPerOrder.get(entry.reference) ?? 0) + entry.quantity);
    for (const order of data.orders) {
      const fromLedger = mintedPerOrder.get(order.id) ?? 0;
      mintedPerOrder.delete(order.id);
      if (fromLedger !== order.allocatedQuantity)
        diff.push(
          `order ${order.id}: MINT entries ${fromLedger} ≠ allocatedQuantity ${order.allocatedQuantity}`,
        );
      if (order.allocatedQuantity > order.quantity)
        diff.push(`order ${order.id}: allocated ${order.allocatedQuantity} > quantity ${order.quantity}`);
      if (order.status === 'ALLOCATED' && order.allocatedQuantity !== order.quantity)
        diff.push(`order ${order.id}: ALLOCATED with ${order.allocatedQuantity} of ${order.quantity}`);
    }
    for (const [reference, quantity] of mintedPerOrder)
      diff.push(
        `MINT entries of ${quantity} reference ${reference}, which is no quota order of ${resellerId}`,
      );

    // Per shard: when every MINT entry records how it was split, the split must match each shard's allocated.
    if (mints.length > 0 && mints.every((entry) => entry.shardParts)) {
      const perShard = new Map<number, number>();
      for (const entry of mints)
        for (const [shard, part] of (entry.shardParts ?? []).entries())
          if (part !== 0) perShard.set(shard, (perShard.get(shard) ?? 0) + part);
      for (const shard of new Set([...perShard.keys(), ...data.shards.keys()])) {
        const expected = perShard.get(shard) ?? 0;
        const stored = data.shards.get(shard)?.allocated ?? 0;
        if (expected !== stored)
          diff.push(`shard ${shard}: allocated ${stored} ≠ Σ MINT parts for this shard ${expected}`);
      }
    }

    nationallyMinted += minted;
    totalAllocated += shards.allocated;
    differences.push(...diff.map((line) => `${resellerId}: ${line}`));
    lines.push({
      resellerId,
      minted,
      shards,
      ledger,
      ordersAllocated,
      pipeline: data.pipeline,
      expectedPipeline,
      entryCount: data.entries.length,
      differences: diff,
    });
  }

  const duplicateEntryIds = [...entryIdCounts.entries()]
    .filter(([, count]) => count > 1)
    .map(([entryId]) => entryId)
    .sort();
  for (const entryId of duplicateEntryIds)
    differences.push(`ledger entry id ${entryId} appears ${entryIdCounts.get(entryId)} times`);
  for (const negative of negativeCounters)
    differences.push(
      `${negative.resellerId}: shard ${negative.shard} ${negative.counter} is negative (${negative.value})`,
    );
  if (nationallyMinted !== totalAllocated)
    differences.push(`nationally minted ${nationallyMinted} ≠ Σ allocated ${totalAllocated}`);

  return {
    checkedAt: now().toISOString(),
    resellers: lines,
    nationallyMinted,
    totalAllocated,
    duplicateEntryIds,
    negativeCounters,
    differences,
    balanced: differences.length === 0,
    scanned,
  };
};

const pad = (value: string | number, width: number) => String(value).padStart(width);
const fmt = (value: number) => value.toLocaleString('en-US');

/** A readable per-reseller table, the national totals, and the verdict. */
export const formatLedgerReport = (report: LedgerCheckReport): string => {
  const header = [
    'reseller',
    'allocated',
    'minted',
    'orders',
    'onHand',
    'reserved',
    'sold',
    'returned',
    'pipeline',
    'check',
  ];
  const widths = [8, 12, 12, 12, 12, 10, 10, 9, 10, 6];
  const row = (cells: (string | number)[]) =>
    cells
      .map((cell, index) =>
        index === 0 ? String(cell).padEnd(widths[0] ?? 8) : pad(cell, widths[index] ?? 10),
      )
      .join('  ');
  const out: string[] = [row(header), row(widths.map((width) => '-'.repeat(width)))];
  for (const line of report.resellers) {
    out.push(
      row([
        line.resellerId,
        fmt(line.shards.allocated),
        fmt(line.minted),
        fmt(line.ordersAllocated),
        fmt(line.shards.onHand),
        fmt(line.shards.reserved),
        fmt(line.shards.sold),
        fmt(line.shards.returned),
        line.pipeline === undefined ? '-' : fmt(line.pipeline),
        line.differences.length === 0 ? 'ok' : 'DIFF',
      ]),
    );
  }
  out.push('');
  out.push(
    `scanned ${report.scanned.resellers} resellers, ${report.scanned.stockShards} stock shards, ${report.scanned.ledgerEntries} ledger entries, ${report.scanned.quotaOrders} quota orders, ${report.scanned.storefrontOrders} storefront orders`,
  );
  out.push(
    `nationally minted ${fmt(report.nationallyMinted)} = Σ allocated ${fmt(report.totalAllocated)}${report.nationallyMinted === report.totalAllocated ? '' : '  <-- DIFFERENT'}`,
  );
  if (report.balanced) out.push('ledger balanced');
  else {
    out.push(`ledger NOT balanced: ${report.differences.length} difference(s)`);
    for (const difference of report.differences) out.push(`  - ${difference}`);
  }
  return out.join('\n');
};
