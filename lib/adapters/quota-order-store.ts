import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import { QUOTA_ORDER_STATUSES, type QuotaOrder, type QuotaOrderStatus } from '../domain/quota-order.js';
import { Index, MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { storeCall } from './dynamo-errors.js';
import { countAll, queryAll, queryPage } from './partition-query.js';
import { transactWrite } from './transact.js';

/** Quota orders: the order under its reseller, its billing-code and NTPN lookups, and its work-index entries. */
const table = () => config().mainTable;

const QuotaOrderRecord = z.object({
  id: z.string(),
  resellerId: z.string(),
  status: z.enum(QUOTA_ORDER_STATUSES),
  quantity: z.number().int(),
  amountIdr: z.number().int(),
  billingCode: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  ntpn: z.string().optional(),
  paidAt: z.string().optional(),
  allocatedQuantity: z.number().int(),
  allocatedAt: z.string().optional(),
  requestHash: z.string(),
  /** The allocation's bookkeeping: when a chunk last landed, and which attempt wrote it (its own write?). */
  lastAllocationAt: z.string().optional(),
  lastChunkAttempt: z.string().optional(),
});
export type StoredQuotaOrder = QuotaOrder & {
  readonly requestHash: string;
  readonly lastAllocationAt?: string;
  readonly lastChunkAttempt?: string;
};

/** A stored order read back as the domain's QuotaOrder (keys, index keys and entity tag dropped), checked. */
export const quotaOrderOf = (item: Record<string, unknown>): StoredQuotaOrder =>
  QuotaOrderRecord.parse(item) as StoredQuotaOrder;

/** One page of a work-index partition, in sort-key order. */
const workPage = async (partition: string, limit: number, cursor?: Record<string, unknown>) => {
  const page = await queryPage({ partition, index: Index.work }, limit, cursor);
  return { orders: page.items.map(quotaOrderOf), cursor: page.next };
};

export const quotaOrderStore = {
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
    return result.Item ? quotaOrderOf(result.Item) : undefined;
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
    return countAll({ partition: MainKeys.allocationWork, index: Index.work });
  },

  async listQuotaOrdersOfReseller(resellerId: string): Promise<StoredQuotaOrder[]> {
    // Every page: the settlement of a day needs all of a reseller's quota orders (few per reseller).
    const items = await queryAll({
      partition: MainKeys.resellerProfile(resellerId).pk,
      sortKeyPrefix: MainKeys.quotaOrderPrefix,
    });
    return items.map(quotaOrderOf);
  },
};
