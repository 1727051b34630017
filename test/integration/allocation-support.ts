import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { AllocationMessage } from '../../lib/adapters/queues.js';
import { quotaOrderStore } from '../../lib/adapters/quota-order-store.js';
import { randomAlphanumeric } from '../../lib/domain/identifiers.js';
import type { QuotaOrder } from '../../lib/domain/quota-order.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { checkLedger, type LedgerCheckReport } from '../../lib/usecases/ledger-check.js';
import { eventually, type TestCloud } from '../support/cloud.js';
import { scanMain } from '../support/flows.js';

/** The tools' one seeded generator, so a failing randomized run can be replayed with its seed. */
export { seededRandom } from '../../tools/common/random.js';

/**
 * Helpers of the allocation tests. Writes go through kuota (HTTP, or its use cases in-process);
 * checks read the emulated tables directly through the test's own client, which fault injection never
 * touches.
 */
export type Reseller = TestCloud['credentials']['resellers'][number];

export const resellerById = (kuota: TestCloud, id: string): Reseller => {
  const reseller = kuota.credentials.resellers.find((candidate) => candidate.id === id);
  if (!reseller) throw new Error(`no reseller ${id} seeded`);
  return reseller;
};

export const documents = (kuota: TestCloud) => DynamoDBDocumentClient.from(kuota.cloud.dynamo);

/** POST /v1/wholesale/quota-orders, failing the test unless it answers 201. */
export const createOrder = async (kuota: TestCloud, reseller: Reseller, quantity: number, key: string) => {
  const created = await kuota.api.post('/v1/wholesale/quota-orders', {
    apiKey: reseller.apiKey,
    headers: { 'idempotency-key': key },
    body: { quantity },
  });
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
  return { id: String(created.body.id), billingCode: String(created.body.billingCode), quantity };
};

/** Pays the billing at the sandbox tax authority; its webhook credits the order and requests allocation. */
export const payBilling = async (kuota: TestCloud, billingCode: string, quantity: number) => {
  const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${billingCode}/pay`, {
    body: { amountIdr: quantity * 10_000 },
  });
  if (paid.status !== 200) throw new Error(`pay answered ${paid.status}: ${paid.text}`);
};

export const buyAndPay = async (kuota: TestCloud, reseller: Reseller, quantity: number, key: string) => {
  const order = await createOrder(kuota, reseller, quantity, key);
  await payBilling(kuota, order.billingCode, quantity);
  return order.id;
};

/**
 * Creates an order over HTTP and records its tax payment in-process, without sending any allocation
 * message: the test then delivers the messages itself, as often and in whatever order it wants.
 */
export const paidOrderWithoutMessage = async (
  kuota: TestCloud,
  reseller: Reseller,
  quantity: number,
  key: string,
): Promise<AllocationMessage> => {
  const created = await createOrder(kuota, reseller, quantity, key);
  const order = await quotaOrderStore.getQuotaOrder(reseller.id, created.id);
  if (!order) throw new Error('created order not found');
  await quotaOrderStore.markQuotaOrderPaid(order, {
    ntpn: randomAlphanumeric(16),
    paidAt: new Date().toISOString(),
  });
  return { quotaOrderId: created.id, resellerId: reseller.id, expectedAllocated: 0 };
};

export type StoredOrder = QuotaOrder & { lastAllocationAt?: string };

export const readOrder = async (kuota: TestCloud, resellerId: string, orderId: string) => {
  const result = await documents(kuota).send(
    new GetCommand({
      TableName: kuota.cloud.tables.main,
      Key: MainKeys.quotaOrder(resellerId, orderId),
      ConsistentRead: true,
    }),
  );
  return result.Item as StoredOrder | undefined;
};

export const waitUntilAllocated = (
  kuota: TestCloud,
  resellerId: string,
  orderId: string,
  timeoutMs = 20_000,
): Promise<StoredOrder> =>
  eventually(
    async () => {
      const order = await readOrder(kuota, resellerId, orderId);
      return order?.status === 'ALLOCATED' ? order : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );

export interface ShardSnapshot {
  readonly shard: number;
  readonly allocated: number;
  readonly onHand: number;
}

export const readShards = async (kuota: TestCloud, resellerId: string): Promise<ShardSnapshot[]> =>
  (await scanMain(kuota, `STOCK#${resellerId}#`))
    .map((item) => ({
      shard: Number(item.shardIndex),
      allocated: Number(item.allocated ?? 0),
      onHand: Number(item.onHand ?? 0),
    }))
    .sort((a, b) => a.shard - b.shard);

export interface LedgerRow {
  readonly entryId: string;
  readonly kind: string;
  readonly quantity: number;
  readonly shard: number;
  readonly reference: string;
  readonly at: string;
  readonly shardParts: number[];
}

export const readLedger = async (kuota: TestCloud, resellerId: string): Promise<LedgerRow[]> =>
  (await scanMain(kuota, `LEDGER#${resellerId}#`))
    .map((item) => ({
      entryId: String(item.entryId),
      kind: String(item.kind),
      quantity: Number(item.quantity),
      shard: Number(item.shard),
      reference: String(item.reference),
      at: String(item.at),
      shardParts: (item.shardParts as number[] | undefined) ?? [],
    }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.entryId.localeCompare(b.entryId)));

/**
 * An order's final state with its ids and timestamps taken out, so two orders of the same size allocated
 * under different delivery patterns can be compared for equality.
 */
export const allocationFingerprint = async (kuota: TestCloud, resellerId: string, orderId: string) => {
  const order = await readOrder(kuota, resellerId, orderId);
  const ledger = await readLedger(kuota, resellerId);
  return {
    status: order?.status,
    allocatedQuantity: order?.allocatedQuantity,
    shards: await readShards(kuota, resellerId),
    ledger: ledger
      .filter((entry) => entry.reference === orderId)
      .map((entry) => ({
        entryId: entry.entryId.replace(orderId, '<order>'),
        kind: entry.kind,
        quantity: entry.quantity,
        shard: entry.shard,
        shardParts: entry.shardParts,
      }))
      .sort((a, b) => a.entryId.localeCompare(b.entryId, 'en', { numeric: true })),
  };
};

export const ledgerReport = (kuota: TestCloud): Promise<LedgerCheckReport> =>
  checkLedger({ client: documents(kuota), mainTable: String(kuota.cloud.tables.main) });

/** The audit finds nothing wrong; on failure the message lists every difference. */
export const expectLedgerBalanced = async (kuota: TestCloud): Promise<LedgerCheckReport> => {
  const report = await ledgerReport(kuota);
  expect(report.differences, report.differences.join('\n')).toEqual([]);
  expect(report.balanced).toBe(true);
  return report;
};

/** Empties the issuer's token bucket, so minting proceeds at the configured rate from now on. */
export const drainIssuerBucket = async (kuota: TestCloud, nowMs = Date.now()) => {
  await documents(kuota).send(
    new PutCommand({
      TableName: kuota.cloud.tables.main,
      Item: { ...MainKeys.issuerCapacity, entity: 'IssuerCapacity', tokens: 0, updatedAtMs: nowMs },
    }),
  );
};

/** A Fisher-Yates shuffle driven by a seeded generator (`seededRandom`), so a failing order can be replayed. */
export const shuffled = <T>(items: readonly T[], random: () => number): T[] => {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};
