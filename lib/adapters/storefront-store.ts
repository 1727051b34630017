import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import type { GatewayCapture, GatewayPayment } from '../domain/payment-gateway.js';
import {
  bucketOf,
  capRoom,
  expiredFrom,
  holdOpen,
  jakartaDay,
  lapseBlocks,
  nikIntakeFull,
  type OrderPayment,
  type RefundState,
  type RejectionReason,
  reservedFrom,
  type ShardPart,
  STOREFRONT_ORDER_STATUSES,
  type StorefrontOrder,
  type StorefrontOrderStatus,
  saleEntryOf,
  soldAtCounterFrom,
} from '../domain/storefront-order.js';
import { Index, MainKeys, RESELLER_ORDER_BUCKETS, STOREFRONT_WORK_BUCKETS } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { batchGetItems } from './batch-get.js';
import { ConditionFailed, conditionalWrite, storeCall } from './dynamo-errors.js';
import { queryAll, workDueBefore } from './partition-query.js';
import { itemsOf, newestFirstOverBuckets } from './reseller-index.js';
import { transactWrite } from './transact.js';

/**
 * Persistence of storefront orders. Every change to an order is conditional on the version read, so
 * concurrent deliveries of one webhook, a sweeper and a consumer can never both apply a transition.
 */
const table = () => config().mainTable;

export type { RefundState, ShardPart, StorefrontOrder } from '../domain/storefront-order.js';

/** The queue's drain counter is spread over this many items, so no one key takes every settled order. */
const QUEUE_DRAIN_SHARDS = 10;

/** The buyer's national day counter, as the sale path reads it. */
export interface NikDayCounter {
  readonly count: number;
  /** Orders taken at intake per minute (`YYYY-MM-DDTHH:MM`), for the per-NIK intake limit. */
  readonly intake: Readonly<Record<string, number>>;
  /** The storefronts the person ordered from today (scalper evidence). */
  readonly storefronts: readonly string[];
  readonly holdUntil?: string;
  readonly holdOrder?: string;
  readonly lapsedClient?: string;
  readonly lapsedUntil?: string;
  readonly verifiedClaim?: string;
  /** The orders whose quantity `count` holds (`countBefore`, `holdForOrder`). */
  readonly held: readonly string[];
}

/**
 * Intake's count of a minute lives on the day counter as its own attribute: `intake@2026-12-01T22:17`. At
 * most one per minute with an order, 1,440 a day (about 37 KB for a NIK that ordered every minute; the item
 * expires with its day), so the usual counter stays under 1 KB.
 */
const INTAKE_PREFIX = 'intake@';

/** One order counted at intake, on the person's day counter, refused once the minute holds `limit`. */
export interface IntakeNote {
  readonly window: string;
  readonly limit: number;
  readonly storefront: string;
}

/** The intake note as parts of the day counter's update (the limit, `nikIntakeFull`, as its condition). */
const intakeNoteOf = (note: IntakeNote) => ({
  set: '#intakeMinute = if_not_exists(#intakeMinute, :zero) + :one',
  add: 'storefronts :storefront',
  condition: 'attribute_not_exists(#intakeMinute) OR #intakeMinute < :intakeLimit',
  names: { '#intakeMinute': `${INTAKE_PREFIX}${note.window}` },
  values: {
    ':zero': 0,
    ':one': 1,
    ':intakeLimit': note.limit,
    ':storefront': new Set([note.storefront]),
  },
});

const counterFromItem = (item: Record<string, unknown> | undefined): NikDayCounter => {
  const { holdUntil, holdOrder, lapsedUntil, lapsedClient, verifiedClaim, storefronts, held } = item ?? {};
  const intake: Record<string, number> = {};
  for (const [attribute, value] of Object.entries(item ?? {}))
    if (attribute.startsWith(INTAKE_PREFIX)) intake[attribute.slice(INTAKE_PREFIX.length)] = Number(value);
  return {
    count: Number(item?.count ?? 0),
    intake,
    storefronts: storefronts instanceof Set ? [...storefronts].map(String) : [],
    held: held instanceof Set ? [...held].map(String) : [],
    ...(typeof holdUntil === 'number' ? { holdUntil: new Date(holdUntil).toISOString() } : {}),
    ...(typeof lapsedUntil === 'number' ? { lapsedUntil: new Date(lapsedUntil).toISOString() } : {}),
    ...(typeof lapsedClient === 'string' ? { lapsedClient } : {}),
    ...(typeof holdOrder === 'string' ? { holdOrder } : {}),
    ...(typeof verifiedClaim === 'string' ? { verifiedClaim } : {}),
  };
};

/** What holding the buyer's count for an order came to (`holdForOrder`), in the domain's words. */
export type HoldOutcome =
  | { readonly outcome: 'HELD' }
  /** The order holds already: an earlier attempt's hold whose answer, or process, was lost. */
  | { readonly outcome: 'ALREADY_HELD' }
  /** The buyer's national day counter has no room for the quantity. */
  | { readonly outcome: 'CAP_REACHED' }
  /** The buyer holds a reservation whose payment window is still open (`holdOpen`). */
  | { readonly outcome: 'HOLD_PENDING' }
  /** This client let the buyer's last reservation lapse, within a window (`lapseBlocks`). */
  | { readonly outcome: 'LAPSED_RECENTLY' }
  /** The NIK's intake this minute is at its limit (`intakeNote`): nothing was written. */
  | { readonly outcome: 'INTAKE_LIMITED' };

