import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, sqs } from '../adapters/aws-clients.js';
import { storeCall, withStoreRetries } from '../adapters/dynamo-errors.js';
import { type AlertRecord, mainStore, type ResellerProfile } from '../adapters/main-store.js';
import { type StockShard, stockStore } from '../adapters/stock-store.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { config } from '../config.js';
import { NotFoundError } from '../domain/errors.js';
import { RESELLER_IDS } from '../domain/resellers.js';
import { sumShards } from '../domain/stock.js';
import { unitPrice } from '../domain/storefront-order.js';
import { MainKeys, STOREFRONT_WORK_BUCKETS } from '../infra/resources.js';
import { availabilityOf } from './storefront.js';

/**
 * The regulator's one view of all vendors, the alerts, and the public's open data. Everything here is
 * read from what the sales path already writes (stock shards, ledger, orders): reading adds no write to it.
 */
const DAY_MS = 86_400_000;

interface VendorSnapshot {
  readonly profile: ResellerProfile;
  readonly shards: StockShard[];
}

const loadVendors = async (): Promise<VendorSnapshot[]> =>
  Promise.all(
    RESELLER_IDS.map(async (resellerId) => {
      const [profile, shards] = await Promise.all([
        withStoreRetries(() => mainStore.getReseller(resellerId)),
        withStoreRetries(() => stockStore.readShards(resellerId)),
      ]);
      if (!profile) throw new NotFoundError(`reseller ${resellerId}`);
      return { profile, shards };
    }),
  );

const latest = (values: (string | undefined)[]): string | undefined =>
  values
    .filter((value): value is string => Boolean(value))
    .sort()
    .at(-1);
const earliest = (values: (string | undefined)[]): string | undefined =>
  values.filter((value): value is string => Boolean(value)).sort()[0];

export const vendorRows = async (now: Date) => {
  const vendors = await loadVendors();
  const quota = await Promise.all(
    vendors.map(async ({ profile }) => {
      const orders = await withStoreRetries(() => mainStore.listQuotaOrdersOfReseller(profile.resellerId));
      return {
        paidIdr: orders.filter((order) => order.ntpn).reduce((sum, order) => sum + order.amountIdr, 0),
        // Stock that never sold is idle since it arrived, not since forever.
        stockSince: earliest(
          orders
            .filter((order) => order.allocatedQuantity > 0)
            .map((order) => order.paidAt ?? order.createdAt),
        ),
      };
    }),
  );
  const soldOutElsewhere = vendors.filter(({ shards }) => {
    const total = sumShards(shards);
    return total.allocated > 0 && total.onHand === 0;
  }).length;
  return vendors.map(({ profile, shards }, index) => {
    const total = sumShards(shards);
    const lastSaleAt = latest(shards.map((shard) => shard.lastSaleAt));
    const firstSaleAt = earliest(shards.map((shard) => shard.firstSaleAt));
    const sellingDays = firstSaleAt
      ? Math.max(1, (now.getTime() - Date.parse(firstSaleAt)) / DAY_MS)
      : undefined;
    const perDay = sellingDays ? total.sold / sellingDays : 0;
    const idleSince = lastSaleAt ?? quota[index]?.stockSince;
    const idle =
      total.onHand > 0 &&
      (!idleSince || now.getTime() - Date.parse(idleSince) > config().idleStockDays * DAY_MS) &&
      soldOutElsewhere > 0;
    const flags = [
      ...(profile.status === 'SUSPENDED' ? ['SUSPENDED'] : []),
      ...(!profile.storefrontOpen ? ['STOREFRONT_CLOSED'] : []),
      ...(total.allocated > 0 && total.onHand === 0 ? ['SOLD_OUT'] : []),
      ...(total.allocated === 0 ? ['NO_STOCK_EVER'] : []),
      ...(idle ? ['IDLE_STOCK'] : []),
    ];
    return {
      resellerId: profile.resellerId,
      name: profile.name,
      status: profile.status,
      quotaPaidIdr: quota[index]?.paidIdr ?? 0,
      allocated: total.allocated,
      onHand: total.onHand,
      reserved: total.reserved,
      sold: total.sold,
      affixed: shards.reduce((sum, shard) => sum + shard.affixed, 0),
      refundedCount: shards.reduce((sum, shard) => sum + shard.refundedCount, 0),
      refundedIdr: shards.reduce((sum, shard) => sum + shard.refundedIdr, 0),
      serviceFeeIdr: profile.serviceFeeIdr,
      holdingCap: profile.holdingCap,
      lastSaleAt: lastSaleAt ?? null,
      daysOfCover: perDay > 0 ? Math.round((total.onHand / perDay) * 10) / 10 : null,
      flags,
    };
  });
};

