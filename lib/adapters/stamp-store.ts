import { config } from '../config.js';
import { type Stamp, stampSlot } from '../domain/storefront-order.js';
import { MainKeys } from '../infra/resources.js';
import { transactWrite } from './transact.js';

const table = () => config().mainTable;

/**
 * A stamp has no item of its own: it is a slot of the order that sold it (see `domain/serials.ts`), and
 * affixing it writes the document into that slot.
 */
export const stampStore = {
  /** Binds the stamp to a document exactly once (conditional on the empty slot) and counts it on its shard. */
  async affix(
    stamp: Stamp,
    documentSha256: string,
    at: string,
    /** The reseller's webhook event (stamping.completed), recorded in this same write. */
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<void> {
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.storefrontOrder(stamp.orderId),
          UpdateExpression: 'SET affixed.#slot = :binding',
          ConditionExpression: 'attribute_exists(fulfilledAt) AND attribute_not_exists(affixed.#slot)',
          ExpressionAttributeNames: { '#slot': stampSlot(stamp.index) },
          ExpressionAttributeValues: { ':binding': { documentSha256, at } },
        },
      },
      {
        Update: {
          TableName: table(),
          Key: MainKeys.stockShard(stamp.resellerId, stamp.shard),
          UpdateExpression: 'ADD affixed :one',
          ExpressionAttributeValues: { ':one': 1 },
        },
      },
      ...extraItems,
    ]);
  },
};
