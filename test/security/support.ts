import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { RouteDefinition } from '../../lib/api/routes.js';
import { eventually, type TestCloud } from '../support/cloud.js';

/** Helpers the security sweep shares. */

/** Runs `work` over `items` with at most `limit` in flight. */
export const inParallel = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        results[index] = await work(items[index] as T, index);
      }
    }),
  );
  return results;
};

let counter = 0;
export const freshKey = (label: string) => {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}`;
};

/** Every item of a table (strongly consistent), read with the test's own client (no injected faults). */
export const scanTable = async (kuota: TestCloud, table: string): Promise<Record<string, unknown>[]> => {
  const client = DynamoDBDocumentClient.from(kuota.cloud.dynamo);
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: cursor }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
};

export const mainTable = (kuota: TestCloud) => String(kuota.cloud.tables.main);
export const sandboxTable = (kuota: TestCloud) => String(kuota.cloud.tables.sandbox);

/** Fills a route's path template, e.g. `/v1/wholesale/quota-orders/{orderId}`. */
export const pathOf = (route: RouteDefinition, params: Record<string, string>) =>
  route.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x'));

/** A quota order bought and paid through the API, waited on until ALLOCATED. */
export const buyStock = async (kuota: TestCloud, apiKey: string, quantity: number) => {
  const created = await kuota.api.post<{ id: string; billingCode: string; amountIdr: number }>(
    '/v1/wholesale/quota-orders',
    { apiKey, headers: { 'idempotency-key': freshKey('stock') }, body: { quantity } },
  );
  if (created.status !== 201) throw new Error(`quota order answered ${created.status}: ${created.text}`);
  const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${created.body.billingCode}/pay`, {
    body: { amountIdr: created.body.amountIdr },
  });
  if (paid.status !== 200) throw new Error(`paying the billing answered ${paid.status}: ${paid.text}`);
  await eventually(
    async () => {
      const order = await kuota.api.get(`/v1/wholesale/quota-orders/${created.body.id}`, { apiKey });
      return order.body.status === 'ALLOCATED' ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  return created.body;
};
