import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../lib/usecases/ledger-check.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { runSweeper, stockReseller, validNik, waitForStatus } from '../support/flows.js';
import {
  asRegulator,
  figuresFromLedger,
  ledgerEntries,
  orderAndWait,
  payQris,
  type Reservation,
  resellerKey,
  seededRandom,
  type VendorRow,
  vendorRows,
  waitUntilPast,
} from './oversight-support.js';

/**
 * The figures equal the ledger after a randomized workload: several resellers stocked, buyers who
 * pay on time, pay late or never pay, the sweeper expiring lapsed reservations under a short TTL; then the
 * regulator's vendor rows must equal the ledger entry by entry, the ledger check, and what the buyers saw.
 */
const SEED = Number(process.env.KUOTA_TEST_SEED ?? Date.now() % 1_000_000);
const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

const KUOTA_RESERVATION_TTL_SECONDS = 4;
const STOCKED = ['R01', 'R02', 'R03', 'R04'] as const;
/** Storefronts buyers try: the stocked ones and one that never had stock (its orders are rejected). */
const STOREFRONTS = [...STOCKED, 'R07'] as const;

type Fate = 'PAY' | 'PAY_LATE' | 'NEVER_PAY';
interface Outcome {
  readonly resellerId: string;
  readonly quantity: number;
  readonly status: string;
  readonly amountIdr: number;
}

let kuota: TestCloud;
const quotaPaid = new Map<string, number>();
const outcomes: Outcome[] = [];

beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '4',
      KUOTA_RESERVATION_TTL_SECONDS: String(KUOTA_RESERVATION_TTL_SECONDS),
      // One NIK holds several unpaid reservations here: this test isolates another rule from the one-hold rule
      // (storefront-holding.test.ts tests that one), as it isolates the cap from the intake limits.
      KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON: 'false',
      // Many reservations lapse here, all from one client (127.0.0.1).
      KUOTA_CLIENT_LAPSES_PER_HOUR: '100000',
    },
  });
}, 60_000);
afterAll(async () => {
  await kuota?.stop();
});

