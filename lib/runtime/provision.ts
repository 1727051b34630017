import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type Projection,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type BucketKey,
  Buckets,
  DLQ_RETENTION_DAYS,
  deadLetterName,
  Index,
  type IndexDefinition,
  physicalName,
  projectionOf,
  type QueueKey,
  Queues,
  type ResourceDefinition,
  type TableKey,
  Tables,
  visibilityTimeoutSeconds,
} from '../infra/resources.js';
import { migrateLedgerToIndex } from './ledger-migration.js';

/** Creates each definition's resource under its physical name (`create`), and answers the names by key. */
const createEach = async <K extends string, D extends ResourceDefinition>(
  definitions: Record<K, D>,
  prefix: string,
  create: (name: string, definition: D) => Promise<void>,
): Promise<Record<K, string>> => {
  const names = {} as Record<K, string>;
  for (const [key, definition] of Object.entries(definitions) as [K, D][]) {
    names[key] = physicalName(prefix, definition.logicalName);
    await create(names[key], definition);
  }
  return names;
};

/** A global secondary index as DynamoDB takes it, on table creation and when added to a kept table. */
const globalIndex = (index: IndexDefinition) => ({
  IndexName: index.indexName,
  KeySchema: [
    { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: projectionOf(index),
});

/**
 * Creates the local tables from the same definitions the CDK stack deploys. Idempotent: a restart over
 * persisted data leaves existing tables alone.
 */
export const provisionTables = (client: DynamoDBClient, prefix: string): Promise<Record<TableKey, string>> =>
  createEach(Tables, prefix, async (name, table) => {
    const attributes = new Map<string, AttributeDefinition>();
    const addAttribute = (attributeName: string) =>
      attributes.set(attributeName, { AttributeName: attributeName, AttributeType: 'S' });
    addAttribute(table.partitionKey);
    addAttribute(table.sortKey);
    for (const index of table.indexes) {
      addAttribute(index.partitionKey);
      addAttribute(index.sortKey);
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes.values()],
          KeySchema: [
            { AttributeName: table.partitionKey, KeyType: 'HASH' },
            { AttributeName: table.sortKey, KeyType: 'RANGE' },
          ],
          ...(table.indexes.length > 0 ? { GlobalSecondaryIndexes: table.indexes.map(globalIndex) } : {}),
        }),
      );
      if (table.timeToLiveAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const added = await addMissingIndexes(client, name, table.indexes);
    // A kept main table from before the ledger index holds the ledger as it was then.
    if (table === Tables.main && added.includes(Index.ledger.indexName))
      await migrateLedgerToIndex(client, name);
  });

/**
 * A table kept from an older version (`npm start` persists DynamoDB Local's data) gets the indexes added
 * since, one at a time, as UpdateTable allows; reads of a missing index would fail otherwise. An index
 * whose projection changed since is built again (DynamoDB cannot change a projection in place; it fills the
 * new index from the items, which carry its keys). Answers the indexes it added (not those it rebuilt).
 */
const addMissingIndexes = async (
  client: DynamoDBClient,
  name: string,
  indexes: readonly IndexDefinition[],
): Promise<string[]> => {
  const added: string[] = [];
  for (const index of indexes) {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    const present = (described.Table?.GlobalSecondaryIndexes ?? []).find(
      (found) => found.IndexName === index.indexName,
    );
    if (present && sameProjection(present.Projection, index)) continue;
    if (present) {
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: index.indexName } }],
        }),
      );
      await indexGone(client, name, index.indexName);
    } else added.push(index.indexName);
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex(index) }],
      }),
    );
    // DynamoDB builds one new index of a table at a time: the next waits until this one is ACTIVE.
    await indexActive(client, name, index.indexName);
  }
  return added;
};

/**
 * Waits until the index is ACTIVE: about a second for a kept state directory's DynamoDB Local; two minutes
 * at most (an emulator shared by many busy stacks was seen to take longer).
 */
/** Whether a described index projects what `index` declares (the included attributes in any order). */
const sameProjection = (projection: Projection | undefined, index: IndexDefinition): boolean => {
  const wanted = projectionOf(index);
  return (
    projection?.ProjectionType === wanted.ProjectionType &&
    [...(projection?.NonKeyAttributes ?? [])].sort().join() ===
      [...(wanted.NonKeyAttributes ?? [])].sort().join()
  );
};

/** Waits until a deleted index is gone from its table (and the table is ACTIVE again). */
const indexGone = async (client: DynamoDBClient, name: string, indexName: string): Promise<void> => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    const index = described.Table?.GlobalSecondaryIndexes?.find((found) => found.IndexName === indexName);
    if (!index && described.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`index ${indexName} of ${name} is still ${index?.IndexStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

const indexActive = async (client: DynamoDBClient, name: string, indexName: string): Promise<void> => {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    const index = described.Table?.GlobalSecondaryIndexes?.find((found) => found.IndexName === indexName);
    if (index?.IndexStatus === 'ACTIVE' && described.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline)
      throw new Error(`index ${indexName} of ${name} is still ${index?.IndexStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

export interface ProvisionedQueue {
  readonly url: string;
  readonly arn: string;
  readonly deadLetterUrl: string;
}

/**
 * Creates a queue, or, when a kept one (a persisted state directory) has other attributes, sets them: the
 * queue and its messages stay, with the attributes the code now declares.
 */
const ensureQueue = async (
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ QueueUrl?: string }> => {
  try {
    return await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  } catch (error) {
    // fauxqs answers in the query-compatible form (AWS.SimpleQueueService.QueueNameExists).
    const exists =
      error instanceof QueueNameExists || (error instanceof Error && error.name.endsWith('QueueNameExists'));
    if (!exists) throw error;
    const existing = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    await client.send(new SetQueueAttributesCommand({ QueueUrl: existing.QueueUrl, Attributes: attributes }));
    return existing;
  }
};

export const provisionQueues = async (
  client: SQSClient,
  prefix: string,
  options: { visibilityTimeoutSeconds?: number } = {},
): Promise<Record<QueueKey, ProvisionedQueue>> => {
  const result = {} as Record<QueueKey, ProvisionedQueue>;
  for (const [key, queue] of Object.entries(Queues) as [QueueKey, (typeof Queues)[QueueKey]][]) {
    const dlq = await ensureQueue(client, physicalName(prefix, deadLetterName(queue.logicalName)), {
      MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * 24 * 3600),
    });
    const dlqUrl = dlq.QueueUrl ?? '';
    const dlqAttributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const created = await ensureQueue(client, physicalName(prefix, queue.logicalName), {
      VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? visibilityTimeoutSeconds(queue)),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
        maxReceiveCount: queue.maxReceiveCount,
      }),
    });
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    result[key] = {
      url: created.QueueUrl ?? '',
      arn: attributes.Attributes?.QueueArn ?? '',
      deadLetterUrl: dlqUrl,
    };
  }
  return result;
};

/**
 * Creates the local buckets (fauxqs's S3) with the lifecycle rule the stack deploys. Idempotent.
 */
export const provisionBuckets = (client: S3Client, prefix: string): Promise<Record<BucketKey, string>> =>
  createEach(Buckets, prefix, async (name, bucket) => {
    try {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
    }
    await client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: name,
        LifecycleConfiguration: {
          Rules: [
            {
              ID: 'expire-documents',
              Status: 'Enabled',
              Filter: { Prefix: '' },
              Expiration: { Days: bucket.expireAfterDays },
            },
          ],
        },
      }),
    );
  });
