import { afterEach, describe, expect, it } from 'vitest';
import {
  armCrash,
  clearFaults,
  disarmCrashes,
  faultCounters,
  setFaultPlan,
} from '../../lib/adapters/fault-injection.js';
import { queues } from '../../lib/adapters/queues.js';
import { resumeStalledAllocations } from '../../lib/usecases/allocation.js';
import { eventually, useTestCloud } from '../support/cloud.js';
import {
  expectLedgerBalanced,
  paidOrderWithoutMessage,
  readLedger,
  readOrder,
  readShards,
  resellerById,
  seededRandom,
  waitUntilAllocated,
} from './allocation-support.js';

/**
 * Allocation through the real queue and consumer while the process "dies" between steps (crash points)
 * and while DynamoDB throttles, cancels transactions on conflict and loses responses of committed writes
 * (SDK middleware: DynamoDB Local never does any of that). A failed message comes back after the queue's
 * visibility timeout (2 s here), up to maxReceiveCount (8) times.
 */
const CHUNK = 300;
const QUANTITY = 900; // three chunks

const kuota = useTestCloud({
  extraEnv: {
    KUOTA_STOCK_SHARDS: '4',
    KUOTA_ALLOCATION_CHUNK: String(CHUNK),
    KUOTA_ISSUER_STAMPS_PER_MINUTE: '100000000',
  },
});
afterEach(() => {
  disarmCrashes();
  clearFaults();
});

/** Exactly once: the order, the shards and the ledger all say QUANTITY, once each chunk. */
const expectAllocatedExactlyOnce = async (resellerId: string, orderId: string, quantity = QUANTITY) => {
  const order = await readOrder(kuota, resellerId, orderId);
  const ledger = (await readLedger(kuota, resellerId)).filter((entry) => entry.reference === orderId);
  const shards = await readShards(kuota, resellerId);
  expect(order?.status).toBe('ALLOCATED');
  expect(order?.allocatedQuantity).toBe(quantity);
  expect(ledger.reduce((sum, entry) => sum + entry.quantity, 0)).toBe(quantity);
  expect(new Set(ledger.map((entry) => entry.entryId)).size).toBe(ledger.length);
  expect(shards.reduce((sum, shard) => sum + shard.allocated, 0)).toBe(quantity);
  expect(shards.reduce((sum, shard) => sum + shard.onHand, 0)).toBe(quantity);
};

describe('allocation survives a crash between any two steps', () => {
  it.each([
    { point: 'allocation:after-read', resellerId: 'R01', needsSweeper: false },
    { point: 'allocation:after-capacity', resellerId: 'R02', needsSweeper: false },
    { point: 'allocation:after-commit', resellerId: 'R03', needsSweeper: true },
    { point: 'allocation:after-enqueue', resellerId: 'R04', needsSweeper: false },
  ])(
    'crash at $point → redelivered (sweeper needed: $needsSweeper), allocated exactly once, ledger balanced',
    async ({ point, resellerId, needsSweeper }) => {
      // Arrange
      const message = await paidOrderWithoutMessage(
        kuota,
        resellerById(kuota, resellerId),
        QUANTITY,
        `crash-${point}`,
      );
      armCrash(point, 1);

      const invocations = () => kuota.cloud.runtime.invocations.get('allocation') ?? 0;
      const invokedBefore = invocations();

      // Act
      await queues.requestAllocation(message);
      if (needsSweeper) {
        // The chunk committed but its follow-up message was never sent; once the crashed message comes back
        // (after the visibility timeout) it is stale, and the order stalls until the sweeper resumes it.
        await eventually(async () => (invocations() >= invokedBefore + 2 ? true : undefined));
        const stalled = await readOrder(kuota, resellerId, message.quotaOrderId);
        expect(stalled?.allocatedQuantity).toBe(CHUNK);
        expect(stalled?.status).toBe('PAID');
        const { resumed } = await resumeStalledAllocations(0, () => new Date());
        expect(resumed).toBeGreaterThanOrEqual(1);
      }
      await waitUntilAllocated(kuota, resellerId, message.quotaOrderId);

      // Assert
      await expectAllocatedExactlyOnce(resellerId, message.quotaOrderId);
      await expectLedgerBalanced(kuota);
    },
  );
});

