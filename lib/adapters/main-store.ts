import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import type { QuotaOrder, QuotaOrderStatus } from '../domain/quota-order.js';
import { Index, MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { ConditionFailed, storeCall } from './dynamo-errors.js';
import { transactWrite } from './transact.js';

/** Persistence of kuota's own records in the main table. All keys come from MainKeys. */
const table = () => config().mainTable;

export interface ResellerProfile {
  readonly resellerId: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'SUSPENDED';
  readonly holdingCap: number;
  /** Stamps bought but not yet in stock: awaiting payment + paid and not yet allocated. */
  readonly pipeline: number;
  readonly serviceFeeCapIdr: number;
  readonly serviceFeeIdr: number;
  readonly storefrontOpen: boolean;
  /**
   * Running aggregates for the regulator, kept by the writes that change them (absent until the first):
   * the duty of every credited quota order, the payment time of the first allocated order (idle stock is
   * idle since then at most), and the quota orders awaiting payment (the reconciliation's backlog).
   */
  readonly quotaPaidIdr?: number;
  readonly stockSince?: string;
  readonly awaitingPaymentOrders?: number;
}

export interface AuditRecord {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly resellerId?: string;
  readonly details: Record<string, unknown>;
}

/** The audit record of a regulator's action, as one item of a transaction that makes the change itself. */
export const auditPut = (audit: AuditRecord, auditId: string) => ({
  Put: {
    TableName: table(),
    Item: {
      pk: MainKeys.auditOfDay(audit.at.slice(0, 10)),
      sk: `${audit.at}#${auditId}`,
      entity: 'AuditRecord',
      auditId,
      ...audit,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

export interface AlertRecord {
  readonly kind: string;
  readonly at: string;
  readonly resellerId?: string;
  readonly evidence: Record<string, unknown>;
}

/** A stored alert: the first occurrence's record, how often it recurred that day, and when it last did. */
export interface StoredAlert extends AlertRecord {
  readonly alertId: string;
  readonly occurrences: number;
  readonly lastAt: string;
}

type StoredQuotaOrder = QuotaOrder & { requestHash: string };

const toQuotaOrder = (item: Record<string, unknown>): StoredQuotaOrder => {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, entity: _e, ...rest } = item;
  return rest as unknown as StoredQuotaOrder;
};

/** One page of a work-index partition, in sort-key order. */
const workPage = async (partition: string, limit: number, cursor?: Record<string, unknown>) => {
  const result = await storeCall(() =>
    dynamo().send(
      new QueryCommand({
        TableName: table(),
        IndexName: Index.work.indexName,
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        Limit: limit,
        ExclusiveStartKey: cursor,
      }),
    ),
  );
  return { orders: (result.Items ?? []).map(toQuotaOrder), cursor: result.LastEvaluatedKey };
};

/** Every item of one partition (optionally those whose sort key starts with a prefix), all pages. */
const wholePartition = async (
  pk: string,
  options: { sortKeyPrefix?: string; newestFirst?: boolean } = {},
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const result = await storeCall(() =>
      dynamo().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: options.sortKeyPrefix
            ? 'pk = :pk AND begins_with(sk, :prefix)'
            : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': pk,
            ...(options.sortKeyPrefix ? { ':prefix': options.sortKeyPrefix } : {}),
          },
          ScanIndexForward: !options.newestFirst,
          ExclusiveStartKey: cursor,
        }),
      ),
    );
    items.push(...(result.Items ?? []));
    cursor = result.LastEvaluatedKey;
  } while (cursor);
  return items;
};

