import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { Index, type IndexDefinition } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { storeCall } from './dynamo-errors.js';

/**
 * One partition of the main table (or of one of its indexes) read with Query: a page at a time (DynamoDB's
 * Limit, so a page reads about what it returns), or every page for the few partitions that are small by
 * construction. Every store reads partitions through here.
 */
export interface PartitionQuery {
  /** The partition key's value (in the index's partition key, with `index`). */
  readonly partition: string;
  readonly index?: IndexDefinition;
  /** Only sort keys that start with this (the table's `sk`; not with an index). */
  readonly sortKeyPrefix?: string;
  /** Only sort keys at or after this (the table's `sk`). */
  readonly sortKeyFrom?: string;
  readonly newestFirst?: boolean;
  readonly consistent?: boolean;
}

export type StartKey = Record<string, unknown>;

const input = (query: PartitionQuery) => {
  const partitionKey = query.index?.partitionKey ?? 'pk';
  const sortCondition = query.sortKeyPrefix
    ? ' AND begins_with(sk, :sk)'
    : query.sortKeyFrom
      ? ' AND sk >= :sk'
      : '';
  return {
    TableName: config().mainTable,
    ...(query.index ? { IndexName: query.index.indexName } : {}),
    KeyConditionExpression: `${partitionKey} = :pk${sortCondition}`,
    ExpressionAttributeValues: {
      ':pk': query.partition,
      ...(sortCondition ? { ':sk': query.sortKeyPrefix ?? query.sortKeyFrom } : {}),
    },
    ...(query.newestFirst ? { ScanIndexForward: false } : {}),
    ...(query.consistent ? { ConsistentRead: true } : {}),
  };
};

/** At most `limit` items after `start`, and the key to continue from when there are more. */
export const queryPage = async (
  query: PartitionQuery,
  limit: number,
  start?: StartKey,
): Promise<{ items: Record<string, unknown>[]; next?: StartKey }> => {
  const result = await storeCall(() =>
    dynamo().send(new QueryCommand({ ...input(query), Limit: limit, ExclusiveStartKey: start })),
  );
  return {
    items: result.Items ?? [],
    ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}),
  };
};

/**
 * One page of a work-index partition (`Index.work`, sorted by when each entry is due): the entries due
 * before `before`, soonest first, and the key to continue from when there are more.
 */
export const workDueBefore = async (
  partition: string,
  before: string,
  limit: number,
  start?: StartKey,
): Promise<{ items: Record<string, unknown>[]; next?: StartKey }> => {
  const result = await storeCall(() =>
    dynamo().send(
      new QueryCommand({
        TableName: config().mainTable,
        IndexName: Index.work.indexName,
        KeyConditionExpression: `${Index.work.partitionKey} = :pk AND ${Index.work.sortKey} < :before`,
        ExpressionAttributeValues: { ':pk': partition, ':before': before },
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    ),
  );
  return {
    items: result.Items ?? [],
    ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}),
  };
};

/** Every item of the partition, page after page: only for partitions small by construction. */
export const queryAll = async (query: PartitionQuery): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: StartKey | undefined;
  do {
    const result = await storeCall(() =>
      dynamo().send(new QueryCommand({ ...input(query), ExclusiveStartKey: start })),
    );
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
};

/** How many items the partition holds (counted by DynamoDB, page after page; no item is returned). */
export const countAll = async (query: PartitionQuery): Promise<number> => {
  let count = 0;
  let start: StartKey | undefined;
  do {
    const result = await storeCall(() =>
      dynamo().send(new QueryCommand({ ...input(query), Select: 'COUNT', ExclusiveStartKey: start })),
    );
    count += result.Count ?? 0;
    start = result.LastEvaluatedKey;
  } while (start);
  return count;
};
