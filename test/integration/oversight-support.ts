import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { hashNik } from '../../lib/domain/nik.js';
import type { MovementKind } from '../../lib/domain/stock.js';
import { buyerReference } from '../../lib/usecases/storefront.js';
import { eventually, type TestCloud } from '../support/cloud.js';
import {
  isAccepted,
  type PlacedOrder,
  placeOrder,
  sendGatewayEvent,
  waitForStatus,
} from '../support/flows.js';

/** The tools' one seeded generator, so a failing randomized run can be replayed with its seed. */
export { seededRandom } from '../../tools/common/random.js';

/**
 * Helpers of the oversight tests: the regulator's API read as the dashboard reads it, ledger
 * pages summed per kind, and buyers who pay on time, late or never.
 */
export interface VendorRow {
  readonly resellerId: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'SUSPENDED';
  readonly quotaPaidIdr: number;
  readonly allocated: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly affixed: number;
  readonly refundedCount: number;
  readonly refundedIdr: number;
  readonly serviceFeeIdr: number;
  readonly holdingCap: number;
  readonly lastSaleAt: string | null;
  readonly daysOfCover: number | null;
  readonly flags: string[];
}

export interface Alert {
  readonly alertId: string;
  readonly kind: string;
  readonly at: string;
  readonly resellerId?: string;
  readonly evidence: Record<string, unknown>;
}

export interface LedgerEntryView {
  readonly entryId: string;
  readonly kind: MovementKind;
  readonly quantity: number;
  readonly at: string;
  readonly reference: string;
  readonly shard: number;
}

export const asRegulator = (kuota: TestCloud) => ({ apiKey: kuota.credentials.regulatorKey });

export const resellerKey = (kuota: TestCloud, resellerId: string): string => {
  const reseller = kuota.credentials.resellers.find((candidate) => candidate.id === resellerId);
  if (!reseller) throw new Error(`no reseller ${resellerId} seeded`);
  return reseller.apiKey;
};

export const vendorRows = async (kuota: TestCloud): Promise<VendorRow[]> => {
  const answer = await kuota.api.get<{ vendors: VendorRow[] }>('/v1/regulator/vendors', asRegulator(kuota));
  expect(answer.status, answer.text).toBe(200);
  return answer.body.vendors;
};

export const vendorRow = async (kuota: TestCloud, resellerId: string): Promise<VendorRow> => {
  const row = (await vendorRows(kuota)).find((vendor) => vendor.resellerId === resellerId);
  if (!row) throw new Error(`no vendor row for ${resellerId}`);
  return row;
};

/** GET /v1/regulator/alerts, with the raw response text (to look for personal data in it). */
export const listAlerts = async (kuota: TestCloud): Promise<{ alerts: Alert[]; text: string }> => {
  const answer = await kuota.api.get<{ alerts: Alert[] }>('/v1/regulator/alerts', asRegulator(kuota));
  expect(answer.status, answer.text).toBe(200);
  return { alerts: answer.body.alerts, text: answer.text };
};

export const alertsOfKind = async (kuota: TestCloud, kind: string): Promise<Alert[]> =>
  (await listAlerts(kuota)).alerts.filter((alert) => alert.kind === kind);

/** Every ledger entry of a vendor through the regulator's API, following `nextCursor` to the end. */
export const ledgerEntries = async (
  kuota: TestCloud,
  resellerId: string,
  range: { from?: string; to?: string } = {},
): Promise<LedgerEntryView[]> => {
  const entries: LedgerEntryView[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1_000; page += 1) {
    const query = new URLSearchParams({ limit: '200', ...range, ...(cursor ? { cursor } : {}) });
    const answer = await kuota.api.get<{ entries: LedgerEntryView[]; nextCursor?: string }>(
      `/v1/regulator/vendors/${resellerId}/ledger?${query}`,
      asRegulator(kuota),
    );
    expect(answer.status, answer.text).toBe(200);
    entries.push(...answer.body.entries);
    cursor = answer.body.nextCursor;
    if (!cursor) return entries;
  }
  throw new Error('the ledger never ended');
};

/**
 * What the ledger entries say each account holds: Σ quantity per kind, moved from account to account. A
 * storefront hold is no ledger entry, so the ledger's unsold stock is on hand and reserved together.
 */
export const figuresFromLedger = (entries: readonly LedgerEntryView[]) => {
  const total = (kind: LedgerEntryView['kind']) =>
    entries.filter((entry) => entry.kind === kind).reduce((sum, entry) => sum + entry.quantity, 0);
  const [mint, sell, ret] = [total('MINT'), total('SELL'), total('RETURN')];
  return { allocated: mint, unsold: mint - sell, sold: sell - ret, returned: ret };
};

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The pseudonymous buyer reference alerts carry for a NIK (a prefix of its keyed HMAC). */
export const buyerOf = (kuota: TestCloud, nik: string) =>
  buyerReference(hashNik(kuota.secrets.nikHmacKey, nik));

export interface Reservation {
  readonly placed: PlacedOrder;
  readonly paymentId: string;
  readonly amountIdr: number;
  readonly reservedUntil: string;
}

/** Places an order and waits until it is RESERVED with its QRIS payment attached, or REJECTED. */
export const orderAndWait = async (
  kuota: TestCloud,
  resellerId: string,
  nik: string,
  quantity: number,
): Promise<
  | { outcome: 'RESERVED'; reservation: Reservation }
  | { outcome: 'REJECTED'; reason: string; placed: PlacedOrder }
> => {
  const placed = await placeOrder(kuota, resellerId, nik, quantity);
  expect(isAccepted(placed.status), placed.text).toBe(true);
  const order = await waitForStatus(kuota, placed.body, ['RESERVED', 'REJECTED'], 25_000);
  if (order.status === 'REJECTED')
    return { outcome: 'REJECTED', reason: String(order.reason), placed: placed.body };
  const payment = order.payment as { paymentId: string; amountIdr: number };
  return {
    outcome: 'RESERVED',
    reservation: {
      placed: placed.body,
      paymentId: payment.paymentId,
      amountIdr: payment.amountIdr,
      reservedUntil: String(order.reservedUntil),
    },
  };
};

export const reserve = async (kuota: TestCloud, resellerId: string, nik: string, quantity: number) => {
  const result = await orderAndWait(kuota, resellerId, nik, quantity);
  if (result.outcome !== 'RESERVED') throw new Error(`order at ${resellerId} was rejected: ${result.reason}`);
  return result.reservation;
};

/** The buyer pays the QRIS at the sandbox gateway; the gateway answers with the capture it recorded. */
export const payQris = async (kuota: TestCloud, paymentId: string, amountIdr?: number) => {
  const paid = await kuota.api.post<{ eventId: string; amountIdr: number; occurredAt: string }>(
    `/sandbox/payment-gateway/payments/${paymentId}/pay`,
    { body: amountIdr === undefined ? {} : { amountIdr } },
  );
  expect(paid.status, paid.text).toBe(200);
  return paid.body;
};

/** Delivers a gateway event as the gateway would: signed with the shared secret over the raw body. */
/** Delivers a signed gateway event by hand (the one sender in test/support/flows.ts). */
export const deliverGatewayEvent = sendGatewayEvent;

export const setGatewayFaults = async (kuota: TestCloud, faults: { dropRate?: number }) => {
  const answer = await kuota.api.post('/sandbox/faults', { body: { paymentGateway: faults } });
  expect(answer.status, answer.text).toBe(200);
};

export const waitUntilPast = async (iso: string, marginMs = 100) => {
  const waitMs = Date.parse(iso) - Date.now() + marginMs;
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
};

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export { eventually };