/** What a reservation attempt came to, in the domain's words (never a position in a transaction). */
export type ReserveOutcome =
  | { readonly outcome: 'RESERVED'; readonly order: StorefrontOrder }
  /** A planned shard had less stock than the part asked of it (or the reseller is suspended on it). */
  | { readonly outcome: 'SHARD_DRY' }
  /** The person's previous hold, seen settled, is unpaid again (`settledHold`). */
  | { readonly outcome: 'HOLD_PENDING' }
  /** The order is not what the attempt read: it exists already (a replay won) or left QUEUED. */
  | { readonly outcome: 'ORDER_CHANGED' };

/** What an own-channel sale came to (`sellDirect`). */
export type DirectSaleOutcome =
  | { readonly outcome: 'SOLD'; readonly order: StorefrontOrder }
  | { readonly outcome: 'SHARD_DRY' }
  | { readonly outcome: 'CAP_REACHED' }
  | { readonly outcome: 'ORDER_CHANGED' };

const work = (state: 'REFUND', id: string, sortKey: string) => ({
  gsi1pk: MainKeys.storefrontWork(state, bucketOf(id, STOREFRONT_WORK_BUCKETS)),
  gsi1sk: sortKey,
});

/** A lapse blocks its client for as long as the reservation held (its payment window), from the lapse. */
const lapseEnds = (order: StorefrontOrder, at: string): number => {
  const window =
    order.reservedAt && order.expiresAt ? Date.parse(order.expiresAt) - Date.parse(order.reservedAt) : 0;
  return Date.parse(at) + Math.max(0, window);
};

/**
 * What a stored order must hold to be an order: its identity, state and money fields are checked on every
 * read (a malformed item fails loudly here, not deep in a use case). Loose: the bookkeeping attributes the
 * store's own conditions keep (claims, holds, counters) stay on the order it returns.
 */
const StoredStorefrontOrder = z.looseObject({
  orderId: z.string(),
  resellerId: z.string(),
  nikHash: z.string(),
  quantity: z.number().int().positive(),
  status: z.enum(STOREFRONT_ORDER_STATUSES),
  version: z.number().int().nonnegative(),
  requestHash: z.string(),
  createdAt: z.string(),
  unitPriceIdr: z.number().int().optional(),
  amountIdr: z.number().int().optional(),
  stamps: z.array(z.string()).optional(),
  // Stored compact (`compactPayment`): the gateway's id and QR, the rest only where the order's differ.
  payment: z.looseObject({ paymentId: z.string(), qris: z.string().optional() }).optional(),
  refunds: z
    .record(
      z.string(),
      z.looseObject({ amountIdr: z.number().int(), status: z.enum(['PENDING', 'COMPLETED']) }),
    )
    .optional(),
});

/** A stored order item as the domain's order: keys and index keys off, checked against its schema. */
export const orderOfItem = (item: Record<string, unknown>): StorefrontOrder => {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g1,
    gsi1sk: _g2,
    gsi2pk: _r1,
    gsi2sk: _r2,
    gsi3pk: _l1,
    gsi3sk: _l2,
    entity: _entity,
    ...order
  } = item;
  const parsed = StoredStorefrontOrder.parse(order) as unknown as StorefrontOrder;
  return parsed.payment ? { ...parsed, payment: expandedPayment(parsed, parsed.payment) } : parsed;
};

/**
 * The payment as its order stores it: what the order's own fields do not already say. Its reference is the
 * order id and its amount and expiry are the order's (`reservedFrom`), so only the gateway's id and QR are
 * kept, unless an idempotent gateway handed back a payment that differs. It keeps a fulfilled order item
 * under 1 KB: one write unit per write of it instead of two.
 */
const compactPayment = (order: StorefrontOrder, payment: OrderPayment): Partial<GatewayPayment> => ({
  paymentId: payment.paymentId,
  ...(payment.qris !== undefined ? { qris: payment.qris } : {}),
  ...(payment.reference !== order.orderId ? { reference: payment.reference } : {}),
  ...(payment.amountIdr !== order.amountIdr ? { amountIdr: payment.amountIdr } : {}),
  ...(payment.expiresAt !== order.expiresAt ? { expiresAt: payment.expiresAt } : {}),
});

/** The stored payment made whole again from its order (`StoredStorefrontOrder` checked its id, and its QR while it keeps one). */
const expandedPayment = (order: StorefrontOrder, stored: Partial<GatewayPayment>): OrderPayment => ({
  paymentId: stored.paymentId as string,
  ...(stored.qris !== undefined ? { qris: stored.qris } : {}),
  reference: stored.reference ?? order.orderId,
  amountIdr: stored.amountIdr ?? order.amountIdr ?? 0,
  expiresAt: stored.expiresAt ?? order.expiresAt ?? '',
});

/** The order's place in its reseller's order index (`Index.byReseller`), written with the order's first write. */
const orderIndexKeys = (order: Pick<StorefrontOrder, 'orderId' | 'resellerId' | 'createdAt'>) => ({
  gsi2pk: MainKeys.resellerOrders(order.resellerId, bucketOf(order.orderId, RESELLER_ORDER_BUCKETS)),
  gsi2sk: MainKeys.resellerOrderSortKey(order.createdAt, order.orderId),
});

