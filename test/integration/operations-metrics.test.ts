import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { OperationsMetric, SaleMetric } from '../../lib/infra/metrics.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { buyStock } from '../security/support.js';
import { useTestCloud } from '../support/cloud.js';
import {
  documents,
  payAtGateway,
  placeOrder,
  stockReseller,
  uniqueKey,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * The stack watches itself: the hourly ledger check and the refund sweeper publish the figures the
 * operations alarms read (LedgerDifferences, RefundsPastSla), as embedded-metric lines on stdout.
 */
// These tests read the EMF lines, which the test configuration otherwise turns off.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

const kuota = useTestCloud();

/** Every value of `metric` in the EMF lines printed while `run` ran (one per line that carries it). */
const publishedDuring = async (metric: string, run: () => Promise<unknown>) => {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  let result: unknown;
  try {
    result = await run();
  } finally {
    spy.mockRestore();
  }
  const values = lines
    .flatMap((line) => line.split('\n'))
    .filter((line) => line.includes('"_aws"') && line.includes(`"${metric}"`))
    .map((line) => (JSON.parse(line) as Record<string, unknown>)[metric]);
  return { result, values };
};

describe('operations metrics', () => {
  it('the scheduled ledger check publishes 0 differences when balanced and the count once a shard is off', {
    timeout: 90_000,
  }, async () => {
    // Arrange: R03 holds stock, bought and allocated through the API.
    const reseller = kuota.credentials.resellers[2];
    if (!reseller) throw new Error('no R03');
    await buyStock(kuota, reseller.apiKey, 40);

    // Act
    const balanced = await publishedDuring(OperationsMetric.ledgerDifferences, () =>
      kuota.cloud.runtime.runJob('ledgerCheck'),
    );
    await documents(kuota).send(
      new UpdateCommand({
        TableName: kuota.cloud.tables.main,
        Key: MainKeys.stockShard('R03', 0),
        UpdateExpression: 'ADD onHand :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    const broken = await publishedDuring(OperationsMetric.ledgerDifferences, () =>
      kuota.cloud.runtime.runJob('ledgerCheck'),
    );

    // Assert
    expect(balanced.result).toMatchObject({ balanced: true, differences: 0 });
    expect(balanced.values).toEqual([0]);
    expect(broken.result).toMatchObject({ balanced: false });
    expect(broken.values).toHaveLength(1);
    expect(Number(broken.values[0])).toBeGreaterThan(0);
  });

  it('the refund sweeper publishes RefundsPastSla every run, 0 when no refund is late', async () => {
    // Act
    const sweep = await publishedDuring(OperationsMetric.refundsPastSla, () =>
      kuota.cloud.runtime.runJob('storefrontSweeper'),
    );

    // Assert
    expect(sweep.result).toMatchObject({ refundsPastSla: 0 });
    expect(sweep.values).toEqual([0]);
  });

  it('the sale path publishes each business figure once per committed transition, none for a replay', {
    timeout: 90_000,
  }, async () => {
    // Arrange: R05 has stock; one buyer, one Idempotency-Key.
    await stockReseller(kuota, 4, 10);
    const nik = validNik(51_001);
    const key = uniqueKey('metrics');

    // Act: the order, its replay, its payment.
    const sum = async (metric: string, run: () => Promise<unknown>) => {
      const { result, values } = await publishedDuring(metric, run);
      return { result, total: values.reduce<number>((a, b) => a + Number(b), 0) };
    };
    const placed = await publishedDuring(SaleMetric.accepted, () => placeOrder(kuota, 'R05', nik, 2, key));
    const replayed = await publishedDuring(SaleMetric.accepted, () => placeOrder(kuota, 'R05', nik, 2, key));
    const order = placed.result as Awaited<ReturnType<typeof placeOrder>>;
    const paymentId = String((order.body as unknown as { payment: { paymentId: string } }).payment.paymentId);
    const sold = await sum(SaleMetric.stampsSold, async () => {
      await payAtGateway(kuota, paymentId);
      await waitForStatus(kuota, order.body, ['FULFILLED']);
    });

    // Assert
    expect(order.status).toBe(201);
    expect(placed.values).toEqual([1]);
    expect(replayed.values).toEqual([]);
    expect(sold.total).toBe(2);
  });
});
