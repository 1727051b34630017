import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundFunctions } from '../../lib/infra/functions.js';
import { type QueueKey, Queues } from '../../lib/infra/resources.js';
import { type LocalRuntime, startLocalRuntime } from '../../lib/runtime/local-runtime.js';
import { heldConsumerTally } from '../fixtures/held-consumer.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';

/**
 * The local runtime's SQS event source adds pollers while its queue holds full batches, as Lambda's does
 * (it used to poll with a fixed two, so a long queue drained two batches at a time). The test cloud does
 * not poll its storefront-timers queue (manual), so a second runtime mounts the fixture consumer on it.
 */
let kuota: TestCloud;
let runtime: LocalRuntime;
const BATCHES = 12;
const STARTING_POLLERS = 2;
beforeAll(async () => {
  kuota = await startTestCloud();
  const timers = backgroundFunctions.find((spec) => spec.id === 'storefrontTimers');
  if (!timers) throw new Error('no storefrontTimers consumer');
  runtime = await startLocalRuntime({
    port: 0,
    includeSandbox: false,
    runSchedules: false,
    routes: [],
    background: [{ ...timers, id: 'heldConsumer', entry: 'test/fixtures/held-consumer.ts' }],
    sqs: kuota.cloud.sqs,
    queueUrls: Object.fromEntries(
      Object.entries(kuota.cloud.queues).map(([key, queue]) => [key, queue.url]),
    ) as Record<QueueKey, string>,
    pollers: { concurrency: STARTING_POLLERS, waitTimeSeconds: 1 },
  });
});
afterAll(async () => {
  await runtime?.stop();
  await kuota?.stop();
});

describe('the local SQS event source', () => {
  it('runs more batches at once than it started with while its queue holds full batches', async () => {
    // Arrange
    const batchSize = Queues.storefrontTimers.batchSize;
    const total = BATCHES * batchSize;

    // Act: a queue of twelve full batches.
    for (let sent = 0; sent < total; sent += 10) {
      await kuota.cloud.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: kuota.cloud.queues.storefrontTimers.url,
          Entries: Array.from({ length: 10 }, (_, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify({ n: sent + index }),
          })),
        }),
      );
    }
    await eventually(async () => (heldConsumerTally().messages >= total ? true : undefined), {
      timeoutMs: 30_000,
    });

    // Assert
    expect(heldConsumerTally().messages).toBe(total);
    expect(heldConsumerTally().mostInFlight).toBeGreaterThan(STARTING_POLLERS);
    expect(heldConsumerTally().mostInFlight).toBeLessThanOrEqual(Queues.storefrontTimers.maxConcurrency);
  });
});
