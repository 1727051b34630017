import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { OperationsMetric } from '../../lib/infra/metrics.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { buyStock } from '../security/support.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { documents } from '../support/flows.js';

/**
 * The stack watches itself: the hourly ledger check and the refund sweeper publish the figures the
 * operations alarms read (LedgerDifferences, RefundsPastSla), as embedded-metric lines on stdout.
 */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud();
});
afterAll(async () => {
  await kuota?.stop();
});

/** The value of `metric` in the EMF lines a job printed while it ran. */
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
});
