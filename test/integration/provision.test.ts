import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { physicalName, Tables } from '../../lib/infra/resources.js';
import { provisionTables } from '../../lib/runtime/provision.js';

/** `npm start` keeps DynamoDB Local's data: a table from an older version gets the indexes added since. */
const client = new DynamoDBClient({
  region: 'ap-southeast-3',
  endpoint: inject('dynamoDbEndpoint'),
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
afterAll(() => client.destroy());

describe('provisioning the local tables', () => {
  it('adds the indexes a kept table lacks, with their projections', async () => {
    // Arrange: the main table as an older version made it, with the work index only.
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const name = physicalName(prefix, Tables.main.logicalName);
    const [work] = Tables.main.indexes;
    if (!work) throw new Error('the main table has no index');
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', work.partitionKey, work.sortKey].map((attribute) => ({
          AttributeName: attribute,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: work.indexName,
            KeySchema: [
              { AttributeName: work.partitionKey, KeyType: 'HASH' },
              { AttributeName: work.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );

    // Act
    await provisionTables(client, prefix);
    const described = await client.send(new DescribeTableCommand({ TableName: name }));

    // Assert
    const indexes = (described.Table?.GlobalSecondaryIndexes ?? []).map((index) => [
      index.IndexName,
      index.Projection?.ProjectionType,
    ]);
    expect(indexes.sort()).toEqual(
      Tables.main.indexes.map((index) => [index.indexName, index.projection]).sort(),
    );
    // DynamoDB Local builds an index in about a second alone, and took over a minute for two while the rest
    // of the suite kept it busy (CI): this test waits as `npm start` would.
  }, 240_000);
});