/** The first write of an order item: its keys, its index keys, and the order. */
const orderItem = (order: StorefrontOrder, extra: Record<string, unknown> = {}) => ({
  ...MainKeys.storefrontOrder(order.orderId),
  ...orderIndexKeys(order),
  entity: 'StorefrontOrder',
  ...order,
  ...(order.payment ? { payment: compactPayment(order, order.payment) } : {}),
  ...extra,
});

/** A sold order's place in its reseller's ledger (`Index.ledger`): it is its own SELL entry. */
const ledgerPlaceOf = (sold: StorefrontOrder) => {
  const entry = saleEntryOf(sold);
  if (!entry) throw new Error(`order ${sold.orderId} is not sold: it has no place in the ledger`);
  return MainKeys.ledgerPlace(entry);
};

/** The order item's own update, guarded by its version (and optionally by its status). */
const orderUpdate = (
  order: StorefrontOrder,
  set: Record<string, unknown>,
  remove: string[] = [],
  requireStatus?: StorefrontOrderStatus,
) => {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':version': order.version, ':nextVersion': order.version + 1 };
  const assignments = ['#version = :nextVersion'];
  Object.entries(set).forEach(([attribute, value], index) => {
    names[`#a${index}`] = attribute;
    values[`:v${index}`] = value;
    assignments.push(`#a${index} = :v${index}`);
  });
  let condition = '#version = :version';
  if (requireStatus) {
    names['#status'] = 'status';
    values[':requiredStatus'] = requireStatus;
    condition += ' AND #status = :requiredStatus';
  }
  return {
    Update: {
      TableName: table(),
      Key: MainKeys.storefrontOrder(order.orderId),
      UpdateExpression: `SET ${assignments.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
};

const shardMove = (resellerId: string, part: ShardPart, from: string, to: string, guard: boolean) => ({
  Update: {
    TableName: table(),
    Key: MainKeys.stockShard(resellerId, part.shard),
    UpdateExpression: `ADD ${from} :minus, ${to} :plus`,
    ...(guard
      ? {
          ConditionExpression: `${from} >= :quantity AND (attribute_not_exists(suspended) OR suspended = :false)`,
          ExpressionAttributeValues: {
            ':minus': -part.quantity,
            ':plus': part.quantity,
            ':quantity': part.quantity,
            ':false': false,
          },
        }
      : {
          ConditionExpression: `${from} >= :quantity`,
          ExpressionAttributeValues: {
            ':minus': -part.quantity,
            ':plus': part.quantity,
            ':quantity': part.quantity,
          },
        }),
  },
});

/** What a sale that takes stock writes with it (a reservation, a counter sale). */
interface StockTaking {
  readonly parts: ShardPart[];
  readonly day: string;
  /** The national cap (stamps per NIK and day), expressed as the counter's condition (`capRoom`). */
  readonly cap: number;
  readonly unitPriceIdr: number;
  readonly at: string;
  /**
   * The identity claim the civil registry just confirmed (its keyed hash), remembered on the person's
   * counter in this same write, so a second order today needs no registry call.
   */
  readonly verifiedClaim?: string;
  /** The reseller's webhook events, recorded in this same write (`eventsFor`). */
  readonly extraItems?: readonly Record<string, unknown>[];
}

/**
 * An order's held count given back on the buyer's day counter (`count − quantity`, the order out of
 * `held`), as the update's parameters: by a release (`releaseHold`) or with the stock at a lapse (`expire`).
 */
const holdGivenBack = (
  order: Pick<StorefrontOrder, 'orderId' | 'nikHash' | 'quantity'>,
  day: string,
  options: { readonly condition: string; readonly set?: string; readonly values: Record<string, unknown> },
) => ({
  TableName: table(),
  Key: MainKeys.nikDay(order.nikHash, day),
  UpdateExpression: `ADD #count :minus${options.set ? ` SET ${options.set}` : ''} DELETE held :thisOrderSet`,
  ConditionExpression: options.condition,
  ExpressionAttributeNames: { '#count': 'count' },
  ExpressionAttributeValues: {
    ':minus': -order.quantity,
    ':thisOrderSet': new Set([order.orderId]),
    ...options.values,
  },
});

/** The cap as the buyer's day counter's condition: an order larger than the whole cap never fits. */
const capClause = (quantity: number, cap: number): string =>
  quantity <= cap ? 'attribute_not_exists(#count) OR #count <= :room' : '#count <= :room';

/** Stock sold from a shard (from `onHand` or `reserved`), stamping its sale times for the regulator's view. */
const shardSale = (resellerId: string, part: ShardPart, from: 'onHand' | 'reserved', at: string) => {
  const move = shardMove(resellerId, part, from, 'sold', from === 'onHand');
  return {
    Update: {
      ...move.Update,
      UpdateExpression: `${move.Update.UpdateExpression} SET lastSaleAt = :at, firstSaleAt = if_not_exists(firstSaleAt, :at)`,
      ExpressionAttributeValues: { ...move.Update.ExpressionAttributeValues, ':at': at },
    },
  };
};

/**
 * Commits a transaction; when conditions refuse it, answers the positions of the items that refused (the
 * store turns them into named outcomes), and rethrows anything else.
 */
const commitOrRefusals = async (
  items: Parameters<typeof transactWrite>[0],
): Promise<ReadonlySet<number> | undefined> => {
  try {
    await transactWrite(items);
    return undefined;
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    return new Set(error.failedItemIndexes);
  }
};

