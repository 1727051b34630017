import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Index,
  type IndexDefinition,
  MainKeys,
  physicalName,
  projectionOf,
  Tables,
} from '../../lib/infra/resources.js';
import { type RunningDynamoDb, startDynamoDbLocal } from '../../lib/runtime/emulators.js';
import { migrateLedgerToIndex } from '../../lib/runtime/ledger-migration.js';
import { provisionTables } from '../../lib/runtime/provision.js';

/**
 * `npm start` keeps DynamoDB Local's data: a table from an older version gets the indexes added since. Its
 * own emulator, as a kept state directory has: DynamoDB Local builds an added index in about a second
 * alone, and left one CREATING for over two minutes in the suite's shared emulator, busy with every other
 * file's tables (seen in CI).
 */
let emulator: RunningDynamoDb;
let client: DynamoDBClient;
beforeAll(async () => {
  emulator = await startDynamoDbLocal({});
  client = new DynamoDBClient({
    region: 'ap-southeast-3',
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

/** The main table as an older version created it: its keys and only the indexes it had then. */
const createKeptMainTable = (name: string, indexes: readonly IndexDefinition[]) =>
  client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        'pk',
        'sk',
        ...indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
      ].map((attribute) => ({ AttributeName: attribute, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: projectionOf(index),
      })),
    }),
  );

describe('provisioning the local tables', () => {
  it('adds the indexes a kept table lacks, with their projections', async () => {
    // Arrange: the main table as an older version made it, with the work index only.
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const name = physicalName(prefix, Tables.main.logicalName);
    await createKeptMainTable(name, [Index.work]);

    // Act
    await provisionTables(client, prefix);
    const described = await client.send(new DescribeTableCommand({ TableName: name }));

    // Assert
    const indexes = (described.Table?.GlobalSecondaryIndexes ?? []).map((index) => [
      index.IndexName,
      index.Projection,
    ]);
    expect(indexes.sort()).toEqual(
      Tables.main.indexes.map((index) => [index.indexName, projectionOf(index)]).sort(),
    );
  }, 60_000);

  it('builds again an index whose projection changed (the ledger index once had keys only), filled from the items', async () => {
    // Arrange: the main table as the version before the sale fold made it, with a sold order in its ledger.
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const name = physicalName(prefix, Tables.main.logicalName);
    await createKeptMainTable(name, [
      Index.work,
      Index.byReseller,
      { ...Index.ledger, projection: 'KEYS_ONLY' },
    ]);
    const documents = DynamoDBDocumentClient.from(client);
    const sale = {
      ...MainKeys.storefrontOrder('SO_kept'),
      ...MainKeys.ledgerPlace({
        resellerId: 'R01',
        shard: 3,
        at: '2026-12-01T10:05:00.000Z',
        entryId: 'SELL#SO_kept',
      }),
      entity: 'StorefrontOrder',
      orderId: 'SO_kept',
      quantity: 2,
      foldShard: 3,
      fulfilledAt: '2026-12-01T10:05:00.000Z',
    };
    await documents.send(new PutCommand({ TableName: name, Item: sale }));

    // Act
    await provisionTables(client, prefix);
    const described = await client.send(new DescribeTableCommand({ TableName: name }));
    const entries = await documents.send(
      new QueryCommand({
        TableName: name,
        IndexName: Index.ledger.indexName,
        KeyConditionExpression: `${Index.ledger.partitionKey} = :place`,
        ExpressionAttributeValues: { ':place': MainKeys.ledgerPartition('R01', 3) },
      }),
    );

    // Assert
    const ledger = described.Table?.GlobalSecondaryIndexes?.find(
      (index) => index.IndexName === Index.ledger.indexName,
    );
    expect(ledger?.Projection).toEqual(projectionOf(Index.ledger));
    expect(entries.Items).toEqual([expect.objectContaining({ pk: sale.pk, quantity: 2, foldShard: 3 })]);
  }, 60_000);

  it('moves a kept table’s old ledger into the ledger index: MINT entries and sold orders placed, hold and sale entry items gone', async () => {
    // Arrange: the main table as the version before the ledger index made it, and its ledger then
    const prefix = `p${randomBytes(4).toString('hex')}`;
    const name = physicalName(prefix, Tables.main.logicalName);
    await createKeptMainTable(name, [Index.work, Index.byReseller]);
    const documents = DynamoDBDocumentClient.from(client);
    const entry = (kind: string, reference: string, shard: number, at: string) => ({
      pk: MainKeys.ledgerPartition('R01', shard),
      sk: MainKeys.ledgerEntrySortKey(at, `${kind}#${reference}`),
      entity: 'LedgerEntry',
      entryId: `${kind}#${reference}`,
      resellerId: 'R01',
      kind,
      quantity: 2,
      shard,
      at,
      reference,
    });
    const mint = entry('MINT', 'QO_1#0', 0, '2026-12-01T10:00:00.000Z');
    const sold = {
      ...MainKeys.storefrontOrder('SO_1'),
      entity: 'StorefrontOrder',
      orderId: 'SO_1',
      resellerId: 'R01',
      nikHash: 'nik-hash',
      quantity: 2,
      status: 'FULFILLED',
      version: 2,
      requestHash: 'request-hash',
      createdAt: '2026-12-01T10:03:00.000Z',
      unitPriceIdr: 12_500,
      amountIdr: 25_000,
      fulfilledAt: '2026-12-01T10:05:00.000Z',
      shardParts: [{ shard: 1, quantity: 2 }],
    };
    for (const item of [
      mint,
      entry('RESERVE', 'SO_1', 1, '2026-12-01T10:04:00.000Z'),
      entry('SELL', 'SO_1', 1, sold.fulfilledAt),
      entry('RESERVE', 'SO_2', 0, '2026-12-01T10:06:00.000Z'),
      entry('RELEASE', 'SO_2', 0, '2026-12-01T10:21:00.000Z'),
      sold,
    ])
      await documents.send(new PutCommand({ TableName: name, Item: item }));
    const placedIn = async (shard: number) =>
      (
        await documents.send(
          new QueryCommand({
            TableName: name,
            IndexName: Index.ledger.indexName,
            KeyConditionExpression: `${Index.ledger.partitionKey} = :place`,
            ExpressionAttributeValues: { ':place': MainKeys.ledgerPartition('R01', shard) },
          }),
        )
      ).Items?.map((item) => [item.pk, item[Index.ledger.sortKey]]);

    // Act
    await provisionTables(client, prefix);
    const again = await migrateLedgerToIndex(client, name);
    const ledgerItems = (
      await documents.send(
        new ScanCommand({
          TableName: name,
          FilterExpression: 'begins_with(pk, :ledger)',
          ExpressionAttributeValues: { ':ledger': 'LEDGER#' },
        }),
      )
    ).Items?.map((item) => item.entryId);

    // Assert
    expect(await placedIn(0)).toEqual([[mint.pk, mint.sk]]);
    expect(await placedIn(1)).toEqual([
      [sold.pk, MainKeys.ledgerEntrySortKey(sold.fulfilledAt, 'SELL#SO_1')],
    ]);
    expect(ledgerItems).toEqual([mint.entryId]);
    expect(again).toEqual({ placed: 0, removed: 0 });
  }, 60_000);
});