describe(`regulator figures after a randomized workload (seed ${SEED})`, () => {
  it('equal the ledger, the ledger check and what buyers saw, for every vendor', async () => {
    // Arrange: stock (R06 buys twice), one quota order left unpaid (R05), then random buyers.
    const stock: { resellerId: string; quantity: number }[] = STOCKED.map((resellerId) => ({
      resellerId,
      quantity: between(12, 30),
    }));
    stock.push({ resellerId: 'R06', quantity: between(5, 10) }, { resellerId: 'R06', quantity: 3 });
    await Promise.all(
      stock.map(async ({ resellerId, quantity }) => {
        await stockReseller(kuota, Number(resellerId.slice(1)) - 1, quantity);
        quotaPaid.set(resellerId, (quotaPaid.get(resellerId) ?? 0) + quantity * 10_000);
      }),
    );
    const unpaid = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: resellerKey(kuota, 'R05'),
      headers: { 'idempotency-key': `unpaid-${SEED}` },
      body: { quantity: 50 },
    });
    expect(unpaid.status, unpaid.text).toBe(201);

    const buyers = Array.from({ length: 28 }, (_, index) => ({
      // The first buyer always tries the storefront that never had stock, so every seed has a rejection
      // (seed 802257 sent nobody there and sold nothing out: the workload check failed, before this session too).
      resellerId: ((picked) => (index === 0 ? 'R07' : picked))(pick(STOREFRONTS)),
      nik: validNik(SEED + index),
      quantity: between(1, 3),
      fate: pick<Fate>(['PAY', 'PAY', 'PAY_LATE', 'NEVER_PAY']),
    }));

    // Act 1: everyone orders at once; on-time payers pay as soon as their QR shows, others wait.
    const placed = await Promise.all(
      buyers.map(async (buyer) => {
        const result = await orderAndWait(kuota, buyer.resellerId, buyer.nik, buyer.quantity);
        if (result.outcome === 'RESERVED' && buyer.fate === 'PAY') {
          await payQris(kuota, result.reservation.paymentId);
          // Paid within the TTL this is FULFILLED; a slow machine may make it a late payment (refunded).
          const order = await waitForStatus(
            kuota,
            result.reservation.placed,
            ['FULFILLED', 'REFUNDED'],
            25_000,
          );
          if (order.status === 'FULFILLED') expect(order.stamps).toHaveLength(buyer.quantity);
          outcomes.push({ ...buyer, status: String(order.status), amountIdr: result.reservation.amountIdr });
        }
        if (result.outcome === 'REJECTED') outcomes.push({ ...buyer, status: 'REJECTED', amountIdr: 0 });
        return { buyer, result };
      }),
    );

    // Act 2: the other reservations lapse; late payers pay anyway (refunded in full), the sweeper expires
    // the rest.
    const lapsing = placed.flatMap(({ buyer, result }) =>
      result.outcome === 'RESERVED' && buyer.fate !== 'PAY'
        ? [{ buyer, reservation: result.reservation }]
        : [],
    );
    const latestExpiry = lapsing
      .map(({ reservation }) => reservation.reservedUntil)
      .sort()
      .at(-1);
    if (latestExpiry) await waitUntilPast(latestExpiry, 200);
    const late = lapsing.filter(({ buyer }) => buyer.fate === 'PAY_LATE');
    await Promise.all(late.map(({ reservation }) => payQris(kuota, reservation.paymentId)));
    await Promise.all(
      late.map(async ({ buyer, reservation }) => {
        await waitForStatus(kuota, reservation.placed, ['REFUNDED'], 25_000);
        outcomes.push({ ...buyer, status: 'REFUNDED', amountIdr: reservation.amountIdr });
      }),
    );
    await runSweeper(kuota);
    await Promise.all(
      lapsing
        .filter(({ buyer }) => buyer.fate === 'NEVER_PAY')
        .map(async ({ buyer, reservation }) => {
          await waitForStatus(kuota, reservation.placed, ['EXPIRED'], 10_000);
          outcomes.push({ ...buyer, status: 'EXPIRED', amountIdr: reservation.amountIdr });
        }),
    );

    // Act 4: a few fresh reservations stay open, so `reserved` is not zero when the figures are read.
    const open: Reservation[] = [];
    for (const [index, resellerId] of STOCKED.entries()) {
      const result = await orderAndWait(kuota, resellerId, validNik(SEED + 500 + index), 1);
      if (result.outcome === 'RESERVED') {
        open.push(result.reservation);
        outcomes.push({
          resellerId,
          quantity: 1,
          status: 'RESERVED',
          amountIdr: result.reservation.amountIdr,
        });
      } else outcomes.push({ resellerId, quantity: 1, status: 'REJECTED', amountIdr: 0 });
    }
    const vendors = await vendorRows(kuota);
    const ledgers = new Map(
      await Promise.all(
        vendors.map(
          async (vendor) => [vendor.resellerId, await ledgerEntries(kuota, vendor.resellerId)] as const,
        ),
      ),
    );
    const report = await checkLedger({
      client: DynamoDBDocumentClient.from(kuota.cloud.dynamo),
      mainTable: String(kuota.cloud.tables.main),
    });

    // Assert: the workload did what it was meant to (otherwise the comparison below proves little).
    expect(outcomes.filter((outcome) => outcome.status === 'FULFILLED').length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.status === 'REJECTED').length).toBeGreaterThan(0);
    expect(open.length).toBeGreaterThan(0);
    expect(vendors).toHaveLength(26);
    expect(report.differences).toEqual([]);
    expect(report.balanced).toBe(true);

    const sumOf = (resellerId: string, status: string, field: 'quantity' | 'amountIdr') =>
      outcomes
        .filter((outcome) => outcome.resellerId === resellerId && outcome.status === status)
        .reduce((sum, outcome) => sum + outcome[field], 0);
    for (const vendor of vendors) {
      const id = vendor.resellerId;
      const fromLedger = figuresFromLedger(ledgers.get(id) ?? []);
      const checked = report.resellers.find((line) => line.resellerId === id);
      const allocated = stock.filter((s) => s.resellerId === id).reduce((sum, s) => sum + s.quantity, 0);
      const figures = (row: VendorRow) => ({
        allocated: row.allocated,
        onHand: row.onHand,
        reserved: row.reserved,
        sold: row.sold,
      });

      // The identity of stock: every allocated stamp is on hand, reserved, sold or returned.
      expect(vendor.allocated, id).toBe(vendor.onHand + vendor.reserved + vendor.sold + fromLedger.returned);
      // The regulator's row equals the ledger entries summed per kind (a hold is unsold stock: on hand or
      // reserved), and the offline ledger check.
      expect(
        { allocated: vendor.allocated, unsold: vendor.onHand + vendor.reserved, sold: vendor.sold },
        id,
      ).toEqual({ allocated: fromLedger.allocated, unsold: fromLedger.unsold, sold: fromLedger.sold });
      if (checked) {
        expect(figures(vendor), id).toEqual({
          allocated: checked.shards.allocated,
          onHand: checked.shards.onHand,
          reserved: checked.shards.reserved,
          sold: checked.shards.sold,
        });
      }
      // And what the workload did: stock bought, stamps sold, reservations open, refunds, quota paid.
      expect(
        {
          allocated: vendor.allocated,
          sold: vendor.sold,
          reserved: vendor.reserved,
          refundedCount: vendor.refundedCount,
          refundedIdr: vendor.refundedIdr,
          quotaPaidIdr: vendor.quotaPaidIdr,
        },
        id,
      ).toEqual({
        allocated,
        sold: sumOf(id, 'FULFILLED', 'quantity'),
        reserved: sumOf(id, 'RESERVED', 'quantity'),
        refundedCount: outcomes.filter((o) => o.resellerId === id && o.status === 'REFUNDED').length,
        refundedIdr: sumOf(id, 'REFUNDED', 'amountIdr'),
        quotaPaidIdr: quotaPaid.get(id) ?? 0,
      });
    }
    const totals = vendors.reduce((sum, vendor) => sum + vendor.allocated, 0);
    expect(totals).toBe(report.nationallyMinted);
    expect(vendors.find((vendor) => vendor.resellerId === 'R05')?.quotaPaidIdr).toBe(0);
  });

  it('answers the same figures to the regulator only', async () => {
    // Act
    const asReseller = await kuota.api.get('/v1/regulator/vendors', { apiKey: resellerKey(kuota, 'R01') });
    const asRegulatorAgain = await kuota.api.get('/v1/regulator/vendors', asRegulator(kuota));

    // Assert
    expect(asReseller.status).toBe(403);
    expect(asRegulatorAgain.status).toBe(200);
  });
});
