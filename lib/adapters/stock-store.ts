import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { mapLimited } from '../concurrency.js';
import { config } from '../config.js';
import type { QuotaOrder } from '../domain/quota-order.js';
import {
  type LedgerEntry,
  MOVEMENTS,
  type MovementKind,
  SALE_CHANNELS,
  type ShardCounters,
  settleShard,
  splitAcrossShards,
} from '../domain/stock.js';
import { saleEntryOf } from '../domain/storefront-order.js';
import { Index, MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { batchGetItems } from './batch-get.js';
import { conditionalWrite, storeCall } from './dynamo-errors.js';
import { orderOfItem } from './storefront-store.js';
import { transactWrite } from './transact.js';

const table = () => config().mainTable;

export interface StockShard extends ShardCounters {
  readonly shard: number;
  /** Stamped on every shard while the reseller is suspended; reservations check it. */
  readonly suspended: boolean;
  readonly affixed: number;
  readonly refundedCount: number;
  readonly refundedIdr: number;
  readonly firstSaleAt?: string;
  readonly lastSaleAt?: string;
  /** The ledger index's sort key up to which this shard's sales are folded into `sold` (`foldSales`). */
  readonly foldedThrough?: string;
}

/** Sales of a shard past its fold mark, as the ledger index and the orders show them. */
interface UnfoldedSales {
  /** Stamps sold from the shard's holds and not yet folded (`foldShard` orders). */
  readonly quantity: number;
  /** The last index entry read (a sale or a MINT entry): where a fold may set its mark. */
  readonly lastSortKey?: string;
  readonly firstSaleAt?: string;
  readonly lastSaleAt?: string;
  /** Whether the index holds more past `lastSortKey` than this read took (`FOLD_PAGE`). */
  readonly more: boolean;
}

/** A reseller's shard partitions read at once by `readStock` and the fold. */
const SHARD_QUERIES_IN_FLIGHT = 4;

/** Index entries one fold write takes at most (one page of the index, about 60 KB). */
const FOLD_PAGE = 500;

/** A ledger index sort key's time: `MainKeys.ledgerEntrySortKey` puts it first. */
const saleTimeOf = (sortKey: string): string => sortKey.slice(0, sortKey.indexOf('#'));

const shardFromItem = (shard: number, item: Record<string, unknown> | undefined): StockShard => ({
  shard,
  allocated: Number(item?.allocated ?? 0),
  onHand: Number(item?.onHand ?? 0),
  reserved: Number(item?.reserved ?? 0),
  sold: Number(item?.sold ?? 0),
  returned: Number(item?.returned ?? 0),
  suspended: item?.suspended === true,
  affixed: Number(item?.affixed ?? 0),
  refundedCount: Number(item?.refundedCount ?? 0),
  refundedIdr: Number(item?.refundedIdr ?? 0),
  ...(typeof item?.firstSaleAt === 'string' ? { firstSaleAt: item.firstSaleAt } : {}),
  ...(typeof item?.lastSaleAt === 'string' ? { lastSaleAt: item.lastSaleAt } : {}),
  ...(typeof item?.foldedThrough === 'string' ? { foldedThrough: item.foldedThrough } : {}),
});

const earlier = (a: string | undefined, b: string | undefined) =>
  a === undefined || (b !== undefined && b < a) ? b : a;
const later = (a: string | undefined, b: string | undefined) =>
  a === undefined || (b !== undefined && b > a) ? b : a;

/** One ledger index partition between two sort keys (both inclusive), a page of at most `limit`. */
const ledgerWindow = (
  partition: string,
  lower: string,
  upper: string,
  options: { limit: number; newestFirst?: boolean },
) =>
  storeCall(() =>
    dynamo().send(
      new QueryCommand({
        TableName: table(),
        IndexName: Index.ledger.indexName,
        KeyConditionExpression: '#place = :pk AND #at BETWEEN :lower AND :upper',
        ExpressionAttributeNames: { '#place': Index.ledger.partitionKey, '#at': Index.ledger.sortKey },
        ExpressionAttributeValues: { ':pk': partition, ':lower': lower, ':upper': upper },
        ...(options.newestFirst ? { ScanIndexForward: false } : {}),
        Limit: options.limit,
      }),
    ),
  );

/**
 * The sales in a shard's ledger partition after `after` (up to `through`, inclusive, when given), from the
 * index alone: it copies each sale's `quantity` and `foldShard` (written with its entry, never changed),
 * and its sort key starts with the time of the sale.
 */
const salesPastMark = async (
  resellerId: string,
  shard: number,
  after: string | undefined,
  through?: string,
): Promise<UnfoldedSales> => {
  const lower = after ?? '0';
  const upper = through ?? '9999~';
  if (upper < lower) return { quantity: 0, more: false };
  // The mark's own entry comes back too (BETWEEN is inclusive): one more than a page.
  const result = await ledgerWindow(MainKeys.ledgerPartition(resellerId, shard), lower, upper, {
    limit: FOLD_PAGE + 1,
  });
  const entries = (result.Items ?? []).filter((item) => String(item[Index.ledger.sortKey]) !== after);
  const page = entries.slice(0, FOLD_PAGE);
  let quantity = 0;
  let firstSaleAt: string | undefined;
  let lastSaleAt: string | undefined;
  for (const entry of page) {
    if (entry.foldShard !== shard || !String(entry.pk).startsWith('SORDER#')) continue;
    quantity += Number(entry.quantity);
    const at = saleTimeOf(String(entry[Index.ledger.sortKey]));
    firstSaleAt = earlier(firstSaleAt, at);
    lastSaleAt = later(lastSaleAt, at);
  }
  const last = page.at(-1);
  return {
    quantity,
    ...(last ? { lastSortKey: String(last[Index.ledger.sortKey]) } : {}),
    ...(firstSaleAt ? { firstSaleAt } : {}),
    ...(lastSaleAt ? { lastSaleAt } : {}),
    more: entries.length > FOLD_PAGE || result.LastEvaluatedKey !== undefined,
  };
};

/** A stored ledger entry, checked on the way out (loose: whatever else its writer stored rides along). */
const StoredLedgerEntry = z.looseObject({
  entryId: z.string(),
  resellerId: z.string(),
  kind: z.enum(Object.keys(MOVEMENTS) as [MovementKind, ...MovementKind[]]),
  quantity: z.number().int(),
  shard: z.number().int(),
  at: z.string(),
  reference: z.string(),
  amountIdr: z.number().optional(),
  serviceFeeIdr: z.number().optional(),
  channel: z.enum(SALE_CHANNELS).optional(),
}) satisfies z.ZodType<LedgerEntry>;

/** One shard's fold, from the mark it was read with (see `stockStore.foldSales`). */
const foldShard = async (resellerId: string, shard: StockShard, through: string): Promise<number> => {
  let folded = 0;
  let mark = shard.foldedThrough;
  let lastSale = shard.lastSaleAt;
  for (;;) {
    const sales = await salesPastMark(resellerId, shard.shard, mark, through);
    if (sales.lastSortKey === undefined) return folded;
    // The shard's last sale may be a newer one already (an own-channel sale writes its own).
    const lastSaleAt =
      sales.lastSaleAt && later(lastSale, sales.lastSaleAt) === sales.lastSaleAt
        ? sales.lastSaleAt
        : undefined;
    const moved = await conditionalWrite(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.stockShard(resellerId, shard.shard),
          UpdateExpression: `ADD reserved :minus, sold :plus SET foldedThrough = :mark${lastSaleAt ? ', lastSaleAt = :last, firstSaleAt = if_not_exists(firstSaleAt, :first)' : ''}`,
          ConditionExpression: `${mark === undefined ? 'attribute_not_exists(foldedThrough)' : 'foldedThrough = :from'} AND reserved >= :quantity`,
          ExpressionAttributeValues: {
            ':minus': -sales.quantity,
            ':plus': sales.quantity,
            ':quantity': sales.quantity,
            ':mark': sales.lastSortKey,
            ...(mark === undefined ? {} : { ':from': mark }),
            ...(lastSaleAt ? { ':last': lastSaleAt, ':first': sales.firstSaleAt } : {}),
          },
        }),
      ),
    );
    // Another fold moved the mark first: it folds what is past it.
    if (!moved) return folded;
    folded += sales.quantity;
    // The write held on the mark it started from, so the mark is now the one it set.
    mark = sales.lastSortKey;
    lastSale = lastSaleAt ?? lastSale;
    if (!sales.more) return folded;
  }
};

