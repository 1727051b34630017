import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  attributeValueSize,
  capacityMeterPlugin,
  capacitySnapshot,
  dynamoDbRequestUsage,
  enableCapacityMeter,
  itemSize,
  numberSize,
  partitionUsage,
  readUnitsFor,
  registerMeteredTable,
  resetCapacityMeter,
  sqsRequestUsage,
  writeUnitsFor,
} from '../../tools/bench/capacity-meter.js';

/**
 * The meter's arithmetic against AWS's published billing rules, and the middleware itself on real SDK
 * clients whose HTTP layer answers canned DynamoDB / SQS responses (no emulator needed).
 */
type Canned = { status?: number; body: Record<string, unknown>; headers?: Record<string, string> };

const fakeHandler = (answer: (target: string, body: Record<string, unknown>) => Canned) => ({
  handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
    const target = request.headers['x-amz-target'] ?? '';
    const body = JSON.parse(String(request.body ?? '{}')) as Record<string, unknown>;
    const canned = answer(target, body);
    return {
      response: {
        statusCode: canned.status ?? 200,
        reason: '',
        headers: { 'content-type': 'application/x-amz-json-1.0', ...canned.headers },
        body: Readable.from([Buffer.from(JSON.stringify(canned.body))]),
      },
    };
  },
});

const dynamoClient = (answer: (target: string, body: Record<string, unknown>) => Canned) => {
  const client = new DynamoDBClient({
    region: 'ap-southeast-3',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: fakeHandler(answer) as never,
  });
  client.middlewareStack.use(capacityMeterPlugin);
  return client;
};

const kb = (n: number) => 'x'.repeat(Math.round(n * 1024));

beforeEach(() => {
  resetCapacityMeter({ forgetItems: true });
  enableCapacityMeter();
});
afterEach(() => enableCapacityMeter(false));

