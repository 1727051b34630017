import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../../lib/config.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { runSweeper, stockReseller, validNik, waitForStatus } from '../support/flows.js';
import {
  type Alert,
  alertsOfKind,
  deliverGatewayEvent,
  eventually,
  listAlerts,
  pause,
  payQris,
  reserve,
  setGatewayFaults,
  vendorRows,
  waitUntilPast,
} from './oversight-support.js';

/**
 * Alerts computed from the system's state: stock idle at one vendor while another is sold out,
 * refunds not confirmed within their SLA, messages in a dead-letter queue. The thresholds are tiny here
 * (idle after 0.00001 days = 0.86 s, refund SLA 1 s) so the scenarios run in seconds.
 */
const TINY_IDLE_DAYS = '0.00001';

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '4',
      KUOTA_IDLE_STOCK_DAYS: TINY_IDLE_DAYS,
      KUOTA_REFUND_SLA_SECONDS: '1',
      KUOTA_RESERVATION_TTL_SECONDS: '2',
    },
  });
  await Promise.all([stockReseller(kuota, 0, 60), stockReseller(kuota, 1, 2), stockReseller(kuota, 2, 5)]);
}, 60_000);
afterAll(async () => {
  await kuota?.stop();
});

/** The handlers run in this process: the test changes a threshold the way a redeploy would. */
const setIdleStockDays = (days: string) => {
  process.env.KUOTA_IDLE_STOCK_DAYS = days;
  resetConfigForTests();
};

const dlqDepth = async (url: string) => {
  const attributes = await kuota.cloud.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0);
};

describe('alerts computed from the state of the system', () => {
  it('a quiet system with stock, no sales, nobody sold out and empty DLQs has no alerts', async () => {
    // Arrange: R01..R03 hold stock for longer than the idle threshold, but no vendor is sold out. A message
    // no consumer can parse is put on the allocation queue: with a 2 s visibility timeout and
    // maxReceiveCount 8 it fails schema parsing for at least 14 s before it is moved to the DLQ (the last
    // test waits for that); while it is still being retried it is no dead letter.
    await kuota.cloud.sqs.send(
      new SendMessageCommand({
        QueueUrl: kuota.cloud.queues.allocation.url,
        MessageBody: JSON.stringify({ quotaOrderId: 42, note: 'not an allocation message' }),
      }),
    );
    await pause(1_000);

    // Act
    const { alerts } = await listAlerts(kuota);
    const depths = await Promise.all(
      Object.values(kuota.cloud.queues).map((queue) => dlqDepth(queue.deadLetterUrl)),
    );

    // Assert
    expect(alerts).toEqual([]);
    expect(depths).toEqual(depths.map(() => 0));
  });

  it('IDLE_STOCK: stock idle past the threshold while another vendor is sold out', async () => {
    // Arrange: R02 sells its 2 stamps.
    const sellOut = await reserve(kuota, 'R02', validNik(201), 2);
    await payQris(kuota, sellOut.paymentId);
    await waitForStatus(kuota, sellOut.placed, ['FULFILLED']);

    // Act: with a threshold of one day the fresh stock is not idle yet; with the tiny one it is.
    setIdleStockDays('1');
    const withOneDay = await alertsOfKind(kuota, 'IDLE_STOCK');
    setIdleStockDays(TINY_IDLE_DAYS);
    const withTinyThreshold = await alertsOfKind(kuota, 'IDLE_STOCK');
    const vendors = await vendorRows(kuota);

    // Assert
    expect(withOneDay).toEqual([]);
    expect(withTinyThreshold.map((alert) => alert.resellerId).sort()).toEqual(['R01', 'R03']);
    const r01 = withTinyThreshold.find((alert) => alert.resellerId === 'R01') as Alert;
    expect(Number.isNaN(Date.parse(r01.at))).toBe(false);
    expect(r01.evidence).toMatchObject({ onHand: 60, lastSaleAt: null, soldOutVendors: ['R02'] });
    expect(vendors.find((vendor) => vendor.resellerId === 'R01')?.flags).toContain('IDLE_STOCK');
    expect(vendors.find((vendor) => vendor.resellerId === 'R02')?.flags).toEqual(['SOLD_OUT']);
  });

  it('REFUND_PAST_SLA: a late payment whose refund confirmation was dropped', async () => {
    // Arrange: a reservation lapses; the gateway's webhooks are dropped from now on.
    const lapsed = await reserve(kuota, 'R03', validNik(202), 1);
    await setGatewayFaults(kuota, { dropRate: 1 });
    await waitUntilPast(lapsed.reservedUntil, 200);

    // Act: the buyer pays late; the capture reaches kuota (delivered here by hand), the refund's
    // REFUND_COMPLETED webhook does not.
    const capture = await payQris(kuota, lapsed.paymentId);
    const delivered = await deliverGatewayEvent(kuota, {
      eventId: capture.eventId,
      paymentId: lapsed.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: capture.amountIdr,
      occurredAt: capture.occurredAt,
    });
    const order = await waitForStatus(kuota, lapsed.placed, ['REFUND_PENDING']);
    const alerts = await eventually(async () => {
      const found = await alertsOfKind(kuota, 'REFUND_PAST_SLA');
      return found.length > 0 ? found : undefined;
    });

    // Assert
    expect(delivered.status, delivered.text).toBe(200);
    expect(order.refund).toEqual({ amountIdr: 12_500, status: 'PENDING' });
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Alert];
    expect(Number.isNaN(Date.parse(alert.at))).toBe(false);
    expect(alert).toMatchObject({ resellerId: 'R03', evidence: { amountIdr: 12_500, slaSeconds: 1 } });
  });

  it('REFUND_PAST_SLA is gone once the refund is confirmed', async () => {
    // Arrange
    await setGatewayFaults(kuota, { dropRate: 0 });

    // Act: the sweeper asks the gateway about the unconfirmed refund and learns it completed.
    const tally = await runSweeper(kuota);
    const alerts = await alertsOfKind(kuota, 'REFUND_PAST_SLA');
    const r03 = (await vendorRows(kuota)).find((vendor) => vendor.resellerId === 'R03');

    // Assert
    expect(tally.refundsConfirmed).toBe(1);
    expect(alerts).toEqual([]);
    expect(r03).toMatchObject({ refundedCount: 1, refundedIdr: 12_500, onHand: 5, reserved: 0, sold: 0 });
  });

  it('DEAD_LETTERS: the malformed message ends in the DLQ after its redeliveries', async () => {
    // Arrange: the malformed message sent in the first test.

    // Act
    const alerts = await eventually(
      async () => {
        const found = await alertsOfKind(kuota, 'DEAD_LETTERS');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    // Assert
    expect(alerts).toHaveLength(1);
    const [alert] = alerts as [Alert];
    expect(Number.isNaN(Date.parse(alert.at))).toBe(false);
    expect(alert.evidence).toEqual({ queue: 'allocation', messages: 1 });
    expect(await dlqDepth(kuota.cloud.queues.storefrontOrders.deadLetterUrl)).toBe(0);
  });
});