export type AlertKind =
  | 'TAX_AMOUNT_MISMATCH'
  | 'NTPN_CONFLICT'
  | 'FEE_CAP_VIOLATION_ATTEMPT'
  | 'REFUND_AMOUNT_MISMATCH'
  | 'NIK_CAP_REACHED'
  | 'NIK_MULTI_STOREFRONT'
  | 'IDLE_STOCK'
  | 'REFUND_PAST_SLA'
  | 'DEAD_LETTERS';

export interface AlertView {
  readonly alertId: string;
  readonly kind: string;
  readonly at: string;
  readonly resellerId?: string;
  readonly evidence: Record<string, unknown>;
  /** How often it recurred that day (stored alerts; 1 for computed ones). */
  readonly occurrences?: number;
  readonly lastAt?: string;
}

const storedAlerts = async (now: Date, days: number): Promise<AlertView[]> => {
  const all: AlertView[] = [];
  for (let back = 0; back < days; back += 1) {
    const day = new Date(now.getTime() - back * DAY_MS).toISOString().slice(0, 10);
    const alerts = await withStoreRetries(() => mainStore.listAlertsOfDay(day));
    all.push(...alerts);
  }
  return all;
};

const refundsPastSla = async (now: Date): Promise<AlertView[]> => {
  const before = new Date(now.getTime() - config().refundSlaSeconds * 1000).toISOString();
  const found: AlertView[] = [];
  for (let bucket = 0; bucket < STOREFRONT_WORK_BUCKETS; bucket += 1) {
    const page = await withStoreRetries(() => storefrontStore.listWork('REFUND', bucket, before, 100));
    for (const item of page.items) {
      // Rare by design (a refund past its SLA), so reading its order for the vendor costs little.
      const lookup = await withStoreRetries(() => storefrontStore.findRefund(String(item.refundId)));
      const order = lookup
        ? await withStoreRetries(() => storefrontStore.getOrder(lookup.orderId))
        : undefined;
      found.push({
        alertId: `REFUND_PAST_SLA#${String(item.refundId)}`,
        kind: 'REFUND_PAST_SLA',
        at: String(item.recordedAt),
        ...(order ? { resellerId: order.resellerId } : {}),
        evidence: {
          ...(order ? { orderId: order.orderId } : {}),
          refundId: item.refundId,
          amountIdr: item.amountIdr,
          recordedAt: item.recordedAt,
          slaSeconds: config().refundSlaSeconds,
        },
      });
    }
  }
  return found;
};

const deadLetters = async (now: Date): Promise<AlertView[]> => {
  const found: AlertView[] = [];
  for (const [queue, url] of Object.entries(config().deadLetterQueueUrls)) {
    // A queue this stage does not deploy (or cannot read) must not hide the other alerts.
    const result = await sqs()
      .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))
      .catch(() => undefined);
    if (!result) continue;
    const count = Number(result.Attributes?.ApproximateNumberOfMessages ?? 0);
    if (count > 0) {
      found.push({
        alertId: `DEAD_LETTERS#${queue}`,
        kind: 'DEAD_LETTERS',
        at: now.toISOString(),
        evidence: { queue, messages: count },
      });
    }
  }
  return found;
};

