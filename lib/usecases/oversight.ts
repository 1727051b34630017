import { type AlertRecord, alertStore } from '../adapters/alert-store.js';
import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { oversightStore } from '../adapters/oversight-store.js';
import { queueMessageCounts } from '../adapters/queues.js';
import { type ResellerProfile, resellerStore } from '../adapters/reseller-store.js';
import { type StockShard, stockStore } from '../adapters/stock-store.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { mapLimited } from '../concurrency.js';
import { config } from '../config.js';
import { NotFoundError } from '../domain/errors.js';
import { RESELLER_IDS, storefrontState } from '../domain/resellers.js';
import { sumShards } from '../domain/stock.js';
import { unitPrice } from '../domain/storefront-order.js';
import { MainKeys, STOREFRONT_WORK_BUCKETS } from '../infra/resources.js';
import { decodeCursor, encodeCursor, indexOf, invalidCursor, startKeyOf } from './cursors.js';
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

/** Vendors read at once (each one a few requests, or 32 index queries at most with `readStock`). */
const VENDORS_IN_FLIGHT = 8;

/**
 * Every vendor's profile and shards: as the ledger sees them (`readStock`: sales past the fold mark
 * counted sold), or `raw` for what needs only `onHand` and `allocated`, which the fold does not change.
 */
const loadVendors = async (options: { raw?: boolean } = {}): Promise<VendorSnapshot[]> =>
  mapLimited(RESELLER_IDS, VENDORS_IN_FLIGHT, async (resellerId) => {
    const [profile, shards] = await Promise.all([
      withStoreRetries(() => resellerStore.getReseller(resellerId)),
      withStoreRetries(() =>
        options.raw ? stockStore.readShards(resellerId) : stockStore.readStock(resellerId),
      ),
    ]);
    if (!profile) throw new NotFoundError(`reseller ${resellerId}`);
    return { profile, shards };
  });

const latest = (values: (string | undefined)[]): string | undefined =>
  values
    .filter((value): value is string => Boolean(value))
    .sort()
    .at(-1);
const earliest = (values: (string | undefined)[]): string | undefined =>
  values.filter((value): value is string => Boolean(value)).sort()[0];

/**
 * One row per vendor from O(vendors) items: each vendor's profile (with the running quota figures its quota
 * orders' writes keep: duty paid, first stock) and its stock shards. No order history is read.
 */
