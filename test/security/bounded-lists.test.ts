import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { MAX_PAGE } from '../../lib/api/schemas.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { asRegulator, resellerKey } from '../integration/oversight-support.js';
import { useTestCloud } from '../support/cloud.js';
import { documents, mapLimit } from '../support/flows.js';
import { itemsReadDuring } from '../support/read-meter.js';

/**
 * Every list endpoint answers pages of at most its documented maximum, with an opaque cursor, and a page
 * reads about as many items as it returns, whatever the history holds (bounded work): 5,000
 * audit records made by 5,000 regulator calls, then listed one per call over 5,000 calls; 5,000 stored
 * alerts over three days; 5,000 minute snapshots.
 */
const MANY = 5_000;
const DAY_MS = 86_400_000;
/** Every vendor's profile and its 32 stock shards (the live alerts and the vendor table read them). */
const VENDOR_ITEMS = 26 * (1 + 32);

const kuota = useTestCloud();

const putAll = async (items: Record<string, unknown>[]) => {
  const batches = Array.from({ length: Math.ceil(items.length / 25) }, (_, index) =>
    items.slice(index * 25, index * 25 + 25),
  );
  const table = kuota.cloud.tables.main as string;
  await mapLimit(batches, 8, async (batch) => {
    let request: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
    while (request.length > 0) {
      const result = await documents(kuota).send(
        new BatchWriteCommand({ RequestItems: { [table]: request as never } }),
      );
      request = (result.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  });
};

interface Page {
  readonly nextCursor?: string;
  readonly [list: string]: unknown;
}

/** Follows nextCursor from the first page; each page's items and what its call read. */
const everyPage = async (path: string, list: string, apiKey: string) => {
  const pages: { items: Record<string, unknown>[]; itemsRead: number }[] = [];
  let cursor: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url = cursor ? `${path}${separator}cursor=${cursor}` : path;
    const measured = await itemsReadDuring(() => kuota.api.get<Page>(url, { apiKey }));
    expect(measured.result.status, measured.result.text).toBe(200);
    pages.push({ items: measured.result.body[list] as Record<string, unknown>[], itemsRead: measured.items });
    cursor = measured.result.body.nextCursor;
    if (pages.length > 2 * MANY) throw new Error('the cursor never ends');
  } while (cursor);
  return pages;
};

describe('a limit above the maximum', () => {
  const regulator = () => kuota.credentials.regulatorKey;
  const reseller = () => resellerKey(kuota, 'R01');
  const lists = [
    { path: '/v1/regulator/vendors', max: MAX_PAGE.vendors, key: regulator },
    { path: '/v1/regulator/alerts', max: MAX_PAGE.alerts, key: regulator },
    { path: '/v1/regulator/audit', max: MAX_PAGE.audit, key: regulator },
    { path: '/v1/regulator/sales', max: MAX_PAGE.salesPoints, key: regulator },
    { path: '/v1/regulator/vendors/R01/ledger', max: MAX_PAGE.ledger, key: regulator },
    { path: '/v1/wholesale/ledger', max: MAX_PAGE.ledger, key: reseller },
    { path: '/v1/wholesale/orders', max: MAX_PAGE.wholesaleOrders, key: reseller },
    { path: '/v1/wholesale/webhook-deliveries', max: MAX_PAGE.webhookDeliveries, key: reseller },
  ];

  it.each(lists)(
    'is refused with a 400 naming query.limit: $path (at most $max)',
    async ({ path, max, key }) => {
      // Act
      const over = await kuota.api.get<{ error: { issues: { path: string; message: string }[] } }>(
        `${path}?limit=${max + 1}`,
        { apiKey: key() },
      );
      const atMax = await kuota.api.get(`${path}?limit=${max}`, { apiKey: key() });

      // Assert
      expect(over.status).toBe(400);
      expect(over.body.error.issues).toContainEqual({
        path: 'query.limit',
        message: `must be at most ${max}`,
      });
      expect(atMax.status, atMax.text).toBe(200);
    },
  );

  it('refuses a cursor naming another partition', async () => {
    // Arrange: a well-formed cursor of the audit list, pointing at another day's partition
    const forged = Buffer.from(JSON.stringify({ k: { pk: 'RESELLER#R02', sk: 'PROFILE' } }), 'utf8').toString(
      'base64url',
    );

    // Act
    const answer = await kuota.api.get<{ error: { issues: { path: string }[] } }>(
      `/v1/regulator/audit?cursor=${forged}`,
      { apiKey: regulator() },
    );

    // Assert
    expect(answer.status).toBe(400);
    expect(answer.body.error.issues[0]?.path).toBe('query.cursor');
  });
});

describe('the audit log after 5,000 regulator actions', () => {
  it('lists them one per call over 5,000 calls, each call reading at most the one item it returns', {
    timeout: 600_000,
  }, async () => {
    // Arrange: 5,000 recorded actions, through the API
    const started = new Date();
    const statuses = await mapLimit(
      Array.from({ length: MANY }, (_, index) => index),
      8,
      async (index) => {
        for (let attempt = 0; ; attempt += 1) {
          const answer = await kuota.api.put('/v1/regulator/vendors/R05/limits', {
            ...asRegulator(kuota),
            body: { holdingCap: 200_000 + index },
          });
          if (answer.status !== 429 || attempt >= 50) return answer.status;
          await new Promise((resolve) => setTimeout(resolve, 20 + attempt * 10));
        }
      },
    );
    const days = [...new Set([started, new Date()].map((at) => at.toISOString().slice(0, 10)))];

    // Act
    const pages = [];
    for (const day of days)
      pages.push(
        ...(await everyPage(
          `/v1/regulator/audit?day=${day}&limit=1`,
          'records',
          kuota.credentials.regulatorKey,
        )),
      );
    const ids = pages.flatMap((page) => page.items.map((record) => String(record.auditId)));

    // Assert
    expect(statuses.filter((status) => status === 200)).toHaveLength(MANY);
    expect(pages.length).toBeGreaterThanOrEqual(MANY);
    expect(new Set(ids).size).toBe(MANY);
    expect(ids).toHaveLength(MANY);
    expect(Math.max(...pages.map((page) => page.items.length))).toBe(1);
    expect(Math.max(...pages.map((page) => page.itemsRead))).toBeLessThanOrEqual(2);
  });
});

describe('alerts beside 5,000 stored alerts', () => {
  it('pages through all of them in pages of at most 200, each page reading O(page + vendors) items', {
    timeout: 300_000,
  }, async () => {
    // Arrange: 5,000 distinct alerts (one kind, 5,000 subjects) over today and the two days before
    const now = Date.now();
    const items = Array.from({ length: MANY }, (_, index) => {
      const day = new Date(now - (index % 3) * DAY_MS).toISOString().slice(0, 10);
      const alertId = `NIK_MULTI_STOREFRONT#nik:${String(index).padStart(6, '0')}#${day}`;
      return {
        ...MainKeys.alert(day, alertId),
        entity: 'Alert',
        alertId,
        kind: 'NIK_MULTI_STOREFRONT',
        at: `${day}T00:00:${String(index % 60).padStart(2, '0')}.000Z`,
        lastAt: `${day}T00:00:${String(index % 60).padStart(2, '0')}.000Z`,
        evidence: { buyer: `nik:${index}` },
        occurrences: 1,
      };
    });
    await putAll(items);

    // Act
    const pages = await everyPage('/v1/regulator/alerts?days=7', 'alerts', kuota.credentials.regulatorKey);
    const ids = pages.flatMap((page) => page.items.map((alert) => String(alert.alertId)));
    const stored = ids.filter((id) => id.startsWith('NIK_MULTI_STOREFRONT#nik:'));

    // Assert
    expect(new Set(stored).size).toBe(MANY);
    expect(stored).toHaveLength(MANY);
    expect(pages.length).toBeGreaterThanOrEqual(MANY / MAX_PAGE.alerts);
    expect(Math.max(...pages.map((page) => page.items.length))).toBeLessThanOrEqual(MAX_PAGE.alerts);
    expect(Math.max(...pages.map((page) => page.itemsRead))).toBeLessThanOrEqual(
      MAX_PAGE.alerts + VENDOR_ITEMS + 10,
    );
    // Past the first page (the live alerts' vendor figures), a page reads what it lists.
    expect(Math.max(...pages.slice(1).map((page) => page.itemsRead))).toBeLessThanOrEqual(
      MAX_PAGE.alerts + 5,
    );
  });
});

describe('the sales series beside 5,000 minute snapshots', () => {
  it('answers them oldest first in pages of at most 1,440 points, each reading what it returns', {
    timeout: 300_000,
  }, async () => {
    // Arrange: one snapshot a minute for the last 5,000 minutes
    const now = Date.now();
    const snapshots = Array.from({ length: MANY }, (_, index) => {
      const at = new Date(now - (index + 1) * 60_000);
      const minute = at.toISOString().slice(0, 16);
      return {
        pk: MainKeys.statsOfDay(minute.slice(0, 10)),
        sk: minute,
        entity: 'StatsSnapshot',
        at: at.toISOString(),
        vendors: { R01: { allocated: 10, onHand: 10 - (index % 10), reserved: 0, sold: index % 10 } },
      };
    });
    await putAll(snapshots);

    // Act
    const pages = await everyPage('/v1/regulator/sales?hours=96', 'points', kuota.credentials.regulatorKey);
    const times = pages.flatMap((page) => page.items.map((point) => String(point.at)));

    // Assert
    expect(times.length).toBeGreaterThanOrEqual(MANY);
    expect(new Set(times).size).toBe(times.length);
    expect([...times].sort()).toEqual(times);
    expect(Math.max(...pages.map((page) => page.items.length))).toBeLessThanOrEqual(MAX_PAGE.salesPoints);
    expect(Math.max(...pages.map((page) => page.itemsRead))).toBeLessThanOrEqual(MAX_PAGE.salesPoints + 1);
  });
});

describe('the vendor table', () => {
  it('pages through the 26 vendors with a cursor', async () => {
    // Act
    const pages = await everyPage(
      '/v1/regulator/vendors?limit=10',
      'vendors',
      kuota.credentials.regulatorKey,
    );
    const ids = pages.flatMap((page) => page.items.map((vendor) => String(vendor.resellerId)));

    // Assert
    expect(pages.map((page) => page.items.length)).toEqual([10, 10, 6]);
    expect(new Set(ids).size).toBe(26);
    expect(Math.max(...pages.map((page) => page.itemsRead))).toBeLessThanOrEqual(VENDOR_ITEMS + 5);
  });
});
