import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MainKeys } from '../../lib/infra/resources.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  buyAndPay,
  documents,
  expectLedgerBalanced,
  type Reseller,
  resellerById,
  waitUntilAllocated,
} from './allocation-support.js';

/**
 * Anti-hoarding at wholesale (holding cap), suspension, and the regulator's powers over both — with
 * nothing written when an order is refused, and every regulator action in the audit log.
 */
let kuota: TestCloud;
const startedDay = new Date().toISOString().slice(0, 10);
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4', KUOTA_ALLOCATION_CHUNK: '500' } });
});
afterAll(async () => {
  await kuota?.stop();
});

const order = (reseller: Reseller, quantity: number, key: string) =>
  kuota.api.post('/v1/wholesale/quota-orders', {
    apiKey: reseller.apiKey,
    headers: { 'idempotency-key': key },
    body: { quantity },
  });

const errorCode = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

const regulator = (method: 'post' | 'put', path: string, body?: unknown) =>
  kuota.api[method](path, { apiKey: kuota.credentials.regulatorKey, ...(body ? { body } : {}) });

/** Everything a quota order writes: its item, the reseller's pipeline, the tax authority's billings. */
const footprint = async (resellerId: string) => {
  const client = documents(kuota);
  const orders = await client.send(
    new QueryCommand({
      TableName: kuota.cloud.tables.main,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': MainKeys.resellerProfile(resellerId).pk,
        ':prefix': MainKeys.quotaOrderPrefix,
      },
      ConsistentRead: true,
    }),
  );
  const profile = await client.send(
    new GetCommand({
      TableName: kuota.cloud.tables.main,
      Key: MainKeys.resellerProfile(resellerId),
      ConsistentRead: true,
    }),
  );
  const billings = await client.send(
    new ScanCommand({ TableName: kuota.cloud.tables.sandbox, ConsistentRead: true, Select: 'COUNT' }),
  );
  const work = await client.send(
    new ScanCommand({
      TableName: kuota.cloud.tables.main,
      ConsistentRead: true,
      FilterExpression: 'begins_with(pk, :billing)',
      ExpressionAttributeValues: { ':billing': 'BILLING#' },
      Select: 'COUNT',
    }),
  );
  return {
    quotaOrders: orders.Items?.length ?? 0,
    pipeline: Number(profile.Item?.pipeline),
    status: String(profile.Item?.status),
    holdingCap: Number(profile.Item?.holdingCap),
    sandboxItems: billings.Count ?? 0,
    billingLookups: work.Count ?? 0,
  };
};

const auditOf = async (resellerId: string) => {
  const days = [...new Set([startedDay, new Date().toISOString().slice(0, 10)])];
  const records: Record<string, unknown>[] = [];
  for (const day of days) {
    const result = await documents(kuota).send(
      new QueryCommand({
        TableName: kuota.cloud.tables.main,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': MainKeys.auditOfDay(day) },
        ConsistentRead: true,
      }),
    );
    records.push(...(result.Items ?? []).filter((item) => item.resellerId === resellerId));
  }
  return records;
};