export const mainStore = {
  async getReseller(resellerId: string): Promise<ResellerProfile | undefined> {
    const result = await storeCall(() =>
      dynamo().send(new GetCommand({ TableName: table(), Key: MainKeys.resellerProfile(resellerId) })),
    );
    return result.Item as ResellerProfile | undefined;
  },

  async putReseller(profile: ResellerProfile): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: { ...MainKeys.resellerProfile(profile.resellerId), entity: 'Reseller', ...profile },
        }),
      ),
    );
  },

  async getQuotaOrder(resellerId: string, orderId: string): Promise<StoredQuotaOrder | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({
          TableName: table(),
          Key: MainKeys.quotaOrder(resellerId, orderId),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? toQuotaOrder(result.Item) : undefined;
  },

  /**
   * Creates the order and its billing-code lookup together, or neither, and counts the order into the
   * reseller's pipeline. The pipeline condition serialises concurrent orders of one reseller, so two
   * orders cannot both squeeze under the holding cap; the status condition makes a suspension final.
   */
  async createQuotaOrder(order: QuotaOrder, requestHash: string, expectedPipeline: number): Promise<void> {
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.resellerProfile(order.resellerId),
          UpdateExpression: 'SET pipeline = :next ADD awaitingPaymentOrders :one',
          ConditionExpression: 'pipeline = :expected AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': expectedPipeline + order.quantity,
            ':expected': expectedPipeline,
            ':active': 'ACTIVE',
            ':one': 1,
          },
        },
      },
      {
        Put: {
          TableName: table(),
          Item: {
            ...MainKeys.quotaOrder(order.resellerId, order.id),
            entity: 'QuotaOrder',
            gsi1pk: MainKeys.awaitingPaymentWorkOf(order.resellerId),
            gsi1sk: `${order.expiresAt}#${order.resellerId}#${order.id}`,
            ...order,
            requestHash,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: table(),
          Item: {
            ...MainKeys.billing(order.billingCode),
            entity: 'BillingLookup',
            resellerId: order.resellerId,
            orderId: order.id,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  },

  async findOrderByBillingCode(
    billingCode: string,
  ): Promise<{ resellerId: string; orderId: string } | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.billing(billingCode), ConsistentRead: true }),
      ),
    );
    if (!result.Item) return undefined;
    return { resellerId: String(result.Item.resellerId), orderId: String(result.Item.orderId) };
  },

  async getNtpn(ntpn: string): Promise<{ billingCode: string; orderId: string } | undefined> {
    const result = await storeCall(() =>
      dynamo().send(new GetCommand({ TableName: table(), Key: MainKeys.ntpn(ntpn), ConsistentRead: true })),
    );
    if (!result.Item) return undefined;
    return { billingCode: String(result.Item.billingCode), orderId: String(result.Item.orderId) };
  },

  /**
   * The exactly-once credit: the NTPN record (which may exist only once, nationally) and the order's move to
   * PAID commit together. A repeated notice fails the NTPN condition and changes nothing.
   */
  async markQuotaOrderPaid(
    order: QuotaOrder,
    payment: { ntpn: string; paidAt: string },
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<void> {
    // The regulator's running figures move with the credit: the duty paid, and one order less awaiting
    // payment. A late payment of an EXPIRED order puts its stamps back into the pipeline the expiry took
    // them from (the expiry already counted it out of the orders awaiting payment).
    const profileUpdate = {
      Update: {
        TableName: table(),
        Key: MainKeys.resellerProfile(order.resellerId),
        UpdateExpression:
          order.status === 'EXPIRED'
            ? 'ADD pipeline :quantity, quotaPaidIdr :amount'
            : 'ADD quotaPaidIdr :amount, awaitingPaymentOrders :minusOne',
        ExpressionAttributeValues:
          order.status === 'EXPIRED'
            ? { ':quantity': order.quantity, ':amount': order.amountIdr }
            : { ':amount': order.amountIdr, ':minusOne': -1 },
      },
    };
    await transactWrite([
      profileUpdate,
      {
        Put: {
          TableName: table(),
          Item: {
            ...MainKeys.ntpn(payment.ntpn),
            entity: 'Ntpn',
            billingCode: order.billingCode,
            resellerId: order.resellerId,
            orderId: order.id,
            amountIdr: order.amountIdr,
            paidAt: payment.paidAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: table(),
          Key: MainKeys.quotaOrder(order.resellerId, order.id),
          UpdateExpression:
            'SET #status = :paid, ntpn = :ntpn, paidAt = :paidAt, lastAllocationAt = :paidAt, gsi1pk = :work, gsi1sk = :workSort',
          ConditionExpression: 'attribute_exists(pk) AND #status = :was AND attribute_not_exists(ntpn)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':paid': 'PAID' satisfies QuotaOrderStatus,
            ':ntpn': payment.ntpn,
            ':paidAt': payment.paidAt,
            ':was': order.status,
            ':work': MainKeys.allocationWork,
            ':workSort': `${payment.paidAt}#${order.resellerId}#${order.id}`,
          },
        },
      },
      ...extraItems,
    ]);
  },

  /** Expires the order and takes its stamps out of the reseller's pipeline, together. */
  async markQuotaOrderExpired(order: QuotaOrder): Promise<void> {
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.quotaOrder(order.resellerId, order.id),
          UpdateExpression: 'SET #status = :expired REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#status = :awaiting',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':expired': 'EXPIRED', ':awaiting': 'AWAITING_PAYMENT' },
        },
      },
      {
        Update: {
          TableName: table(),
          Key: MainKeys.resellerProfile(order.resellerId),
          UpdateExpression: 'ADD pipeline :minus, awaitingPaymentOrders :minusOne',
          ExpressionAttributeValues: { ':minus': -order.quantity, ':minusOne': -1 },
        },
      },
    ]);
  },

  /** Paid orders with stamps still to allocate, oldest payment first. */
  async listAllocationWork(limit: number, cursor?: Record<string, unknown>) {
    return workPage(MainKeys.allocationWork, limit, cursor);
  },

  async countAllocationWork(): Promise<number> {
    let count = 0;
    let cursor: Record<string, unknown> | undefined;
    do {
      const result = await storeCall(() =>
        dynamo().send(
          new QueryCommand({
            TableName: table(),
            IndexName: Index.work.indexName,
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': MainKeys.allocationWork },
            Select: 'COUNT',
            ExclusiveStartKey: cursor,
          }),
        ),
      );
      count += result.Count ?? 0;
      cursor = result.LastEvaluatedKey;
    } while (cursor);
    return count;
  },

  async listQuotaOrdersOfReseller(resellerId: string): Promise<StoredQuotaOrder[]> {
    const items = await wholePartition(MainKeys.resellerProfile(resellerId).pk, {
      sortKeyPrefix: MainKeys.quotaOrderPrefix,
    });
    return items.map(toQuotaOrder);
  },

  async updateStorefrontSettings(resellerId: string, settings: { serviceFeeIdr: number; open: boolean }) {
    await storeCall(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.resellerProfile(resellerId),
          UpdateExpression: 'SET serviceFeeIdr = :fee, storefrontOpen = :open',
          // The cap may have been lowered since it was read: the write re-checks it.
          ConditionExpression: 'attribute_exists(pk) AND serviceFeeCapIdr >= :fee',
          ExpressionAttributeValues: { ':fee': settings.serviceFeeIdr, ':open': settings.open },
        }),
      ),
    );
  },

  /** Applies a regulator's change to a reseller together with its audit record, or neither. */
  async updateResellerByRegulator(
    resellerId: string,
    changes: { holdingCap?: number; serviceFeeCapIdr?: number; status?: 'ACTIVE' | 'SUSPENDED' },
    audit: AuditRecord,
    auditId: string,
  ): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (changes.holdingCap !== undefined) {
      sets.push('holdingCap = :cap');
      values[':cap'] = changes.holdingCap;
    }
    if (changes.serviceFeeCapIdr !== undefined) {
      sets.push('serviceFeeCapIdr = :feeCap');
      values[':feeCap'] = changes.serviceFeeCapIdr;
    }
    if (changes.status !== undefined) {
      sets.push('#status = :status');
      values[':status'] = changes.status;
    }
    if (sets.length === 0) return;
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.resellerProfile(resellerId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ...(changes.status !== undefined ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ExpressionAttributeValues: values,
        },
      },
      // Suspension is also stamped on every stock shard, so reservations stop at once: the
      // reservation's shard condition sees it without reading the (hot) profile.
      ...(changes.status !== undefined
        ? Array.from({ length: config().stockShardCount }, (_, shard) => ({
            Update: {
              TableName: table(),
              Key: MainKeys.stockShard(resellerId, shard),
              UpdateExpression: 'SET suspended = :suspended',
              ExpressionAttributeValues: { ':suspended': changes.status === 'SUSPENDED' },
            },
          }))
        : []),
      auditPut(audit, auditId),
    ]);
  },

  /** A lowered fee cap binds at once: a fee above it comes down to it (one conditional write, no race). */
  async lowerServiceFeeTo(resellerId: string, capIdr: number): Promise<boolean> {
    try {
      await storeCall(() =>
        dynamo().send(
          new UpdateCommand({
            TableName: table(),
            Key: MainKeys.resellerProfile(resellerId),
            UpdateExpression: 'SET serviceFeeIdr = :cap',
            ConditionExpression: 'attribute_exists(pk) AND serviceFeeIdr > :cap',
            ExpressionAttributeValues: { ':cap': capIdr },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailed) return false;
      throw error;
    }
  },

  async listAuditOfDay(day: string): Promise<(AuditRecord & { auditId: string })[]> {
    return (await wholePartition(MainKeys.auditOfDay(day), {
      newestFirst: true,
    })) as unknown as (AuditRecord & {
      auditId: string;
    })[];
  },

  /** Orders awaiting payment in the shared partition of before per-reseller lanes, a page at a time. */
  async listAwaitingPayment(limit: number, cursor?: Record<string, unknown>) {
    return workPage(MainKeys.awaitingPaymentWork, limit, cursor);
  },

  /** Alerts are keyed by a business id, so recording the same finding twice keeps one alert. */
  /**
   * One alert per id and day, however often it recurs: the first occurrence's record is kept, the count and
   * the last time grow (so a caller repeating a refused call grows a number, not the table).
   */
  async recordAlert(alertId: string, alert: AlertRecord): Promise<void> {
    const day = alert.at.slice(0, 10);
    await storeCall(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.alert(day, alertId),
          UpdateExpression: [
            'SET entity = :entity, alertId = :alertId, kind = if_not_exists(kind, :kind)',
            '#at = if_not_exists(#at, :at), evidence = if_not_exists(evidence, :evidence), lastAt = :at',
            ...(alert.resellerId ? ['resellerId = :resellerId'] : []),
          ]
            .join(', ')
            .concat(' ADD occurrences :one'),
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: {
            ':entity': 'Alert',
            ':alertId': alertId,
            ':kind': alert.kind,
            ':at': alert.at,
            ':evidence': alert.evidence,
            ':one': 1,
            ...(alert.resellerId ? { ':resellerId': alert.resellerId } : {}),
          },
        }),
      ),
    );
  },

  async listAlertsOfDay(day: string): Promise<StoredAlert[]> {
    return (await wholePartition(MainKeys.alertsOfDay(day))).map((item) => ({
      alertId: String(item.alertId),
      kind: String(item.kind),
      at: String(item.at),
      ...(typeof item.resellerId === 'string' ? { resellerId: item.resellerId } : {}),
      evidence: (item.evidence ?? {}) as Record<string, unknown>,
      occurrences: Number(item.occurrences ?? 1),
      lastAt: String(item.lastAt ?? item.at),
    }));
  },
};
