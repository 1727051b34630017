import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../lib/adapters/aws-clients.js';
import type { GatewayPayment } from '../../lib/domain/payment-gateway.js';
import { baselineTable } from './tables.js';

/**
 * The baseline's persistence, as a team would first write it: one stock counter item per reseller, one
 * counter per NIK and day, one item per order, one payment → order lookup. Single-item conditional
 * writes, no transactions.
 */
export const BaselineKeys = {
  stock: (resellerId: string) => ({ pk: `STOCK#${resellerId}`, sk: 'COUNTER' }),
  nikDay: (nikHash: string, day: string) => ({ pk: `NIKDAY#${nikHash}#${day}`, sk: 'COUNTER' }),
  order: (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' }),
  payment: (paymentId: string) => ({ pk: `PAYMENT#${paymentId}`, sk: 'LOOKUP' }),
} as const;

export interface BaselineStock {
  readonly resellerId: string;
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly unitPriceIdr: number;
  readonly open: boolean;
  readonly name: string;
}

export interface BaselineOrder {
  readonly orderId: string;
  readonly resellerId: string;
  readonly nikHash: string;
  readonly day: string;
  readonly quantity: number;
  readonly status: 'RESERVED' | 'FULFILLED';
  readonly unitPriceIdr: number;
  readonly amountIdr: number;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly payment: GatewayPayment;
  readonly stamps?: string[];
  readonly paidAt?: string;
  readonly fulfilledAt?: string;
}

const table = () => baselineTable();

const conditionFailed = (error: unknown): error is ConditionalCheckFailedException =>
  error instanceof ConditionalCheckFailedException;

export const baselineStore = {
  async putStock(stock: BaselineStock): Promise<void> {
    await dynamo().send(
      new PutCommand({ TableName: table(), Item: { ...BaselineKeys.stock(stock.resellerId), ...stock } }),
    );
  },

  async getStock(resellerId: string): Promise<BaselineStock | undefined> {
    const result = await dynamo().send(
      new GetCommand({ TableName: table(), Key: BaselineKeys.stock(resellerId), ConsistentRead: true }),
    );
    return result.Item as BaselineStock | undefined;
  },

  /** Raises the buyer's day counter if it stays within the cap; false when it would not. */
  async takeNikAllowance(nikHash: string, day: string, quantity: number, cap: number): Promise<boolean> {
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: BaselineKeys.nikDay(nikHash, day),
          UpdateExpression: 'ADD #count :quantity',
          ConditionExpression: 'attribute_not_exists(#count) OR #count <= :room',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':quantity': quantity, ':room': cap - quantity },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  },

  async returnNikAllowance(nikHash: string, day: string, quantity: number): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: BaselineKeys.nikDay(nikHash, day),
        UpdateExpression: 'ADD #count :minus',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':minus': -quantity },
      }),
    );
  },

  /**
   * The reservation: onHand → reserved on the reseller's one counter item, only if enough is on hand and
   * the storefront is open. Returns the counter after the update, or why it was refused.
   */
  async reserveStock(
    resellerId: string,
    quantity: number,
  ): Promise<
    { ok: true; stock: BaselineStock } | { ok: false; reason: 'NO_STOREFRONT' | 'CLOSED' | 'SOLD_OUT' }
  > {
    try {
      const result = await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: BaselineKeys.stock(resellerId),
          UpdateExpression: 'ADD onHand :minus, reserved :quantity',
          ConditionExpression: 'onHand >= :quantity AND #open = :true',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':minus': -quantity, ':quantity': quantity, ':true': true },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { ok: true, stock: result.Attributes as BaselineStock };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
      // The SDK returns the item marshalled here: only whether it exists and is open matter.
      const old = error.Item as Record<string, { BOOL?: boolean }> | undefined;
      if (!old) return { ok: false, reason: 'NO_STOREFRONT' };
      if (old.open?.BOOL !== true) return { ok: false, reason: 'CLOSED' };
      return { ok: false, reason: 'SOLD_OUT' };
    }
  },

  async releaseStock(resellerId: string, quantity: number): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: BaselineKeys.stock(resellerId),
        UpdateExpression: 'ADD onHand :quantity, reserved :minus',
        ExpressionAttributeValues: { ':quantity': quantity, ':minus': -quantity },
      }),
    );
  },

  async putOrder(order: BaselineOrder): Promise<void> {
    await dynamo().send(
      new PutCommand({ TableName: table(), Item: { ...BaselineKeys.order(order.orderId), ...order } }),
    );
  },

  async putPaymentLookup(paymentId: string, orderId: string): Promise<void> {
    await dynamo().send(
      new PutCommand({ TableName: table(), Item: { ...BaselineKeys.payment(paymentId), orderId } }),
    );
  },

  async findOrderIdByPayment(paymentId: string): Promise<string | undefined> {
    const result = await dynamo().send(
      new GetCommand({ TableName: table(), Key: BaselineKeys.payment(paymentId), ConsistentRead: true }),
    );
    return result.Item ? String(result.Item.orderId) : undefined;
  },

  async getOrder(orderId: string, consistent = false): Promise<BaselineOrder | undefined> {
    const result = await dynamo().send(
      new GetCommand({ TableName: table(), Key: BaselineKeys.order(orderId), ConsistentRead: consistent }),
    );
    if (!result.Item) return undefined;
    const { pk: _pk, sk: _sk, ...order } = result.Item;
    return order as BaselineOrder;
  },

  /** RESERVED → FULFILLED, once: false when the order was not RESERVED any more (a duplicate webhook). */
  async fulfilOrder(orderId: string, stamps: string[], paidAt: string, at: string): Promise<boolean> {
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: BaselineKeys.order(orderId),
          UpdateExpression: 'SET #status = :fulfilled, stamps = :stamps, paidAt = :paidAt, fulfilledAt = :at',
          ConditionExpression: '#status = :reserved',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':fulfilled': 'FULFILLED',
            ':reserved': 'RESERVED',
            ':stamps': stamps,
            ':paidAt': paidAt,
            ':at': at,
          },
        }),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  },

  /** reserved → sold on the reseller's counter item. */
  async sellStock(resellerId: string, quantity: number): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: BaselineKeys.stock(resellerId),
        UpdateExpression: 'ADD reserved :minus, sold :quantity',
        ExpressionAttributeValues: { ':minus': -quantity, ':quantity': quantity },
      }),
    );
  },
};