describe('holding cap', () => {
  it('an order above the cap → 422 HOLDING_CAP_EXCEEDED and nothing is written; awaiting-payment stock counts', async () => {
    // Arrange
    const reseller = resellerById(kuota, 'R05');
    const before = await footprint('R05');
    const cap = before.holdingCap;

    // Act
    const over = await order(reseller, cap + 1, 'cap-over');
    const afterRefusal = await footprint('R05');
    const exactly = await order(reseller, cap, 'cap-exact');
    const afterExact = await footprint('R05');
    const oneMore = await order(reseller, 1, 'cap-one-more');
    const afterOneMore = await footprint('R05');

    // Assert
    expect(cap).toBe(100_000);
    expect(over.status).toBe(422);
    expect(errorCode(over.body)).toBe('HOLDING_CAP_EXCEEDED');
    expect(afterRefusal).toEqual(before);
    expect(exactly.status).toBe(201);
    expect(afterExact.pipeline).toBe(cap);
    expect(oneMore.status).toBe(422);
    expect(errorCode(oneMore.body)).toBe('HOLDING_CAP_EXCEEDED');
    expect(afterOneMore).toEqual(afterExact);
  });

  it('stock on hand counts against the cap the regulator set', async () => {
    // Arrange
    const reseller = resellerById(kuota, 'R06');
    const limits = await regulator('put', '/v1/regulator/vendors/R06/limits', { holdingCap: 1_000 });
    const orderId = await buyAndPay(kuota, reseller, 600, 'cap-stock-600');
    await waitUntilAllocated(kuota, 'R06', orderId);
    const before = await footprint('R06');

    // Act
    const over = await order(reseller, 401, 'cap-stock-401');
    const afterRefusal = await footprint('R06');
    const fits = await order(reseller, 400, 'cap-stock-400');
    const stock = await kuota.api.get('/v1/wholesale/stock', { apiKey: reseller.apiKey });

    // Assert
    expect(limits.status).toBe(200);
    expect(limits.body.holdingCap).toBe(1_000);
    expect(over.status).toBe(422);
    expect(errorCode(over.body)).toBe('HOLDING_CAP_EXCEEDED');
    expect(afterRefusal).toEqual(before);
    expect(fits.status).toBe(201);
    expect(stock.body).toMatchObject({ onHand: 600, allocatedTotal: 600, pipeline: 400, holdingCap: 1_000 });
    const audit = await auditOf('R06');
    expect(audit.map((record) => record.action)).toContain('SET_LIMITS');
    await expectLedgerBalanced(kuota);
  });

  it('10 concurrent orders of 300 under a cap of 1,000 cannot jointly exceed it: exactly 3 are ever accepted', async () => {
    // Arrange
    const reseller = resellerById(kuota, 'R07');
    const limits = await regulator('put', '/v1/regulator/vendors/R07/limits', { holdingCap: 1_000 });

    // Act
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, (_, index) => order(reseller, 300, `cap-race-${index}`)),
    );
    // A request that lost the race with 429 SERVICE_BUSY is retried with the same key, one at a time.
    const retried = [];
    for (const [index, response] of concurrent.entries()) {
      retried.push(response.status === 429 ? await order(reseller, 300, `cap-race-${index}`) : response);
    }
    const after = await footprint('R07');

    // Assert
    expect(limits.status).toBe(200);
    const statuses = concurrent.map((response) => response.status);
    expect(statuses.every((status) => [201, 422, 429].includes(status))).toBe(true);
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(3);
    expect(retried.filter((response) => response.status === 201)).toHaveLength(3);
    expect(retried.filter((response) => response.status === 422)).toHaveLength(7);
    for (const response of retried.filter((r) => r.status === 422))
      expect(errorCode(response.body)).toBe('HOLDING_CAP_EXCEEDED');
    expect(after.quotaOrders).toBe(3);
    expect(after.pipeline).toBe(900);
  });
});

describe('suspension', () => {
  it('suspended → 403 RESELLER_SUSPENDED with nothing written; its paid order still allocates; resumed → can order', async () => {
    // Arrange
    const reseller = resellerById(kuota, 'R08');
    const bought = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': 'suspend-before' },
      body: { quantity: 700 },
    });
    expect(bought.status).toBe(201);

    // Act
    const suspended = await regulator('post', '/v1/regulator/vendors/R08/suspend');
    const beforeRefusal = await footprint('R08');
    const refused = await order(reseller, 10, 'suspend-refused');
    const afterRefusal = await footprint('R08');
    // The money for the earlier order is paid while the reseller is suspended: the stamps are still minted.
    const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${bought.body.billingCode}/pay`, {
      body: { amountIdr: 700 * 10_000 },
    });
    const allocated = await waitUntilAllocated(kuota, 'R08', String(bought.body.id));
    const resumed = await regulator('post', '/v1/regulator/vendors/R08/resume');
    const again = await order(reseller, 10, 'suspend-after-resume');

    // Assert
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('SUSPENDED');
    expect(refused.status).toBe(403);
    expect(errorCode(refused.body)).toBe('RESELLER_SUSPENDED');
    expect(afterRefusal).toEqual(beforeRefusal);
    expect(afterRefusal.quotaOrders).toBe(1);
    expect(paid.status).toBe(200);
    expect(allocated.allocatedQuantity).toBe(700);
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('ACTIVE');
    expect(again.status).toBe(201);
    const audit = await auditOf('R08');
    expect(audit.map((record) => record.action)).toEqual(expect.arrayContaining(['SUSPEND', 'RESUME']));
    for (const record of audit) {
      expect(record.actor).toBe('regulator:DJP');
      expect(record.at).toEqual(expect.any(String));
    }
    await expectLedgerBalanced(kuota);
  });

  it('a reseller key on the regulator routes → 403, and nothing changes', async () => {
    // Arrange
    const reseller = resellerById(kuota, 'R09');
    const before = await footprint('R10');

    // Act
    const responses = await Promise.all([
      kuota.api.put('/v1/regulator/vendors/R10/limits', {
        apiKey: reseller.apiKey,
        body: { holdingCap: 10_000_000 },
      }),
      kuota.api.post('/v1/regulator/vendors/R10/suspend', { apiKey: reseller.apiKey }),
      kuota.api.post('/v1/regulator/vendors/R09/resume', { apiKey: reseller.apiKey }),
    ]);
    const anonymous = await kuota.api.post('/v1/regulator/vendors/R10/suspend');

    // Assert
    expect(responses.map((response) => response.status)).toEqual([403, 403, 403]);
    expect(anonymous.status).toBe(401);
    expect(await footprint('R10')).toEqual(before);
    expect(await auditOf('R10')).toEqual([]);
  });
});