export const storefrontStore = {
  async getOrder(
    orderId: string,
    options: { consistent?: boolean } = {},
  ): Promise<StorefrontOrder | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({
          TableName: table(),
          Key: MainKeys.storefrontOrder(orderId),
          ConsistentRead: options.consistent ?? true,
        }),
      ),
    );
    return result.Item ? orderOfItem(result.Item) : undefined;
  },

  /**
   * The buyer's count for an order, held before its stock is taken: one conditional write of the person's
   * national day counter that adds the quantity and names the order (`held`), conditional on the cap (the
   * domain's `capRoom`), on one unpaid reservation per person (`holdOpen`: the last hold's window has
   * passed, or its order was seen settled, which the reservation's transaction then proves), on no new hold
   * by a client that just let one lapse (`lapseBlocks`), and on the intake's per-NIK limit when intake
   * counts the order here (`intakeNote`). It names the order, so a repeat of it (a lost answer, an attempt
   * cut short) is told ALREADY_HELD and adds nothing. A hold is given back (`releaseHold`) only once its
   * order can no longer be reserved (`givesHoldBack`); a lapse gives it back with the stock (`expire`).
   * Outside the reservation's transaction it costs one write unit instead of two.
   */
  async holdForOrder(
    order: StorefrontOrder,
    input: {
      readonly day: string;
      readonly cap: number;
      readonly at: string;
      /** Until when the hold blocks the person's next one (the payment window's end). */
      readonly expiresAt: string;
      readonly onePerPerson: boolean;
      readonly settledHold?: string;
      readonly verifiedClaim?: string;
      readonly intakeNote?: IntakeNote;
    },
  ): Promise<HoldOutcome> {
    const note = input.intakeNote ? intakeNoteOf(input.intakeNote) : undefined;
    const written = await conditionalWrite(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.nikDay(order.nikHash, input.day),
          UpdateExpression: `ADD #count :quantity, held :thisOrderSet${note ? `, ${note.add}` : ''} SET purgeAt = if_not_exists(purgeAt, :purgeAt), holdUntil = :holdUntil, holdOrder = :orderId, orders = list_append(if_not_exists(orders, :noOrders), :thisOrder)${input.verifiedClaim ? ', verifiedClaim = :claim' : ''}${note ? `, ${note.set}` : ''}`,
          ConditionExpression: [
            'attribute_not_exists(held) OR NOT contains(held, :orderId)',
            capClause(order.quantity, input.cap),
            ...(input.onePerPerson
              ? [
                  `attribute_not_exists(holdUntil) OR holdUntil <= :now${input.settledHold ? ' OR holdOrder = :settled' : ''}`,
                  'attribute_not_exists(lapsedUntil) OR lapsedUntil <= :now OR lapsedClient <> :client',
                ]
              : []),
            ...(note ? [note.condition] : []),
          ]
            .map((clause) => `(${clause})`)
            .join(' AND '),
          ExpressionAttributeNames: { '#count': 'count', ...note?.names },
          ExpressionAttributeValues: {
            ...note?.values,
            ':quantity': order.quantity,
            ':room': capRoom(input.cap, order.quantity),
            ':purgeAt': Math.floor(Date.parse(input.at) / 1000) + 3 * 86_400,
            ':holdUntil': Date.parse(input.expiresAt),
            ...(input.onePerPerson ? { ':now': Date.parse(input.at) } : {}),
            ...(input.onePerPerson ? { ':client': order.clientHash ?? '' } : {}),
            ':orderId': order.orderId,
            ':thisOrderSet': new Set([order.orderId]),
            // The person's orders of the day, for "Lacak pesanan" (a few: one unpaid hold at a time). An
            // order is named once: its hold is not made again (ALREADY_HELD), and never after it is given
            // back (`givesHoldBack`).
            ':noOrders': [],
            ':thisOrder': [order.orderId],
            ...(input.verifiedClaim ? { ':claim': input.verifiedClaim } : {}),
            ...(input.onePerPerson && input.settledHold ? { ':settled': input.settledHold } : {}),
          },
        }),
      ),
    );
    if (written) return { outcome: 'HELD' };
    // Several rules on one item: its current state says which one refused.
    const counter = await this.readNikDayCounter(order.nikHash, input.day, { consistent: true });
    if (counter.held.includes(order.orderId)) return { outcome: 'ALREADY_HELD' };
    if (input.intakeNote && nikIntakeFull(counter.intake[input.intakeNote.window], input.intakeNote.limit))
      return { outcome: 'INTAKE_LIMITED' };
    const at = new Date(input.at);
    if (input.onePerPerson && holdOpen(counter.holdUntil, at) && counter.holdOrder !== input.settledHold)
      return { outcome: 'HOLD_PENDING' };
    if (input.onePerPerson && lapseBlocks(counter, order.clientHash, at))
      return { outcome: 'LAPSED_RECENTLY' };
    return { outcome: 'CAP_REACHED' };
  },

  /**
   * Gives an order's held count back (`givesHoldBack`: call it only once the order is written REJECTED).
   * Conditional on the order still holding, so a repeat gives nothing back twice. False: it held nothing.
   */
  async releaseHold(
    order: Pick<StorefrontOrder, 'orderId' | 'nikHash' | 'quantity'>,
    day: string,
  ): Promise<boolean> {
    return conditionalWrite(() =>
      dynamo().send(
        new UpdateCommand(
          holdGivenBack(order, day, {
            condition: 'contains(held, :orderId)',
            values: { ':orderId': order.orderId },
          }),
        ),
      ),
    );
  },

  /**
   * The reservation, once the buyer's count is held (`holdForOrder`), in one transaction: the order becomes
   * RESERVED with its QRIS payment (a new order is created in that state; a QUEUED one moves to it), and
   * stock is taken from the planned shard(s), each conditional on enough stock and no suspension. A hold
   * writes no ledger entry (see `lib/domain/stock.ts`). A RESERVED order therefore always carries its
   * payment, and its count is always held: the hold is given back only after the order is REJECTED, which
   * this transaction's order condition then refuses.
   */
  async reserve(
    order: StorefrontOrder,
    input: Omit<StockTaking, 'cap' | 'verifiedClaim'> & {
      expiresAt: string;
      payment: GatewayPayment;
      /** A new order, written RESERVED (or not at all), rather than a QUEUED one moving on. */
      create: boolean;
      /** The person's last hold, seen settled: it may be replaced while its window is still open. */
      settledHold?: string;
    },
  ): Promise<ReserveOutcome> {
    const isNew = input.create;
    // What the order becomes; returned so the caller needs no read-back on the hot path.
    const reserved = reservedFrom(order, {
      unitPriceIdr: input.unitPriceIdr,
      at: input.at,
      day: input.day,
      shardParts: input.parts,
      expiresAt: input.expiresAt,
      payment: input.payment,
    });
    const orderWrite = isNew
      ? {
          Put: {
            TableName: table(),
            Item: orderItem(reserved),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        }
      : orderUpdate(
          order,
          {
            status: reserved.status,
            unitPriceIdr: reserved.unitPriceIdr,
            amountIdr: reserved.amountIdr,
            reservedAt: reserved.reservedAt,
            expiresAt: reserved.expiresAt,
            day: reserved.day,
            shardParts: reserved.shardParts,
            payment: compactPayment(reserved, input.payment),
          },
          [],
          'QUEUED',
        );
    const items = [
      orderWrite,
      ...input.parts.map((part) => shardMove(order.resellerId, part, 'onHand', 'reserved', true)),
      // The person's previous hold is settled (paid or released), so it no longer blocks a new one.
      ...(input.settledHold
        ? [
            {
              ConditionCheck: {
                TableName: table(),
                Key: MainKeys.storefrontOrder(input.settledHold),
                ConditionExpression: '#status <> :reserved',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':reserved': 'RESERVED' },
              },
            },
          ]
        : []),
      ...(input.extraItems ?? []),
    ];
    const failed = await commitOrRefusals(items);
    if (!failed) return { outcome: 'RESERVED', order: reserved };
    // Positions stay inside the store: 0 the order, 1..n the shards, n+1 the settled hold.
    if (failed.has(0)) return { outcome: 'ORDER_CHANGED' };
    if (input.settledHold && failed.has(input.parts.length + 1)) return { outcome: 'HOLD_PENDING' };
    return { outcome: 'SHARD_DRY' };
  },

  /**
   * An own-channel sale (a reseller's counter or app, paid to the reseller), in one transaction: the order is
   * written FULFILLED with its serials (only if it does not exist: the Idempotency-Key's order id), stock
   * moves onHand -> sold on the planned shard(s) (conditional on stock and no suspension, as a reservation),
   * the buyer's national day counter is raised (conditional on the cap, `capRoom`), and the order is its
   * own SELL ledger entry (`Index.ledger`): the same figures a storefront sale leaves, without the unpaid
   * hold.
   * `extraItems` ride in the same transaction (the reseller's webhook events).
   */
  async sellDirect(
    order: StorefrontOrder,
    input: StockTaking & { serials: string[] },
  ): Promise<DirectSaleOutcome> {
    const sold = soldAtCounterFrom(order, {
      unitPriceIdr: input.unitPriceIdr,
      at: input.at,
      day: input.day,
      shardParts: input.parts,
      serials: input.serials,
    });
    const items = [
      {
        Put: {
          TableName: table(),
          Item: orderItem(sold, ledgerPlaceOf(sold)),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...input.parts.map((part) => shardSale(order.resellerId, part, 'onHand', input.at)),
      {
        Update: {
          TableName: table(),
          Key: MainKeys.nikDay(order.nikHash, input.day),
          UpdateExpression: `ADD #count :quantity, held :thisOrderSet SET purgeAt = if_not_exists(purgeAt, :purgeAt), orders = list_append(if_not_exists(orders, :noOrders), :thisOrder)${input.verifiedClaim ? ', verifiedClaim = :claim' : ''}`,
          ConditionExpression: capClause(order.quantity, input.cap),
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':quantity': order.quantity,
            ':room': capRoom(input.cap, order.quantity),
            ':purgeAt': Math.floor(Date.parse(input.at) / 1000) + 3 * 86_400,
            ':noOrders': [],
            ':thisOrder': [order.orderId],
            ':thisOrderSet': new Set([order.orderId]),
            ...(input.verifiedClaim ? { ':claim': input.verifiedClaim } : {}),
          },
        },
      },
      ...(input.extraItems ?? []),
    ];
    const failed = await commitOrRefusals(items);
    if (!failed) return { outcome: 'SOLD', order: sold };
    if (failed.has(0)) return { outcome: 'ORDER_CHANGED' };
    if (failed.has(input.parts.length + 1)) return { outcome: 'CAP_REACHED' };
    return { outcome: 'SHARD_DRY' };
  },

  /** One page of a reseller's orders, newest first, created within [from, to], merged across its buckets. */
  async listOrdersOfReseller(
    resellerId: string,
    options: { limit: number; from?: string; to?: string; before?: string; status?: StorefrontOrderStatus },
  ): Promise<{ orders: StorefrontOrder[]; last?: string }> {
    const page = await newestFirstOverBuckets((bucket) => MainKeys.resellerOrders(resellerId, bucket), {
      limit: options.limit,
      ...(options.from ? { lower: options.from } : {}),
      ...(options.to ? { upper: options.to } : {}),
      ...(options.before ? { before: options.before } : {}),
      ...(options.status ? { status: options.status } : {}),
    });
    return { orders: page.items.map(orderOfItem), ...(page.last ? { last: page.last } : {}) };
  },

  /** A reseller's refunds completed on one Asia/Jakarta day (the gateway confirmed them in full). */
  async listCompletedRefunds(
    resellerId: string,
    day: string,
  ): Promise<{ refundId: string; orderId: string; amountIdr: number; refundedAt: string }[]> {
    const keys = await queryAll({
      partition: MainKeys.resellerRefunds(resellerId, day),
      index: Index.byReseller,
    });
    // The index holds keys only: the refund captures are read by key.
    return (await itemsOf(keys)).map((item) => ({
      refundId: String(item.refundId),
      orderId: String(item.pk).slice('SORDER#'.length),
      amountIdr: Number(item.refundedIdr ?? item.amountIdr ?? 0),
      refundedAt: String(item.refundedAt),
    }));
  },

  /** An order refused at intake (sold out, over the cap), recorded so a retry gets the same answer. */
  async createRejectedOrder(order: StorefrontOrder, reason: RejectionReason, at: string): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: orderItem(order, { status: 'REJECTED', reason, rejectedAt: at }),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },

  /** An order the reservation could not take at once, recorded as QUEUED for the reservation queue. */
  async createQueuedOrder(order: StorefrontOrder): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: orderItem(order),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  },

  /**
   * A QUEUED order refused (ConditionFailed: it is not the order read). `heldOn`: the day of the buyer's
   * hold it gives back next (`releaseHold`), kept on the order so that a redelivery can finish that.
   */
  async reject(order: StorefrontOrder, reason: RejectionReason, at: string, heldOn?: string): Promise<void> {
    const update = orderUpdate(
      order,
      { status: 'REJECTED', reason, rejectedAt: at, ...(heldOn ? { day: heldOn } : {}) },
      ['gsi1pk', 'gsi1sk'],
      'QUEUED',
    );
    await storeCall(() => dynamo().send(new UpdateCommand(update.Update)));
  },

  async findCapture(orderId: string, eventId: string): Promise<Record<string, unknown> | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({
          TableName: table(),
          Key: MainKeys.storefrontCapture(orderId, eventId),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item;
  },

  /**
   * Paid in time: the order becomes FULFILLED with its serials (unique by construction: no item per
   * serial) and the capture that bought it, placed in the ledger as its SELL entry (`Index.ledger`).
   * Its stamps were taken from the shard by the hold; a sale from one shard leaves them in its `reserved`
   * for the sale fold (`foldShard`), so it is one conditional write of the order (a transaction only to
   * carry webhook events); a sale from several shards moves them reserved -> sold with the order, all or
   * nothing. ORDER_CHANGED: the order is not what was read.
   */
  async fulfil(
    order: StorefrontOrder,
    capture: GatewayCapture,
    serials: string[],
    at: string,
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<'FULFILLED' | 'ORDER_CHANGED'> {
    const parts = order.shardParts ?? [];
    const folds = parts.length === 1 ? parts[0]?.shard : undefined;
    const orderWrite = orderUpdate(
      order,
      {
        status: 'FULFILLED',
        stamps: serials,
        paidAt: capture.occurredAt,
        fulfilledAt: at,
        captureEventId: capture.eventId,
        affixed: {},
        ...ledgerPlaceOf({ ...order, fulfilledAt: at }),
        ...(folds === undefined ? {} : { foldShard: folds }),
        // Paid: the QR has done its work (see `StorefrontOrder.payment`).
        ...(order.payment ? { payment: compactPayment(order, { ...order.payment, qris: undefined }) } : {}),
      },
      [],
      'RESERVED',
    );
    if (folds !== undefined && extraItems.length === 0) {
      const written = await conditionalWrite(() => dynamo().send(new UpdateCommand(orderWrite.Update)));
      return written ? 'FULFILLED' : 'ORDER_CHANGED';
    }
    const items = [
      orderWrite,
      ...(folds === undefined ? parts.map((part) => shardSale(order.resellerId, part, 'reserved', at)) : []),
      ...extraItems,
    ];
    return (await commitOrRefusals(items)) ? 'ORDER_CHANGED' : 'FULFILLED';
  },

  /**
   * Not paid in time: stock back on sale and the buyer's cap back (the hold ends; the ledger never saw
   * it). Answers the order as
   * it now is (`expiredFrom`), so the caller needs no read-back. ConditionFailed: the order changed.
   */
  async expire(order: StorefrontOrder, at: string): Promise<StorefrontOrder> {
    const parts = order.shardParts ?? [];
    const expired = expiredFrom(order, at);
    await transactWrite([
      orderUpdate(order, { status: expired.status, expiredAt: at }, [], 'RESERVED'),
      ...parts.map((part) => shardMove(order.resellerId, part, 'reserved', 'onHand', false)),
      {
        // The client that let it lapse may not hold this person again for one window (`lapseBlocks`).
        Update: holdGivenBack(order, order.day ?? '', {
          condition: '#count >= :quantity',
          ...(order.clientHash ? { set: 'lapsedClient = :client, lapsedUntil = :until' } : {}),
          values: {
            ':quantity': order.quantity,
            ...(order.clientHash ? { ':client': order.clientHash, ':until': lapseEnds(order, at) } : {}),
          },
        }),
      },
    ]);
    return expired;
  },

  /**
   * One unpaid lapse more against the client that made the reservation, this hour (see `lapseSlowdown`).
   * Its own write after the lapse (`expireReservation`), not part of it: a soft signal that slows a client
   * down need not change with the hold, and in the lapse's transaction it cost two write units more.
   */
  async countClientLapse(clientHash: string, at: string): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.clientLapses(clientHash, at.slice(0, 13)),
          UpdateExpression: 'ADD lapses :one SET purgeAt = if_not_exists(purgeAt, :purgeAt)',
          ExpressionAttributeValues: {
            ':one': 1,
            ':purgeAt': Math.floor(Date.parse(at) / 1000) + 2 * 3_600,
          },
        }),
      ),
    );
  },

  /**
   * A capture that cannot buy the order (late, duplicate, wrong amount) is recorded with a refund to make,
   * in the same step as the order's change (e.g. EXPIRED -> REFUND_PENDING).
   */
  async recordRefundableCapture(
    order: StorefrontOrder,
    capture: GatewayCapture,
    refund: RefundState & { refundId: string },
    nextStatus: StorefrontOrderStatus,
    at: string,
  ): Promise<void> {
    const { refundId, ...state } = refund;
    await transactWrite([
      orderUpdate(order, { status: nextStatus, refunds: { ...order.refunds, [refundId]: state } }),
      {
        Put: {
          TableName: table(),
          Item: {
            ...MainKeys.storefrontCapture(order.orderId, capture.eventId),
            entity: 'Capture',
            ...capture,
            outcome: 'REFUND',
            refundId,
            refundStatus: 'PENDING',
            paymentId: order.payment?.paymentId,
            recordedAt: at,
            ...work('REFUND', refundId, `${at}#${refundId}`),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table(),
          Item: {
            ...MainKeys.refundLookup(refundId),
            entity: 'RefundLookup',
            orderId: order.orderId,
            eventId: capture.eventId,
          },
        },
      },
    ]);
  },

  async findRefund(refundId: string): Promise<{ orderId: string; eventId: string } | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.refundLookup(refundId), ConsistentRead: true }),
      ),
    );
    return result.Item
      ? { orderId: String(result.Item.orderId), eventId: String(result.Item.eventId) }
      : undefined;
  },

  async completeRefund(
    order: StorefrontOrder,
    refundId: string,
    eventId: string,
    at: string,
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<void> {
    const refunds = { ...order.refunds };
    const current = refunds[refundId];
    if (!current) throw new Error(`order ${order.orderId} has no refund ${refundId}`);
    refunds[refundId] = { ...current, status: 'COMPLETED' };
    const allDone = Object.values(refunds).every((refund) => refund.status === 'COMPLETED');
    const nextStatus = order.status === 'REFUND_PENDING' && allDone ? 'REFUNDED' : order.status;
    await transactWrite([
      orderUpdate(order, {
        status: nextStatus,
        refunds,
        ...(nextStatus === 'REFUNDED' ? { refundedAt: at } : {}),
      }),
      // Refund totals per reseller live on a stock shard, like every other per-reseller figure.
      {
        Update: {
          TableName: table(),
          Key: MainKeys.stockShard(order.resellerId, order.shardParts?.[0]?.shard ?? 0),
          UpdateExpression: 'ADD refundedCount :one, refundedIdr :amount',
          ExpressionAttributeValues: { ':one': 1, ':amount': current.amountIdr },
        },
      },
      {
        Update: {
          TableName: table(),
          Key: MainKeys.storefrontCapture(order.orderId, eventId),
          // Completed: off the work index, onto the reseller's refunds of the day (its settlement).
          UpdateExpression:
            'SET refundStatus = :done, refundedAt = :at, resellerId = :reseller, refundedIdr = :amount, gsi2pk = :day, gsi2sk = :sort REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'refundStatus = :pending',
          ExpressionAttributeValues: {
            ':done': 'COMPLETED',
            ':pending': 'PENDING',
            ':at': at,
            ':reseller': order.resellerId,
            ':amount': current.amountIdr,
            ':day': MainKeys.resellerRefunds(order.resellerId, jakartaDay(new Date(at))),
            ':sort': `${at}#${refundId}`,
          },
        },
      },
      ...extraItems,
    ]);
  },

  /** One bucket of the work index for a state, oldest first, up to `before`. */
  async listWork(
    state: 'REFUND',
    bucket: number,
    before: string,
    limit: number,
    cursor?: Record<string, unknown>,
  ) {
    const page = await workDueBefore(MainKeys.storefrontWork(state, bucket), before, limit, cursor);
    return { items: page.items, cursor: page.next };
  },

  /**
   * Counts one order of a NIK in the current minute on the person's day counter (refused, with no write
   * applied, once the NIK is at `limit` this minute: `intakeNoteOf`'s condition) and notes the storefront among those
   * it ordered from today. One write. Intake's reservation counts its order in its own write instead
   * (`reserve`'s `intakeNote`); this is for every order that does not reserve at once.
   */
  async noteNikIntake(input: {
    nikHash: string;
    day: string;
    resellerId: string;
    window: string;
    limit: number;
    at: string;
  }): Promise<{ allowed: false } | { allowed: true; storefronts: string[]; firstAtThisStorefront: boolean }> {
    const note = intakeNoteOf({ window: input.window, limit: input.limit, storefront: input.resellerId });
    try {
      const result = await storeCall(() =>
        dynamo().send(
          new UpdateCommand({
            TableName: table(),
            Key: MainKeys.nikDay(input.nikHash, input.day),
            UpdateExpression: `SET ${note.set}, purgeAt = if_not_exists(purgeAt, :purgeAt) ADD ${note.add}`,
            ConditionExpression: note.condition,
            ExpressionAttributeNames: note.names,
            ExpressionAttributeValues: {
              ...note.values,
              ':purgeAt': Math.floor(Date.parse(input.at) / 1000) + 3 * 86_400,
            },
            ReturnValues: 'UPDATED_OLD',
          }),
        ),
      );
      const before = result.Attributes?.storefronts;
      const earlier = before instanceof Set ? [...before].map(String) : [];
      return {
        allowed: true,
        storefronts: [...new Set([...earlier, input.resellerId])],
        firstAtThisStorefront: !earlier.includes(input.resellerId),
      };
    } catch (error) {
      if (error instanceof ConditionFailed) return { allowed: false };
      throw error;
    }
  },

  /** `orders` more settled by the reservation queue in this minute (on one of its counter's shards). */
  async countDrained(at: Date, orders = 1): Promise<void> {
    const shard = Math.floor(Math.random() * QUEUE_DRAIN_SHARDS);
    await storeCall(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.queueDrain(at.toISOString().slice(0, 16), shard),
          UpdateExpression: 'ADD #count :orders SET purgeAt = if_not_exists(purgeAt, :purgeAt)',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: {
            ':orders': orders,
            ':purgeAt': Math.floor(at.getTime() / 1000) + 3_600,
          },
        }),
      ),
    );
  },

  /** Orders per second the reservation queue settled in the last full minute (0 when it did nothing). */
  async readDrained(now: Date): Promise<number> {
    const previous = new Date(now.getTime() - 60_000).toISOString().slice(0, 16);
    const keys = Array.from({ length: QUEUE_DRAIN_SHARDS }, (_, shard) =>
      MainKeys.queueDrain(previous, shard),
    );
    const items = await batchGetItems(keys);
    return items.reduce((sum, item) => sum + Number(item?.count ?? 0), 0) / 60;
  },

  /**
   * The buyer's stamps reserved today, nationally, and until when their last reservation holds (by default
   * one eventually consistent read: a pre-check only; the reservation's conditions are the truth).
   */
  async readNikDayCounter(
    nikHash: string,
    day: string,
    options: { consistent?: boolean } = {},
  ): Promise<NikDayCounter> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({
          TableName: table(),
          Key: MainKeys.nikDay(nikHash, day),
          ConsistentRead: options.consistent ?? false,
        }),
      ),
    );
    return counterFromItem(result.Item);
  },

  /**
   * What intake reads before it counts anything, in one request (a BatchGet of three keys): the order under
   * this Idempotency-Key (a replay), the buyer's day counter and the client's lapses this hour. Three reads
   * in one round trip instead of three, eventually consistent (half the read units; a key that finds nothing
   * still costs its minimum, and most of these find nothing): each is a hint that a write's condition makes
   * exact. A replay the read missed meets its own order's `attribute_not_exists` (or its hold's `held`
   * set: the order id comes from the key) and is answered from the winner; a count read low meets the
   * hold's cap and intake-limit conditions, then a consistent read (`holdForOrder`).
   */
  async readIntake(input: {
    orderId: string;
    nikHash: string;
    day: string;
    clientHash: string;
    at: Date;
  }): Promise<{ existing?: StorefrontOrder; counter: NikDayCounter; clientLapses: number }> {
    const orderKey = MainKeys.storefrontOrder(input.orderId);
    const counterKey = MainKeys.nikDay(input.nikHash, input.day);
    const lapsesKey = MainKeys.clientLapses(input.clientHash, input.at.toISOString().slice(0, 13));
    const [order, counter, lapses] = await batchGetItems([orderKey, counterKey, lapsesKey], {
      consistent: false,
    });
    return {
      ...(order ? { existing: orderOfItem(order) } : {}),
      counter: counterFromItem(counter),
      clientLapses: Number(lapses?.lapses ?? 0),
    };
  },

  /** The orders a person reserved on these days (from their day counters, one BatchGet of up to 100). */
  async ordersOfPerson(nikHash: string, days: readonly string[]): Promise<string[]> {
    const items = await batchGetItems(days.slice(0, 100).map((day) => MainKeys.nikDay(nikHash, day)));
    return [
      ...new Set(items.flatMap((item) => (Array.isArray(item?.orders) ? item.orders.map(String) : []))),
    ];
  },

  async readNikDay(nikHash: string, day: string): Promise<{ count: number; storefronts: string[] }> {
    const counter = await this.readNikDayCounter(nikHash, day, { consistent: true });
    return { count: counter.count, storefronts: [...counter.storefronts] };
  },
};