describe('item sizes (AWS: attribute names + values)', () => {
  it('sizes strings, numbers, booleans, lists and maps as documented', () => {
    expect(attributeValueSize({ S: 'abc' })).toBe(3);
    expect(attributeValueSize({ S: 'é' })).toBe(2); // UTF-8 bytes
    expect(numberSize('12345')).toBe(4); // 5 significant digits: 3 bytes + 1
    expect(numberSize('1000')).toBe(2); // trailing zeros trimmed
    expect(numberSize('-0.0025')).toBe(2);
    expect(attributeValueSize({ BOOL: true })).toBe(1);
    expect(attributeValueSize({ NULL: true })).toBe(1);
    expect(attributeValueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(attributeValueSize({ M: { a: { S: 'xy' } } })).toBe(3 + 1 + 1 + 2);
    expect(itemSize({ pk: { S: 'SORDER#1' }, quantity: { N: '2' } })).toBe(2 + 8 + 8 + 2);
    // Native values (the document client's shape) size the same as their marshalled form.
    expect(itemSize({ pk: 'SORDER#1', quantity: 2 })).toBe(
      itemSize({ pk: { S: 'SORDER#1' }, quantity: { N: '2' } }),
    );
  });

  it('rounds writes per KB and reads per 4 KB', () => {
    expect(writeUnitsFor(1)).toBe(1);
    expect(writeUnitsFor(1024)).toBe(1);
    expect(writeUnitsFor(1025)).toBe(2);
    expect(writeUnitsFor(1025, true)).toBe(4);
    expect(readUnitsFor(0, 'strong')).toBe(1);
    expect(readUnitsFor(100, 'eventual')).toBe(0.5);
    expect(readUnitsFor(9 * 1024, 'strong')).toBe(3);
    expect(readUnitsFor(100, 'transactional')).toBe(2);
  });
});

describe('request usage from real command inputs', () => {
  it('bills a PutItem 1 WRU per started KB of the item', () => {
    const small = new PutItemCommand({ TableName: 't', Item: { pk: { S: 'A' }, data: { S: kb(0.5) } } });
    expect(dynamoDbRequestUsage('PutItemCommand', small.input, {}).charges[0]?.writeUnits).toBe(1);
    const large = new PutItemCommand({ TableName: 't', Item: { pk: { S: 'B' }, data: { S: kb(1.5) } } });
    expect(dynamoDbRequestUsage('PutItemCommand', large.input, {}).charges[0]?.writeUnits).toBe(2);
  });

  it('bills TransactWriteItems 2 WRU per item per KB', () => {
    const usage = dynamoDbRequestUsage(
      'TransactWriteItemsCommand',
      {
        TransactItems: [
          { Put: { TableName: 't', Item: { pk: { S: 'ORDER#1' }, sk: { S: 'ORDER' } } } },
          {
            Update: {
              TableName: 't',
              Key: { pk: { S: 'STOCK#R01#07' }, sk: { S: 'SHARD' } },
              UpdateExpression: 'ADD onHand :minus, reserved :plus',
              ExpressionAttributeValues: { ':minus': { N: '-2' }, ':plus': { N: '2' } },
            },
          },
          {
            Put: {
              TableName: 't',
              Item: { pk: { S: 'LEDGER#R01#07' }, sk: { S: 'x' }, big: { S: kb(1.2) } },
            },
          },
        ],
      },
      {},
    );
    expect(usage.charges.map((charge) => charge.writeUnits)).toEqual([2, 2, 4]);
    expect(usage.charges.map((charge) => charge.partition)).toEqual([
      'ORDER#1',
      'STOCK#R01#07',
      'LEDGER#R01#07',
    ]);
  });

  it('bills GetItem by consistency, TransactGet at 2 per 4 KB, BatchGet per item', () => {
    const item = { pk: { S: 'A' }, data: { S: kb(5) } };
    expect(
      dynamoDbRequestUsage(
        'GetItemCommand',
        { TableName: 't', Key: { pk: { S: 'A' } }, ConsistentRead: true },
        { Item: item },
      ).charges[0]?.readUnits,
    ).toBe(2);
    expect(
      dynamoDbRequestUsage('GetItemCommand', { TableName: 't', Key: { pk: { S: 'A' } } }, { Item: item })
        .charges[0]?.readUnits,
    ).toBe(1);
    // Not found still costs the minimum.
    expect(
      dynamoDbRequestUsage('GetItemCommand', { TableName: 't', Key: { pk: { S: 'Z' } } }, {}).charges[0]
        ?.readUnits,
    ).toBe(0.5);
    const transactGet = dynamoDbRequestUsage(
      'TransactGetItemsCommand',
      {
        TransactItems: [
          { Get: { TableName: 't', Key: { pk: { S: 'A' } } } },
          { Get: { TableName: 't', Key: { pk: { S: 'B' } } } },
        ],
      },
      { Responses: [{ Item: item }, {}] },
    );
    expect(transactGet.charges.map((charge) => charge.readUnits)).toEqual([4, 2]);
    const batchGet = dynamoDbRequestUsage(
      'BatchGetItemCommand',
      { RequestItems: { t: { Keys: [{ pk: { S: 'A' } }, { pk: { S: 'B' } }], ConsistentRead: true } } },
      { Responses: { t: [item, { pk: { S: 'B' } }] } },
    );
    expect(batchGet.charges.map((charge) => charge.readUnits)).toEqual([2, 1]);
  });

  it('bills a BatchGetItem key that finds no item the minimum, as GetItem does, and an unprocessed key nothing', () => {
    // Arrange: A is found, B and C are not there, D was left unprocessed (throttled).
    const keys = ['A', 'B', 'C', 'D'].map((pk) => ({ pk: { S: pk }, sk: { S: 'x' } }));
    const output = {
      Responses: { t: [{ pk: { S: 'A' }, sk: { S: 'x' }, d: { S: kb(5) } }] },
      UnprocessedKeys: { t: { Keys: [keys[3]] } },
    };

    // Act
    const strong = dynamoDbRequestUsage(
      'BatchGetItemCommand',
      { RequestItems: { t: { Keys: keys, ConsistentRead: true } } },
      output,
    );
    const eventual = dynamoDbRequestUsage(
      'BatchGetItemCommand',
      { RequestItems: { t: { Keys: keys } } },
      output,
    );
    const native = dynamoDbRequestUsage(
      'BatchGetCommand',
      {
        RequestItems: {
          t: {
            Keys: [
              { pk: 'A', sk: 'x' },
              { pk: 'B', sk: 'x' },
            ],
          },
        },
      },
      { Responses: { t: [{ pk: 'A', sk: 'x' }] } },
    );

    // Assert
    expect(strong.charges.map((charge) => charge.readUnits)).toEqual([2, 1, 1]);
    expect(eventual.charges.map((charge) => charge.readUnits)).toEqual([1, 0.5, 0.5]);
    expect(native.charges.map((charge) => charge.readUnits)).toEqual([0.5, 0.5]);
  });

  it('bills Query and Scan on the summed size of the items read, filters included', () => {
    const items = Array.from({ length: 10 }, (_, index) => ({
      pk: { S: 'P' },
      sk: { S: String(index) },
      d: { S: kb(1) },
    }));
    const query = dynamoDbRequestUsage(
      'QueryCommand',
      {
        TableName: 't',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'P' } },
        ConsistentRead: true,
      },
      { Items: items, Count: 10, ScannedCount: 10 },
    );
    expect(query.charges[0]?.readUnits).toBe(3); // ~10.1 KB → 3 × 4 KB
    expect(query.charges[0]?.partition).toBe('P');
    const filtered = dynamoDbRequestUsage(
      'ScanCommand',
      { TableName: 't' },
      { Items: items.slice(0, 2), Count: 2, ScannedCount: 10 },
    );
    expect(filtered.charges[0]?.readUnits).toBe(1.5); // 10 items read, eventually consistent
  });

  it('estimates an update from the item it last saw, grown by the update’s values', () => {
    registerMeteredTable('orders', { partitionKey: 'pk', sortKey: 'sk' });
    const key = { pk: { S: 'SORDER#1' }, sk: { S: 'ORDER' } };
    dynamoDbRequestUsage(
      'PutItemCommand',
      { TableName: 'orders', Item: { ...key, qris: { S: kb(0.9) } } },
      {},
    );
    const update = dynamoDbRequestUsage(
      'UpdateItemCommand',
      {
        TableName: 'orders',
        Key: key,
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: kb(0.2) } },
      },
      {},
    );
    // 0.9 KB known + 0.2 KB set: past 1 KB.
    expect(update.charges[0]?.writeUnits).toBe(2);
    // An item never seen: key + names + values only.
    const unseen = dynamoDbRequestUsage(
      'UpdateItemCommand',
      {
        TableName: 'orders',
        Key: { pk: { S: 'SORDER#2' }, sk: { S: 'ORDER' } },
        UpdateExpression: 'ADD #c :one',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
      {},
    );
    expect(unseen.charges[0]?.writeUnits).toBe(1);
  });

  it('does not grow a counter item with every ADD: a thousand updates still cost 1 WRU each', () => {
    registerMeteredTable('stock', { partitionKey: 'pk', sortKey: 'sk' });
    const key = { pk: { S: 'STOCK#R01' }, sk: { S: 'COUNTER' } };
    dynamoDbRequestUsage(
      'PutItemCommand',
      {
        TableName: 'stock',
        Item: { ...key, onHand: { N: '1000' }, reserved: { N: '0' }, name: { S: kb(0.5) } },
      },
      {},
    );
    const take = {
      TableName: 'stock',
      Key: key,
      UpdateExpression: 'ADD onHand :minus, reserved :plus',
      ConditionExpression: 'onHand >= :plus',
      ExpressionAttributeValues: { ':minus': { N: '-1' }, ':plus': { N: '1' } },
    };
    let last = 0;
    for (let i = 0; i < 1_000; i += 1)
      last = dynamoDbRequestUsage('UpdateItemCommand', take, {}).charges[0]?.writeUnits ?? 0;
    expect(last).toBe(1);
    // Growing a list does grow the item.
    const append = {
      TableName: 'stock',
      Key: key,
      UpdateExpression: 'SET events = list_append(if_not_exists(events, :empty), :event)',
      ExpressionAttributeValues: { ':empty': { L: [] }, ':event': { L: [{ S: kb(0.3) }] } },
    };
    dynamoDbRequestUsage('UpdateItemCommand', append, {});
    expect(dynamoDbRequestUsage('UpdateItemCommand', append, {}).charges[0]?.writeUnits).toBe(2);
  });

  it('writes a keys-only index entry only when the item enters it, never for its other updates', () => {
    // Arrange
    registerMeteredTable('main', {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: [{ indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' }],
    });
    const key = { pk: { S: 'SORDER#K' }, sk: { S: 'ORDER' } };

    // Act
    const put = dynamoDbRequestUsage(
      'PutItemCommand',
      {
        TableName: 'main',
        Item: { ...key, gsi2pk: { S: 'RORDERS#R01#3' }, gsi2sk: { S: 'a' }, big: { S: kb(3) } },
      },
      {},
    );
    const update = dynamoDbRequestUsage(
      'UpdateItemCommand',
      {
        TableName: 'main',
        Key: key,
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'FULFILLED' } },
      },
      {},
    );

    // Assert: the 3 KB item costs 4 units in the table, its index entry 1; the update touches the table only.
    expect(put.charges.map((charge) => [charge.index ?? 'table', charge.writeUnits])).toEqual([
      ['table', 4],
      ['gsi2', 1],
    ]);
    expect(update.charges.map((charge) => charge.index ?? 'table')).toEqual(['table']);
  });

  it('writes an INCLUDE index entry when the item enters it or an attribute it copies is written, not for other updates', () => {
    // Arrange
    registerMeteredTable('main', {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: [
        {
          indexName: 'gsi3',
          partitionKey: 'gsi3pk',
          sortKey: 'gsi3sk',
          projection: 'INCLUDE',
          nonKeyAttributes: ['quantity'],
        },
      ],
    });
    const key = { pk: { S: 'SORDER#I' }, sk: { S: 'ORDER' } };
    const update = (expression: string, values: Record<string, { S: string } | { N: string }>) =>
      dynamoDbRequestUsage(
        'UpdateItemCommand',
        { TableName: 'main', Key: key, UpdateExpression: expression, ExpressionAttributeValues: values },
        {},
      ).charges.map((charge) => [charge.index ?? 'table', charge.writeUnits]);
    dynamoDbRequestUsage('PutItemCommand', { TableName: 'main', Item: { ...key, big: { S: kb(3) } } }, {});

    // Act
    const enters = update('SET gsi3pk = :p, gsi3sk = :s, quantity = :q', {
      ':p': { S: 'LEDGER#R01#03' },
      ':s': { S: 'a' },
      ':q': { N: '2' },
    });
    const other = update('SET stamped = :x', { ':x': { S: 'yes' } });
    const copied = update('SET quantity = :q', { ':q': { N: '3' } });

    // Assert: the 3 KB item costs 4 units in the table; its small index entry 1, when it is written.
    expect(enters).toEqual([
      ['table', 4],
      ['gsi3', 1],
    ]);
    expect(other).toEqual([['table', 4]]);
    expect(copied).toEqual([
      ['table', 4],
      ['gsi3', 1],
    ]);
  });

  it('adds global secondary index writes when an item enters, moves in or leaves the index', () => {
    registerMeteredTable('main', {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: [{ indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    });
    const key = { pk: { S: 'SORDER#9' }, sk: { S: 'ORDER' } };
    const put = dynamoDbRequestUsage(
      'PutItemCommand',
      { TableName: 'main', Item: { ...key, gsi1pk: { S: 'WORK#QUEUED#3' }, gsi1sk: { S: 'a' } } },
      {},
    );
    expect(put.charges.map((charge) => charge.index ?? 'table')).toEqual(['table', 'gsi1']);
    const move = dynamoDbRequestUsage(
      'TransactWriteItemsCommand',
      {
        TransactItems: [
          {
            Update: {
              TableName: 'main',
              Key: key,
              UpdateExpression: 'SET #a0 = :v0, #a1 = :v1',
              ExpressionAttributeNames: { '#a0': 'gsi1pk', '#a1': 'gsi1sk' },
              ExpressionAttributeValues: { ':v0': { S: 'WORK#RESERVED#3' }, ':v1': { S: 'b' } },
            },
          },
        ],
      },
      {},
    );
    // Transactional: 2 for the item; the index is written after the commit, at the standard rate: 1 to
    // delete the old entry, 1 to put the new one.
    expect(
      move.charges.map((charge) => [charge.index ?? 'table', charge.partition, charge.writeUnits]),
    ).toEqual([
      ['table', 'SORDER#9', 2],
      ['gsi1', 'WORK#QUEUED#3', 1],
      ['gsi1', 'WORK#RESERVED#3', 1],
    ]);
    const leave = dynamoDbRequestUsage(
      'UpdateItemCommand',
      {
        TableName: 'main',
        Key: key,
        UpdateExpression: 'SET #s = :s REMOVE gsi1pk, gsi1sk',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'FULFILLED' } },
      },
      {},
    );
    expect(leave.charges.map((charge) => [charge.index ?? 'table', charge.partition])).toEqual([
      ['table', 'SORDER#9'],
      ['gsi1', 'WORK#RESERVED#3'],
    ]);
  });

  it('counts SQS requests per call and per started 64 KB', () => {
    const small = new SendMessageCommand({
      QueueUrl: 'http://q/000/orders',
      MessageBody: '{"orderId":"SO_1"}',
    });
    expect(sqsRequestUsage('SendMessageCommand', small.input, {})).toMatchObject({
      requests: 1,
      resource: 'orders',
    });
    const large = new SendMessageCommand({ QueueUrl: 'http://q/000/orders', MessageBody: kb(100) });
    expect(sqsRequestUsage('SendMessageCommand', large.input, {}).requests).toBe(2);
    const batch = new SendMessageBatchCommand({
      QueueUrl: 'http://q/000/orders',
      Entries: Array.from({ length: 10 }, (_, index) => ({ Id: String(index), MessageBody: kb(1) })),
    });
    expect(sqsRequestUsage('SendMessageBatchCommand', batch.input, {}).requests).toBe(1);
    const receive = new ReceiveMessageCommand({ QueueUrl: 'http://q/000/orders' });
    expect(sqsRequestUsage('ReceiveMessageCommand', receive.input, { Messages: [] })).toMatchObject({
      requests: 1,
      emptyReceive: true,
    });
  });
});

