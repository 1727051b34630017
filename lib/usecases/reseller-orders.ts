import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { quotaOrderStore } from '../adapters/quota-order-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { type StorefrontOrder, storefrontStore } from '../adapters/storefront-store.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import { STOREFRONT_ORDER_ID_PATTERN } from '../domain/identifiers.js';
import { SALE_CHANNELS, type SaleChannel } from '../domain/stock.js';
import {
  buyerReference,
  channelOf,
  jakartaDay,
  refundSummary,
  type StorefrontOrderStatus,
  serviceFeeOf,
  stampSlot,
} from '../domain/storefront-order.js';

/**
 * A reseller's own orders (its storefront's and its own channel's) and its daily settlement. Buyers appear
 * only as their pseudonymous reference (a prefix of the NIK's keyed hash), never as a NIK, a name or a
 * contact.
 */
export const wholesaleOrderView = (order: StorefrontOrder) => {
  const refund = refundSummary(order);
  return {
    orderId: order.orderId,
    resellerId: order.resellerId,
    channel: channelOf(order),
    status: order.status,
    quantity: order.quantity,
    buyer: buyerReference(order.nikHash),
    createdAt: order.createdAt,
    ...(order.reason ? { reason: order.reason } : {}),
    ...(order.unitPriceIdr !== undefined ? { unitPriceIdr: order.unitPriceIdr } : {}),
    ...(order.amountIdr !== undefined
      ? { amountIdr: order.amountIdr, serviceFeeIdr: serviceFeeOf(order) }
      : {}),
    ...(order.reservedAt ? { reservedAt: order.reservedAt } : {}),
    ...(order.expiresAt && order.status === 'RESERVED' ? { reservedUntil: order.expiresAt } : {}),
    ...(order.fulfilledAt ? { fulfilledAt: order.fulfilledAt } : {}),
    ...(order.expiredAt ? { expiredAt: order.expiredAt } : {}),
    ...(order.stamps
      ? {
          stamps: order.stamps.map((serial, index) => ({
            serial,
            status: order.affixed?.[stampSlot(index)] ? ('AFFIXED' as const) : ('SOLD' as const),
          })),
        }
      : {}),
    ...(refund ? { refund } : {}),
  };
};

const CURSOR_PATTERN = /^\d{4}-\d{2}-\d{2}T[0-9:.]+Z#SO_[0-9A-HJKMNP-TV-Z]{21}$/;

const decodeOrderCursor = (text: string): string => {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  if (!CURSOR_PATTERN.test(decoded))
    throw new DomainError('VALIDATION_FAILED', 'the cursor is not one this API returned', [
      { path: 'query.cursor', message: 'must be a cursor returned by a previous page' },
    ]);
  return decoded;
};

/** Instants compare as stored (UTC, `toISOString`), whatever offset the caller wrote them with. */
const utc = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso).toISOString());

export const listResellerOrders = async (
  resellerId: string,
  query: { status?: StorefrontOrderStatus; from?: string; to?: string; limit: number; cursor?: string },
) => {
  const page = await withStoreRetries(() =>
    storefrontStore.listOrdersOfReseller(resellerId, {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.from ? { from: utc(query.from) } : {}),
      ...(query.to ? { to: utc(query.to) } : {}),
      ...(query.cursor ? { before: decodeOrderCursor(query.cursor) } : {}),
    }),
  );
  return {
    orders: page.orders.map(wholesaleOrderView),
    ...(page.last ? { nextCursor: Buffer.from(page.last, 'utf8').toString('base64url') } : {}),
  };
};

/** One order of the caller's; another reseller's order answers 404, exactly as one that does not exist. */
export const getResellerOrder = async (resellerId: string, orderId: string) => {
  if (!STOREFRONT_ORDER_ID_PATTERN.test(orderId)) throw new NotFoundError('order');
  const order = await withStoreRetries(() => storefrontStore.getOrder(orderId));
  if (!order || order.resellerId !== resellerId) throw new NotFoundError('order');
  return wholesaleOrderView(order);
};

const DAY_MS = 86_400_000;

/** The instants of an Asia/Jakarta day (UTC+7, no daylight saving), as stored (UTC ISO strings). */
export const jakartaDayRange = (day: string) => {
  const start = Date.parse(`${day}T00:00:00.000+07:00`);
  return { from: new Date(start).toISOString(), to: new Date(start + DAY_MS - 1).toISOString() };
};