/** Stock shards, ledger entries and the issuer's capacity bucket. */
export const stockStore = {
  /**
   * Every shard of a reseller (or `only` these), in one round trip (BatchGet of `shardCount` keys);
   * `consistent: false` for a hint (half the read units, up to ~1 s old).
   */
  async readShards(
    resellerId: string,
    options: { consistent?: boolean; only?: readonly number[] } = {},
  ): Promise<StockShard[]> {
    const consistent = options.consistent ?? true;
    const count = config().stockShardCount;
    const numbers = options.only ?? Array.from({ length: count }, (_, shard) => shard);
    const items = await batchGetItems(
      numbers.map((shard) => MainKeys.stockShard(resellerId, shard)),
      { consistent },
    );
    return numbers.map((shard, place) => shardFromItem(shard, items[place]));
  },

  /**
   * Every shard of a reseller as the ledger sees it, for whatever shows or audits stock: the sales past
   * each shard's fold mark count as sold (`settleShard`), so a sale is in `sold` the moment it is paid. A
   * consistent read of the shards, and one index query for each shard that holds anything in `reserved`
   * (an unfolded sale is in it until folded, so an empty `reserved` has none): a minute or two of sales.
   */
  async readStock(resellerId: string): Promise<StockShard[]> {
    const shards = await this.readShards(resellerId);
    return mapLimited(shards, SHARD_QUERIES_IN_FLIGHT, async (shard) => {
      if (shard.reserved <= 0) return shard;
      let unfolded = 0;
      let firstSaleAt: string | undefined;
      let lastSaleAt: string | undefined;
      let after = shard.foldedThrough;
      for (;;) {
        const sales = await salesPastMark(resellerId, shard.shard, after);
        unfolded += sales.quantity;
        firstSaleAt = earlier(firstSaleAt, sales.firstSaleAt);
        lastSaleAt = later(lastSaleAt, sales.lastSaleAt);
        if (!sales.more || sales.lastSortKey === undefined) break;
        after = sales.lastSortKey;
      }
      const settled = settleShard(shard, unfolded);
      const first = earlier(shard.firstSaleAt, firstSaleAt);
      const last = later(shard.lastSaleAt, lastSaleAt);
      return {
        ...settled,
        ...(first ? { firstSaleAt: first } : {}),
        ...(last ? { lastSaleAt: last } : {}),
      };
    });
  },

  /**
   * The sale fold of a reseller: on each shard that holds anything in `reserved`, the sales in its ledger
   * partition past its mark and up to `through` (a page at a time) move from `reserved` to `sold`, and the
   * mark moves to the last entry read, in one write conditional on the mark it started from (two folds at
   * once: one writes, the other finds the mark moved and stops there). Answers the stamps it folded.
   */
  async foldSales(resellerId: string, through: string): Promise<number> {
    const shards = await this.readShards(resellerId);
    const folded = await mapLimited(
      shards.filter((shard) => shard.reserved > 0),
      SHARD_QUERIES_IN_FLIGHT,
      (shard) => foldShard(resellerId, shard, through),
    );
    return folded.reduce((sum, stamps) => sum + stamps, 0);
  },

  /**
   * Mints one chunk of a paid quota order into the reseller's stock, atomically: the order's allocated
   * count (conditional on the value this worker read, so a duplicate delivery cannot apply the chunk
   * twice), the shard counters, the reseller's pipeline and the ledger entry. `attemptId` is stored on the
   * order, so a caller whose response was lost can tell its own commit from another worker's.
   */
  async commitAllocationChunk(
    order: QuotaOrder,
    quantity: number,
    now: Date,
    attemptId = '',
    /** Webhook events of a completing chunk, recorded in this same write. */
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<{ complete: boolean }> {
    const shardCount = config().stockShardCount;
    const offset =
      Math.floor(order.allocatedQuantity / Math.max(1, Math.ceil(quantity / shardCount))) % shardCount;
    const parts = splitAcrossShards(quantity, shardCount, offset);
    const allocated = order.allocatedQuantity + quantity;
    const complete = allocated === order.quantity;
    const at = now.toISOString();
    const entry: LedgerEntry = {
      entryId: `MINT#${order.id}#${order.allocatedQuantity}`,
      resellerId: order.resellerId,
      kind: 'MINT',
      quantity,
      shard: offset,
      at,
      reference: order.id,
    };
    const shardUpdates = parts.flatMap((part, shard) =>
      part > 0
        ? [
            {
              Update: {
                TableName: table(),
                Key: MainKeys.stockShard(order.resellerId, shard),
                UpdateExpression:
                  'ADD allocated :part, onHand :part SET resellerId = :reseller, shardIndex = :shard, entity = :entity',
                ExpressionAttributeValues: {
                  ':part': part,
                  ':reseller': order.resellerId,
                  ':shard': shard,
                  ':entity': 'StockShard',
                },
              },
            },
          ]
        : [],
    );
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.quotaOrder(order.resellerId, order.id),
          UpdateExpression: complete
            ? 'SET allocatedQuantity = :allocated, lastAllocationAt = :at, lastChunkAttempt = :attempt, #status = :done, allocatedAt = :at REMOVE gsi1pk, gsi1sk'
            : 'SET allocatedQuantity = :allocated, lastAllocationAt = :at, lastChunkAttempt = :attempt',
          ConditionExpression: '#status = :paid AND allocatedQuantity = :expected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':allocated': allocated,
            ':expected': order.allocatedQuantity,
            ':paid': 'PAID',
            ':at': at,
            ':attempt': attemptId,
            ...(complete ? { ':done': 'ALLOCATED' } : {}),
          },
        },
      },
      {
        Update: {
          TableName: table(),
          Key: MainKeys.resellerProfile(order.resellerId),
          // The regulator's idle-stock figure: stock that never sold is idle since its first arrival.
          UpdateExpression: 'ADD pipeline :minus SET stockSince = if_not_exists(stockSince, :since)',
          ExpressionAttributeValues: { ':minus': -quantity, ':since': order.paidAt ?? order.createdAt },
        },
      },
      ...shardUpdates,
      {
        Put: {
          TableName: table(),
          Item: {
            pk: MainKeys.ledgerPartition(order.resellerId, entry.shard),
            sk: MainKeys.ledgerEntrySortKey(at, entry.entryId),
            ...MainKeys.ledgerPlace(entry),
            entity: 'LedgerEntry',
            ...entry,
            shardParts: parts,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...(complete ? extraItems : []),
    ]);
    return { complete };
  },

  /**
   * One page of a reseller's ledger, newest first, merged across the ledger shards of its index
   * (`Index.ledger`): MINT entry items, and sold orders, each its own SELL entry (`saleEntryOf`). The index
   * holds keys only; the page's items are read by key.
   */
  async listLedger(
    resellerId: string,
    options: { limit: number; cursor?: Record<string, string>; fromIso?: string; toIso?: string },
  ): Promise<{ entries: LedgerEntry[]; cursor?: Record<string, string> }> {
    const count = config().stockShardCount;
    const pages = await Promise.all(
      Array.from({ length: count }, async (_, shard) => {
        const partition = MainKeys.ledgerPartition(resellerId, shard);
        const before = options.cursor?.[String(shard)];
        if (before === '') return [];
        const upper = before ?? `${options.toIso ?? '9999'}~`;
        const lower = options.fromIso ?? '0000';
        // An empty window (from after to, or a cursor before from): nothing to read, and DynamoDB refuses a
        // BETWEEN whose bounds are reversed (ValidationException, which would be a 500).
        if (upper < lower) return [];
        // One more than a page can take, besides the cursor's own entry (the bound is inclusive): a shard
        // that may have more below gives more than the page takes.
        const result = await ledgerWindow(partition, lower, upper, {
          limit: options.limit + (before === undefined ? 1 : 2),
          newestFirst: true,
        });
        return (result.Items ?? [])
          .map((item) => ({ shard, sk: String(item[Index.ledger.sortKey]), item }))
          .filter((entry) => entry.sk !== before);
      }),
    );
    const read = pages.flat();
    const merged = read.sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0)).slice(0, options.limit);
    // The last page is the one that takes everything read: a full last page carries no cursor to an empty one.
    const exhausted = merged.length === read.length;
    const cursor: Record<string, string> = { ...(options.cursor ?? {}) };
    for (const taken of merged) cursor[String(taken.shard)] = taken.sk;
    const items = await batchGetItems(
      merged.map(({ item }) => ({ pk: String(item.pk), sk: String(item.sk) })),
    );
    const entries = items.flatMap((item) => {
      if (!item) return [];
      if (item.entity === 'StorefrontOrder') {
        const sale = saleEntryOf(orderOfItem(item));
        return sale ? [sale] : [];
      }
      const {
        pk: _pk,
        sk: _sk,
        entity: _entity,
        shardParts: _parts,
        gsi3pk: _l1,
        gsi3sk: _l2,
        ...entry
      } = item;
      return [StoredLedgerEntry.parse(entry)];
    });
    return exhausted ? { entries } : { entries, cursor };
  },

  async readIssuerBucket(): Promise<{ tokens: number; updatedAtMs: number } | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.issuerCapacity, ConsistentRead: true }),
      ),
    );
    if (!result.Item) return undefined;
    return { tokens: Number(result.Item.tokens), updatedAtMs: Number(result.Item.updatedAtMs) };
  },

  /** Optimistic write of the bucket: fails (ConditionFailed) if another worker changed it since it was read. */
  async writeIssuerBucket(
    next: { tokens: number; updatedAtMs: number },
    previous: { tokens: number; updatedAtMs: number } | undefined,
  ): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: { ...MainKeys.issuerCapacity, entity: 'IssuerCapacity', ...next },
          ...(previous
            ? {
                ConditionExpression: 'tokens = :tokens AND updatedAtMs = :updated',
                ExpressionAttributeValues: { ':tokens': previous.tokens, ':updated': previous.updatedAtMs },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      ),
    );
  },
};
