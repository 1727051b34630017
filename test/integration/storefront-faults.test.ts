import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearFaults, faultCounters, setFaultPlan } from '../../lib/adapters/fault-injection.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  isAccepted,
  ledgerReport,
  mapLimit,
  nikDayCount,
  type PlacedOrder,
  placeOrderPatiently,
  readOrder,
  runSweeper,
  sendGatewayEvent,
  serialsOfAllOrders,
  stockReseller,
  stockShards,
  stockTotals,
  storefrontOrderItems,
  validNik,
  waitUntilOrdersSettle,
} from '../support/flows.js';

/**
 * DynamoDB throttling and transaction conflicts (which DynamoDB Local never produces) injected
 * into kuota's own client during a burst of orders and payments. Kuota retries; clients see 202 or
 * 429 + Retry-After, never a 5xx; afterwards nothing is oversold, no NIK is over its cap, the ledger
 * balances and every paid order holds its stamps.
 */
const STOCK = 60;
const BUYERS = 30;
const ORDERS_PER_BUYER = 4;
const CAP = 5;

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    visibilityTimeoutSeconds: 1,
    extraEnv: {
      KUOTA_STOCK_SHARDS: '4',
      KUOTA_NIK_INTAKE_PER_MINUTE: '1000',
      KUOTA_CLIENT_INTAKE_PER_MINUTE: '100000',
    },
  });
  await stockReseller(kuota, 0, STOCK);
});
afterAll(async () => {
  clearFaults();
  await kuota?.stop();
});

/** A deterministic quantity (1-3) per order. */
const quantityOf = (index: number) => 1 + ((index * 7) % 3);

/** Reports a capture as the gateway does: signed, retried until kuota answers 200. */
const reportCapture = async (event: Parameters<typeof sendGatewayEvent>[1], statuses: number[]) => {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const answer = await sendGatewayEvent(kuota, event);
    statuses.push(answer.status);
    if (answer.status === 200) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
  }
  throw new Error('the webhook was never accepted');
};

describe('throttling and transaction conflicts during a burst', () => {
  it('retries, answers no 5xx, and keeps stock, caps and the ledger exact', {
    // Thousands of calls to DynamoDB Local: on a loaded 2-core machine this can pass the default 60 s.
    timeout: 120_000,
  }, async () => {
    // Arrange
    const niks = Array.from({ length: BUYERS }, (_, index) => validNik(300 + index));
    const requests = niks.flatMap((nik, buyer) =>
      Array.from({ length: ORDERS_PER_BUYER }, (_, n) => ({
        nik,
        quantity: quantityOf(buyer * ORDERS_PER_BUYER + n),
      })),
    );
    const before = faultCounters();
    setFaultPlan({ throttleRate: 0.1, transactionConflictRate: 0.3, lostResponseRate: 0 });

    // Act: the burst of orders, then every reservation is paid (each capture reported twice).
    const intakeStatuses: number[] = [];
    const answers = await mapLimit(requests, 40, (request) =>
      placeOrderPatiently(kuota, 'R01', request.nik, request.quantity, intakeStatuses),
    );
    const settled = await waitUntilOrdersSettle(kuota);
    const webhookStatuses: number[] = [];
    const reservedOrders = settled.filter((order) => order.status === 'RESERVED');
    await mapLimit(reservedOrders, 10, async (order) => {
      // The stored payment keeps the gateway's id and QR; its amount is the order's (`compactPayment`).
      const payment = order.payment as { paymentId: string; amountIdr?: number };
      const event = {
        eventId: `EV_CAPTURE_${String(order.orderId)}`,
        paymentId: payment.paymentId,
        type: 'PAYMENT_CAPTURED' as const,
        amountIdr: payment.amountIdr ?? Number(order.amountIdr),
        occurredAt: new Date().toISOString(),
      };
      await Promise.all([reportCapture(event, webhookStatuses), reportCapture(event, webhookStatuses)]);
    });
    const injected = faultCounters();
    clearFaults();
    const sweep = await runSweeper(kuota);
    const orders = await storefrontOrderItems(kuota);
    const accepted = answers.filter((answer) => isAccepted(answer.status));
    const views = await mapLimit(accepted, 20, (answer) => readOrder(kuota, answer.body as PlacedOrder));
    const shards = await stockShards(kuota, 'R01');
    const serials = await serialsOfAllOrders(kuota);
    const counters = await Promise.all(niks.map((nik) => nikDayCount(kuota, nik)));
    const ledger = await ledgerReport(kuota);

    // Assert: faults were really injected and retried.
    expect(injected.throttled).toBeGreaterThan(before.throttled);
    expect(injected.conflicted).toBeGreaterThan(before.conflicted);
    expect(intakeStatuses.filter((status) => status >= 500)).toEqual([]);
    expect(intakeStatuses.filter((status) => !isAccepted(status) && status !== 429)).toEqual([]);
    expect(answers.filter((answer) => !isAccepted(answer.status)).map((answer) => answer.text)).toEqual([]);
    expect(webhookStatuses.filter((status) => status >= 500)).toEqual([]);
    expect(sweep.failed).toBe(0);

    // Every accepted order is visible, settled, and every paid one holds its stamps.
    expect(orders).toHaveLength(requests.length);
    expect(views.every((view) => view.status === 200)).toBe(true);
    const statuses = new Set(views.map((view) => String(view.body.status)));
    expect([...statuses].every((status) => ['FULFILLED', 'REJECTED'].includes(status))).toBe(true);
    const fulfilled = orders.filter((order) => order.status === 'FULFILLED');
    // The faults slowed the sale; they did not stop it (a run that rejected every order would prove nothing).
    expect(fulfilled.length).toBeGreaterThan(0);
    for (const order of fulfilled) {
      expect(order.stamps).toHaveLength(Number(order.quantity));
      expect(order.refunds).toEqual({});
    }
    const soldQuantity = fulfilled.reduce((sum, order) => sum + Number(order.quantity), 0);

    // No oversell: every shard non-negative, sold = fulfilled = distinct serials, at most the stock.
    for (const shard of shards) {
      expect(shard.onHand).toBeGreaterThanOrEqual(0);
      expect(shard.onHand + shard.reserved + shard.sold + shard.returned).toBe(shard.allocated);
    }
    expect(stockTotals(shards)).toMatchObject({ allocated: STOCK, reserved: 0, sold: soldQuantity });
    expect(soldQuantity).toBeLessThanOrEqual(STOCK);
    expect(serials).toHaveLength(soldQuantity);
    expect(new Set(serials).size).toBe(soldQuantity);

    // The cap holds for every NIK, and its counter matches what it holds.
    const nikOfOrder = new Map(answers.map((answer, at) => [answer.body.orderId, requests[at]?.nik]));
    for (const [index, nik] of niks.entries()) {
      const held = fulfilled
        .filter((order) => nikOfOrder.get(String(order.orderId)) === nik)
        .reduce((sum, order) => sum + Number(order.quantity), 0);
      expect(held).toBeLessThanOrEqual(CAP);
      expect(counters[index]).toBe(held);
    }
    expect(ledger.differences).toEqual([]);
  });
});