/**
 * A reseller's day (Asia/Jakarta): the stamps its SELL ledger entries of the day sold, by channel, with the
 * money each carries (gross = what the buyers paid, service fees = the part above face value); the refunds
 * the gateway confirmed in full that day; net = gross - refunds; and the quota it paid the tax authority for
 * that day. Read from the ledger itself, so it equals the ledger by construction.
 */
export const settlementOf = async (resellerId: string, day: string) => {
  const { from, to } = jakartaDayRange(day);
  const channels = new Map<SaleChannel, { stamps: number; sales: number; grossIdr: number; feesIdr: number }>(
    SALE_CHANNELS.map((channel) => [channel, { stamps: 0, sales: 0, grossIdr: 0, feesIdr: 0 }]),
  );
  let cursor: Record<string, string> | undefined;
  do {
    const page = await withStoreRetries(() =>
      stockStore.listLedger(resellerId, { limit: 200, cursor, fromIso: from, toIso: to }),
    );
    for (const entry of page.entries) {
      if (entry.kind !== 'SELL') continue;
      let { amountIdr, serviceFeeIdr, channel } = entry;
      if (amountIdr === undefined) {
        // A sale recorded before SELL entries carried their money: its order has it.
        const order = await withStoreRetries(() => storefrontStore.getOrder(entry.reference));
        amountIdr = order?.amountIdr ?? 0;
        serviceFeeIdr = order ? serviceFeeOf(order) : 0;
        channel = order ? channelOf(order) : 'STOREFRONT';
      }
      const line = channels.get(channel ?? 'STOREFRONT');
      if (!line) continue;
      line.stamps += entry.quantity;
      line.sales += 1;
      line.grossIdr += amountIdr;
      line.feesIdr += serviceFeeIdr ?? 0;
    }
    cursor = page.cursor;
  } while (cursor);
  const refunds = await withStoreRetries(() => storefrontStore.listCompletedRefunds(resellerId, day));
  const quotaOrders = await withStoreRetries(() => quotaOrderStore.listQuotaOrdersOfReseller(resellerId));
  const paidToday = quotaOrders.filter((order) => order.paidAt && jakartaDay(new Date(order.paidAt)) === day);
  const byChannel = SALE_CHANNELS.map((channel) => {
    const line = channels.get(channel) ?? { stamps: 0, sales: 0, grossIdr: 0, feesIdr: 0 };
    return {
      channel,
      sales: line.sales,
      stamps: line.stamps,
      grossIdr: line.grossIdr,
      serviceFeesIdr: line.feesIdr,
    };
  });
  const grossIdr = byChannel.reduce((sum, line) => sum + line.grossIdr, 0);
  const refundedIdr = refunds.reduce((sum, refund) => sum + refund.amountIdr, 0);
  return {
    resellerId,
    date: day,
    timeZone: 'Asia/Jakarta',
    from,
    to,
    channels: byChannel,
    stamps: byChannel.reduce((sum, line) => sum + line.stamps, 0),
    grossIdr,
    serviceFeesIdr: byChannel.reduce((sum, line) => sum + line.serviceFeesIdr, 0),
    refunds: { count: refunds.length, amountIdr: refundedIdr },
    netIdr: grossIdr - refundedIdr,
    quotaPaid: {
      orders: paidToday.length,
      stamps: paidToday.reduce((sum, order) => sum + order.quantity, 0),
      amountIdr: paidToday.reduce((sum, order) => sum + order.amountIdr, 0),
    },
  };
};

export type Settlement = Awaited<ReturnType<typeof settlementOf>>;

/** The settlement as CSV: one row per channel, then the day's totals, refunds, net and quota paid. */
export const settlementCsv = (settlement: Settlement): string => {
  const lines = ['date,line,sales,stamps,grossIdr,serviceFeesIdr,refundCount,refundedIdr,netIdr'];
  for (const line of settlement.channels)
    lines.push(
      [
        settlement.date,
        line.channel,
        line.sales,
        line.stamps,
        line.grossIdr,
        line.serviceFeesIdr,
        '',
        '',
        '',
      ].join(','),
    );
  lines.push(
    [
      settlement.date,
      'TOTAL',
      settlement.channels.reduce((sum, line) => sum + line.sales, 0),
      settlement.stamps,
      settlement.grossIdr,
      settlement.serviceFeesIdr,
      settlement.refunds.count,
      settlement.refunds.amountIdr,
      settlement.netIdr,
    ].join(','),
  );
  lines.push(
    [
      settlement.date,
      'QUOTA_PAID',
      settlement.quotaPaid.orders,
      settlement.quotaPaid.stamps,
      settlement.quotaPaid.amountIdr,
      '',
      '',
      '',
      '',
    ].join(','),
  );
  return `${lines.join('\n')}\n`;
};
