import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import type { QuotaOrder } from '../domain/quota-order.js';
import {
  type LedgerEntry,
  MOVEMENTS,
  type MovementKind,
  SALE_CHANNELS,
  type ShardCounters,
  splitAcrossShards,
} from '../domain/stock.js';
import { saleEntryOf } from '../domain/storefront-order.js';
import { Index, MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { batchGetItems } from './batch-get.js';
import { storeCall } from './dynamo-errors.js';
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
}

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
});

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
        const result = await storeCall(() =>
          dynamo().send(
            new QueryCommand({
              TableName: table(),
              IndexName: Index.ledger.indexName,
              KeyConditionExpression: '#place = :pk AND #at BETWEEN :lower AND :upper',
              ExpressionAttributeNames: { '#place': Index.ledger.partitionKey, '#at': Index.ledger.sortKey },
              ExpressionAttributeValues: { ':pk': partition, ':lower': lower, ':upper': upper },
              ScanIndexForward: false,
              // One more than a page can take, besides the cursor's own entry (the bound is inclusive): a
              // shard that may have more below gives more than the page takes.
              Limit: options.limit + (before === undefined ? 1 : 2),
            }),
          ),
        );
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