describe('allocation under DynamoDB faults', () => {
  it.each([
    {
      name: 'TransactionConflict on 40% of transactions',
      resellerId: 'R05',
      plan: { throttleRate: 0, transactionConflictRate: 0.4, lostResponseRate: 0 },
      counter: 'conflicted' as const,
    },
    {
      name: 'throttling of 30% of requests',
      resellerId: 'R06',
      plan: { throttleRate: 0.3, transactionConflictRate: 0, lostResponseRate: 0 },
      counter: 'throttled' as const,
    },
    {
      name: 'lost responses of 50% of committed writes',
      resellerId: 'R07',
      plan: { throttleRate: 0, transactionConflictRate: 0, lostResponseRate: 0.5 },
      counter: 'responsesLost' as const,
    },
  ])('$name → retried, nothing double-applied', async ({ resellerId, plan, counter }) => {
    // Arrange
    const message = await paidOrderWithoutMessage(
      kuota,
      resellerById(kuota, resellerId),
      QUANTITY,
      `fault-${counter}`,
    );
    const before = faultCounters()[counter];
    setFaultPlan(plan, seededRandom(7));

    // Act
    await queues.requestAllocation(message);
    await waitUntilAllocated(kuota, resellerId, message.quotaOrderId, 40_000);
    clearFaults();

    // Assert
    expect(faultCounters()[counter]).toBeGreaterThan(before);
    await expectAllocatedExactlyOnce(resellerId, message.quotaOrderId);
    await expectLedgerBalanced(kuota);
  });

  it('every chunk commit loses its response → each is recognised as its own write, allocation continues', async () => {
    // Arrange: the commit reaches the table, the caller sees a network error, the SDK retries and the
    // retry fails its conditions, because the first attempt already applied the chunk.
    const message = await paidOrderWithoutMessage(
      kuota,
      resellerById(kuota, 'R12'),
      QUANTITY,
      'fault-lost-commit',
    );
    const before = faultCounters().responsesLost;
    setFaultPlan({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 1,
      commands: ['TransactWriteItemsCommand'],
    });

    // Act
    await queues.requestAllocation(message);
    await waitUntilAllocated(kuota, 'R12', message.quotaOrderId);
    clearFaults();

    // Assert
    expect(faultCounters().responsesLost - before).toBeGreaterThanOrEqual(QUANTITY / CHUNK);
    await expectAllocatedExactlyOnce('R12', message.quotaOrderId);
    await expectLedgerBalanced(kuota);
  });

  it('all faults at once on several orders in parallel → each allocated exactly once, ledger balanced', async () => {
    // Arrange
    const orders = await Promise.all(
      ['R08', 'R09', 'R10', 'R11'].map((resellerId, index) =>
        paidOrderWithoutMessage(
          kuota,
          resellerById(kuota, resellerId),
          QUANTITY + index * 100,
          `fault-all-${index}`,
        ),
      ),
    );
    const before = faultCounters();
    setFaultPlan(
      { throttleRate: 0.15, transactionConflictRate: 0.25, lostResponseRate: 0.25 },
      seededRandom(11),
    );

    // Act
    for (const message of orders) await queues.requestAllocation(message);
    for (const message of orders)
      await waitUntilAllocated(kuota, message.resellerId, message.quotaOrderId, 40_000);
    clearFaults();

    // Assert
    const after = faultCounters();
    expect(after.throttled).toBeGreaterThan(before.throttled);
    expect(after.conflicted).toBeGreaterThan(before.conflicted);
    expect(after.responsesLost).toBeGreaterThan(before.responsesLost);
    for (const [index, message] of orders.entries())
      await expectAllocatedExactlyOnce(message.resellerId, message.quotaOrderId, QUANTITY + index * 100);
    await expectLedgerBalanced(kuota);
  });
});
