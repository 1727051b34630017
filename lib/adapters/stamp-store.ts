import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { storeCall } from './dynamo-errors.js';
import { transactWrite } from './transact.js';

/** One item per sold stamp: its status, and the one document it was affixed to. */
export interface StampRecord {
  readonly serial: string;
  readonly status: 'SOLD' | 'AFFIXED';
  readonly resellerId: string;
  readonly orderId: string;
  readonly shard: number;
  readonly soldAt: string;
  readonly affixedAt?: string;
  readonly documentSha256?: string;
}

const table = () => config().mainTable;

export const stampStore = {
  async get(serial: string): Promise<StampRecord | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.serial(serial), ConsistentRead: true }),
      ),
    );
    if (!result.Item) return undefined;
    const { pk: _pk, sk: _sk, entity: _entity, ...stamp } = result.Item;
    return stamp as StampRecord;
  },

  /** Binds the stamp to a document exactly once (conditional on SOLD) and counts it on its shard. */
  async affix(stamp: StampRecord, documentSha256: string, at: string): Promise<void> {
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.serial(stamp.serial),
          UpdateExpression: 'SET #status = :affixed, documentSha256 = :document, affixedAt = :at',
          ConditionExpression: '#status = :sold',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':affixed': 'AFFIXED',
            ':sold': 'SOLD',
            ':document': documentSha256,
            ':at': at,
          },
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
    ]);
  },
};
