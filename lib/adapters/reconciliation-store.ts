import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import type { QuotaOrder } from '../domain/quota-order.js';
import { Index, MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { batchGetItems } from './batch-get.js';
import { storeCall } from './dynamo-errors.js';
import { queryPage } from './partition-query.js';
import { quotaOrderOf } from './quota-order-store.js';

/**
 * The tax reconciliation's reads: one page of a lane (a work-index partition of quota orders awaiting
 * payment), where each lane was left, and the resellers' running count of orders awaiting payment.
 */
const table = () => config().mainTable;

export type LaneCursor = Record<string, unknown>;

const toQuotaOrder = (item: Record<string, unknown>): QuotaOrder => {
  // The lane's items are the quota orders themselves (KEYS_ALL index): parsed as the order store parses them.
  const { requestHash: _hash, ...order } = quotaOrderOf(item);
  return order;
};

export const reconciliationStore = {
  /** At most `limit` orders of one lane after `start`, oldest billing expiry first, each with its index key. */
  async lanePage(lane: string, limit: number, start?: LaneCursor) {
    const page = await queryPage({ partition: lane, index: Index.work }, limit, start);
    return page.items.map((item) => ({
      order: toQuotaOrder(item),
      key: { pk: item.pk, sk: item.sk, gsi1pk: item.gsi1pk, gsi1sk: item.gsi1sk } as LaneCursor,
    }));
  },

  async readCursors(): Promise<{ lanes: Record<string, LaneCursor>; rotation: number }> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.reconciliationCursor, ConsistentRead: true }),
      ),
    );
    return {
      lanes: (result.Item?.lanes ?? {}) as Record<string, LaneCursor>,
      rotation: Number(result.Item?.rotation ?? 0),
    };
  },

  async writeCursors(state: { lanes: Record<string, LaneCursor>; rotation: number }, at: string) {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: { ...MainKeys.reconciliationCursor, entity: 'ReconciliationCursor', ...state, at },
        }),
      ),
    );
  },

  /** Σ of the resellers' counts of quota orders awaiting payment (kept in the profile by each transition). */
  async awaitingTotal(resellerIds: readonly string[]): Promise<number> {
    const profiles = await batchGetItems(
      resellerIds.map((id) => MainKeys.resellerProfile(id)),
      { projection: 'awaitingPaymentOrders' },
    );
    const total = profiles.reduce(
      (sum, item) => sum + Math.max(0, Number(item?.awaitingPaymentOrders ?? 0)),
      0,
    );
    return total;
  },
};