describe('the middleware on real clients', () => {
  it('meters document-client commands from their marshalled input and sees query results', async () => {
    registerMeteredTable('main', { partitionKey: 'pk', sortKey: 'sk' });
    const client = DynamoDBDocumentClient.from(
      dynamoClient((target) => {
        if (target.endsWith('.Query')) {
          return {
            body: {
              Items: [{ pk: { S: 'STOCK#R01#01' }, sk: { S: 'SHARD' }, onHand: { N: '10' } }],
              Count: 1,
              ScannedCount: 1,
            },
          };
        }
        if (target.endsWith('.GetItem')) return { body: { Item: { pk: { S: 'A' }, sk: { S: 'B' } } } };
        return { body: {} };
      }),
    );
    await client.send(
      new PutCommand({ TableName: 'main', Item: { pk: 'SORDER#1', sk: 'ORDER', note: kb(1.5) } }),
    );
    await client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: 'main', Item: { pk: 'LEDGER#R01#01', sk: '1' } } },
          {
            Update: {
              TableName: 'main',
              Key: { pk: 'STOCK#R01#01', sk: 'SHARD' },
              UpdateExpression: 'ADD onHand :m',
              ExpressionAttributeValues: { ':m': -1 },
            },
          },
        ],
      }),
    );
    await client.send(new GetCommand({ TableName: 'main', Key: { pk: 'A', sk: 'B' }, ConsistentRead: true }));
    await client.send(
      new QueryCommand({
        TableName: 'main',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'STOCK#R01#01' },
      }),
    );
    const snapshot = capacitySnapshot();
    expect(snapshot.dynamodb.requests).toBe(4);
    expect(snapshot.dynamodb.writeUnits).toBe(2 + 4);
    expect(snapshot.dynamodb.readUnits).toBe(1 + 0.5);
    expect(snapshot.dynamodb.byCommand.TransactWriteItems?.writeUnits).toBe(4);
    expect(partitionUsage({ prefix: 'STOCK#' })[0]).toMatchObject({
      partition: 'STOCK#R01#01',
      writeUnits: 2,
    });
  });

  it('bills a write whose condition failed for its table item only: no index entry was written', async () => {
    // Arrange
    registerMeteredTable('indexed', {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: [{ indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' }],
    });
    const client = dynamoClient(() => ({
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'failed' },
    }));

    // Act
    await expect(
      client.send(
        new PutItemCommand({
          TableName: 'indexed',
          Item: {
            pk: { S: 'SORDER#X' },
            sk: { S: 'ORDER' },
            gsi2pk: { S: 'RORDERS#R01#1' },
            gsi2sk: { S: 'a' },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toThrow();

    // Assert: 1 unit for the refused put; its index entry would have cost 1 more had it been written.
    expect(capacitySnapshot().dynamodb).toMatchObject({
      writeUnits: 1,
      indexWriteUnits: 0,
      conditionFailed: 1,
    });
    expect(partitionUsage().map((entry) => entry.index ?? 'table')).toEqual(['table']);
  });

  it('bills a failed condition, not a throttled request; a disabled meter counts nothing', async () => {
    let answer: Canned = { body: {} };
    const client = dynamoClient(() => answer);
    const put = () =>
      client.send(
        new PutItemCommand({
          TableName: 't',
          Item: { pk: { S: 'A' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    answer = {
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'failed' },
    };
    await expect(put()).rejects.toThrow();
    answer = {
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        message: 'slow down',
      },
    };
    await expect(put()).rejects.toThrow();
    const snapshot = capacitySnapshot();
    expect(snapshot.dynamodb).toMatchObject({ requests: 1, writeUnits: 1, conditionFailed: 1, throttled: 1 });

    enableCapacityMeter(false);
    answer = { body: { Item: { pk: { S: 'A' } } } };
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'A' } } }));
    expect(capacitySnapshot().dynamodb.requests).toBe(1);
  });

  it('meters SQS calls and restricts snapshots to chosen queues and tables', async () => {
    const client = new SQSClient({
      region: 'ap-southeast-3',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      requestHandler: fakeHandler((target) =>
        target.endsWith('.ReceiveMessage')
          ? { body: {} }
          : { body: { MessageId: 'm', MD5OfMessageBody: '' } },
      ) as never,
    });
    client.middlewareStack.use(capacityMeterPlugin);
    await client
      .send(
        new SendMessageCommand({
          QueueUrl: 'http://127.0.0.1:9/000000000000/bench-orders',
          MessageBody: 'x',
        }),
      )
      .catch(() => undefined); // the canned MD5 may not match; the request was still made
    await client.send(new ReceiveMessageCommand({ QueueUrl: 'http://127.0.0.1:9/000000000000/bench-other' }));
    const all = capacitySnapshot();
    expect(all.sqs.requests + all.sqs.failed).toBe(2);
    expect(all.sqs.emptyReceives).toBe(1);
    const only = capacitySnapshot({ queues: ['bench-other'], tables: [] });
    expect(only.sqs.requests).toBe(1);
    expect(only.dynamodb.requests).toBe(0);
  });
});