export const alerts = async (now: Date, days = 7): Promise<AlertView[]> => {
  const [stored, refunds, dlq, vendors] = await Promise.all([
    storedAlerts(now, days),
    refundsPastSla(now),
    deadLetters(now),
    vendorRows(now),
  ]);
  const soldOut = vendors
    .filter((vendor) => vendor.flags.includes('SOLD_OUT'))
    .map((vendor) => vendor.resellerId);
  const idle = vendors
    .filter((vendor) => vendor.flags.includes('IDLE_STOCK'))
    .map((vendor) => ({
      alertId: `IDLE_STOCK#${vendor.resellerId}`,
      kind: 'IDLE_STOCK',
      at: now.toISOString(),
      resellerId: vendor.resellerId,
      evidence: {
        onHand: vendor.onHand,
        lastSaleAt: vendor.lastSaleAt,
        idleDaysThreshold: config().idleStockDays,
        soldOutVendors: soldOut,
      },
    }));
  return [...stored, ...refunds, ...dlq, ...idle].sort((a, b) => b.at.localeCompare(a.at));
};

export const recordAlert = (alertId: string, alert: AlertRecord) =>
  withStoreRetries(() => mainStore.recordAlert(alertId, alert));

/** Open data, like Taiwan's mask-stock feed: no personal data, cacheable. */
let availabilityCache: { at: number; body: unknown } | undefined;
export const publicAvailability = async (now: Date) => {
  if (availabilityCache && now.getTime() - availabilityCache.at < 10_000) return availabilityCache.body;
  const vendors = await loadVendors();
  const updatedAt = now.toISOString();
  const body = {
    updatedAt,
    resellers: vendors.map(({ profile, shards }) => {
      const total = sumShards(shards);
      return {
        resellerId: profile.resellerId,
        name: profile.name,
        availability:
          profile.status === 'SUSPENDED' || !profile.storefrontOpen
            ? 'SOLD_OUT'
            : availabilityOf(total.onHand, total.allocated),
        open: profile.status === 'ACTIVE' && profile.storefrontOpen,
        unitPriceIdr: unitPrice(profile.serviceFeeIdr),
        updatedAt,
      };
    }),
  };
  availabilityCache = { at: now.getTime(), body };
  return body;
};

/** Minute snapshot of national stock and sales, so dashboards chart sales over time without the ledger. */
export const writeStatsSnapshot = async (now: Date) => {
  const vendors = await loadVendors();
  const minute = now.toISOString().slice(0, 16);
  const figures = Object.fromEntries(
    vendors.map(({ profile, shards }) => {
      const total = sumShards(shards);
      return [
        profile.resellerId,
        { allocated: total.allocated, onHand: total.onHand, reserved: total.reserved, sold: total.sold },
      ];
    }),
  );
  await storeCall(() =>
    dynamo().send(
      new PutCommand({
        TableName: config().mainTable,
        Item: {
          pk: MainKeys.statsOfDay(minute.slice(0, 10)),
          sk: minute,
          entity: 'StatsSnapshot',
          at: now.toISOString(),
          vendors: figures,
          purgeAt: Math.floor(now.getTime() / 1000) + 90 * 86_400,
        },
      }),
    ),
  );
  return { minute, vendors: vendors.length };
};

export const salesSeries = async (now: Date, hours: number) => {
  const from = new Date(now.getTime() - hours * 3_600_000).toISOString().slice(0, 16);
  const days = new Set<string>();
  for (let t = now.getTime() - hours * 3_600_000; t <= now.getTime(); t += DAY_MS)
    days.add(new Date(t).toISOString().slice(0, 10));
  days.add(now.toISOString().slice(0, 10));
  const points: { at: string; sold: number; onHand: number }[] = [];
  for (const day of [...days].sort()) {
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await storeCall(() =>
        dynamo().send(
          new QueryCommand({
            TableName: config().mainTable,
            KeyConditionExpression: 'pk = :pk AND sk >= :from',
            ExpressionAttributeValues: { ':pk': MainKeys.statsOfDay(day), ':from': from },
            ExclusiveStartKey: cursor,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const figures = Object.values(item.vendors as Record<string, { sold: number; onHand: number }>);
        points.push({
          at: String(item.at),
          sold: figures.reduce((sum, figure) => sum + figure.sold, 0),
          onHand: figures.reduce((sum, figure) => sum + figure.onHand, 0),
        });
      }
      cursor = page.LastEvaluatedKey;
    } while (cursor);
  }
  return { points };
};