export const vendorRows = async (now: Date) => {
  const vendors = await loadVendors();
  const quota = vendors.map(({ profile }) => ({
    paidIdr: profile.quotaPaidIdr ?? 0,
    // Stock that never sold is idle since it arrived, not since forever.
    stockSince: profile.stockSince,
  }));
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

const deadLetters = async (now: Date): Promise<AlertView[]> => {
  const found: AlertView[] = [];
  for (const [queue, url] of Object.entries(config().deadLetterQueueUrls)) {
    // A queue this stage does not deploy (or cannot read) must not hide the other alerts.
    const counts = await queueMessageCounts(url).catch(() => undefined);
    if (!counts) continue;
    const count = counts.waiting;
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

/** Alerts computed from the current state (at most one per dead-letter queue and one per vendor). */
const liveAlerts = async (now: Date): Promise<AlertView[]> => {
  const [dlq, vendors] = await Promise.all([deadLetters(now), vendorRows(now)]);
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
  return [...dlq, ...idle];
};

/** A refund past its SLA, as an alert (rare by design, so reading its order for the vendor costs little). */
const refundAlert = async (item: Record<string, unknown>): Promise<AlertView> => {
  const lookup = await withStoreRetries(() => storefrontStore.findRefund(String(item.refundId)));
  const order = lookup ? await withStoreRetries(() => storefrontStore.getOrder(lookup.orderId)) : undefined;
  return {
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
  };
};

/** Where a page of alerts starts: live alerts (offset), late refunds (bucket, key), stored (day, key). */
type AlertPosition =
  | { readonly p: 'live'; readonly o: number }
  | { readonly p: 'refunds'; readonly b: number; readonly k?: Record<string, string> }
  | { readonly p: 'stored'; readonly d: number; readonly k?: Record<string, string> };

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const alertPosition = (cursor: string | undefined, days: number): { day: string; at?: AlertPosition } => {
  if (!cursor) return { day: '', at: { p: 'live', o: 0 } };
  const raw = decodeCursor(cursor);
  const day = typeof raw.t === 'string' && DAY_PATTERN.test(raw.t) ? raw.t : undefined;
  if (!day) throw invalidCursor();
  if (raw.p === 'live') return { day, at: { p: 'live', o: indexOf(raw.o, 1_000) } };
  if (raw.p === 'refunds') {
    const b = indexOf(raw.b, STOREFRONT_WORK_BUCKETS);
    const partition = { gsi1pk: MainKeys.storefrontWork('REFUND', b) };
    const k = startKeyOf(raw.k, ['pk', 'sk', 'gsi1pk', 'gsi1sk'], partition);
    return { day, at: { p: 'refunds', b, ...(k ? { k } : {}) } };
  }
  if (raw.p === 'stored') {
    const d = indexOf(raw.d, days);
    const pk = MainKeys.alertsOfDay(new Date(Date.parse(day) - d * DAY_MS).toISOString().slice(0, 10));
    const k = startKeyOf(raw.k, ['pk', 'sk'], { pk });
    return { day, at: { p: 'stored', d, ...(k ? { k } : {}) } };
  }
  throw invalidCursor();
};

/**
 * One page of alerts, at most `limit`, newest first within the page. Pages go through the live alerts
 * (dead letters, idle stock), then the refunds past their SLA, then the stored alerts of the last `days`
 * UTC days, today's first. A page reads at most `limit` alert items (plus the live alerts' O(vendors)
 * figures on the page that shows them), whatever the history holds.
 */
export const alerts = async (
  now: Date,
  query: { days: number; limit: number; cursor?: string },
): Promise<{ alerts: AlertView[]; nextCursor?: string }> => {
  const start = alertPosition(query.cursor, query.days);
  const anchorDay = start.day || now.toISOString().slice(0, 10);
  const found: AlertView[] = [];
  let at: AlertPosition | undefined = start.at;
  while (at && found.length < query.limit) {
    const room = query.limit - found.length;
    if (at.p === 'live') {
      const live = await liveAlerts(now);
      const taken = live.slice(at.o, at.o + room);
      found.push(...taken);
      at = at.o + taken.length < live.length ? { p: 'live', o: at.o + taken.length } : { p: 'refunds', b: 0 };
    } else if (at.p === 'refunds') {
      const before = new Date(now.getTime() - config().refundSlaSeconds * 1000).toISOString();
      const { b, k } = at;
      const page = await withStoreRetries(() => storefrontStore.listWork('REFUND', b, before, room, k));
      for (const item of page.items) found.push(await refundAlert(item));
      at = page.cursor
        ? { p: 'refunds', b, k: page.cursor as Record<string, string> }
        : b + 1 < STOREFRONT_WORK_BUCKETS
          ? { p: 'refunds', b: b + 1 }
          : { p: 'stored', d: 0 };
    } else {
      const { d, k } = at;
      const day = new Date(Date.parse(anchorDay) - d * DAY_MS).toISOString().slice(0, 10);
      const page = await withStoreRetries(() => oversightStore.alertsOfDay(day, room, k));
      found.push(...page.alerts);
      at = page.next
        ? { p: 'stored', d, k: page.next }
        : d + 1 < query.days
          ? { p: 'stored', d: d + 1 }
          : undefined;
    }
  }
  return {
    alerts: found.sort((a, b) => b.at.localeCompare(a.at)),
    ...(at ? { nextCursor: encodeCursor({ t: anchorDay, ...at }) } : {}),
  };
};

/** One page of a UTC day's audit records, newest first. */
export const auditPage = async (query: { day: string; limit: number; cursor?: string }) => {
  const raw = query.cursor ? decodeCursor(query.cursor) : {};
  const start = startKeyOf(raw.k, ['pk', 'sk'], { pk: MainKeys.auditOfDay(query.day) });
  const page = await withStoreRetries(() => oversightStore.auditOfDay(query.day, query.limit, start));
  return { records: page.records, ...(page.next ? { nextCursor: encodeCursor({ k: page.next }) } : {}) };
};

/** One page of the vendor rows (all of them are computed: the figures of each need every vendor's stock). */
export const vendorPage = async (now: Date, query: { limit: number; cursor?: string }) => {
  const raw = query.cursor ? decodeCursor(query.cursor) : {};
  if (raw.after !== undefined && !(typeof raw.after === 'string' && RESELLER_IDS.includes(raw.after)))
    throw invalidCursor();
  const rows = await vendorRows(now);
  const from = typeof raw.after === 'string' ? rows.findIndex((row) => row.resellerId === raw.after) + 1 : 0;
  const vendors = rows.slice(from, from + query.limit);
  const last = vendors.at(-1);
  return {
    vendors,
    ...(last && from + vendors.length < rows.length
      ? { nextCursor: encodeCursor({ after: last.resellerId }) }
      : {}),
  };
};

export const recordAlert = (alertId: string, alert: AlertRecord) =>
  withStoreRetries(() => alertStore.recordAlert(alertId, alert));

/** Open data, like Taiwan's mask-stock feed: no personal data, cacheable. */
let availabilityCache: { at: number; body: unknown } | undefined;
export const publicAvailability = async (now: Date) => {
  if (availabilityCache && now.getTime() - availabilityCache.at < 10_000) return availabilityCache.body;
  const vendors = await loadVendors({ raw: true });
  const updatedAt = now.toISOString();
  const body = {
    updatedAt,
    resellers: vendors.map(({ profile, shards }) => {
      const total = sumShards(shards);
      return {
        resellerId: profile.resellerId,
        name: profile.name,
        availability:
          storefrontState(profile) !== 'OPEN' ? 'SOLD_OUT' : availabilityOf(total.onHand, total.allocated),
        open: storefrontState(profile) === 'OPEN',
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
  await withStoreRetries(() => oversightStore.putStatsSnapshot(minute, now, figures));
  return { minute, vendors: vendors.length };
};

const MINUTE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

/**
 * National sold and on hand, one point a minute over the last `hours`, oldest first, at most `limit` points
 * a page (each point is one snapshot item read).
 */
export const salesSeries = async (now: Date, query: { hours: number; limit: number; cursor?: string }) => {
  const raw = query.cursor ? decodeCursor(query.cursor) : undefined;
  const from = raw ? raw.f : new Date(now.getTime() - query.hours * 3_600_000).toISOString().slice(0, 16);
  const firstDay = raw ? raw.d : String(from).slice(0, 10);
  if (typeof from !== 'string' || !MINUTE_PATTERN.test(from)) throw invalidCursor();
  if (typeof firstDay !== 'string' || !DAY_PATTERN.test(firstDay) || firstDay < from.slice(0, 10))
    throw invalidCursor();
  const lastDay = now.toISOString().slice(0, 10);
  let day: string | undefined = firstDay;
  let start = raw ? startKeyOf(raw.k, ['pk', 'sk'], { pk: MainKeys.statsOfDay(firstDay) }) : undefined;
  const points: { at: string; sold: number; onHand: number }[] = [];
  while (day && day <= lastDay && points.length < query.limit) {
    const current: string = day;
    const page = await withStoreRetries(() =>
      oversightStore.statsOfDay(current, from, query.limit - points.length, start),
    );
    for (const item of page.snapshots) {
      const figures = Object.values(item.vendors as Record<string, { sold: number; onHand: number }>);
      points.push({
        at: String(item.at),
        sold: figures.reduce((sum, figure) => sum + figure.sold, 0),
        onHand: figures.reduce((sum, figure) => sum + figure.onHand, 0),
      });
    }
    start = page.next;
    if (!page.next) day = new Date(Date.parse(current) + DAY_MS).toISOString().slice(0, 10);
  }
  const more = day !== undefined && day <= lastDay;
  return {
    points,
    ...(more ? { nextCursor: encodeCursor({ f: from, d: day, ...(start ? { k: start } : {}) }) } : {}),
  };
};
