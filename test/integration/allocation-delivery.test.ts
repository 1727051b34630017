import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AllocationMessage, queues } from '../../lib/adapters/queues.js';
import { type AllocationOutcome, allocateChunk } from '../../lib/usecases/allocation.js';
import { allocationSettings } from '../../lib/usecases/settings.js';
import { useTestCloud } from '../support/cloud.js';
import {
  allocationFingerprint,
  expectLedgerBalanced,
  paidOrderWithoutMessage,
  resellerById,
  seededRandom,
  waitUntilAllocated,
} from './allocation-support.js';

/**
 * Exactly-once allocation under at-least-once delivery. The in-process tests replace the allocation queue
 * with an outbox the test controls, so each message is delivered exactly as often and in exactly the order
 * the test says; the last test does the same through the real queue (fauxqs) and its consumer.
 */
const QUANTITY = 1_100; // 4 full chunks of 250 and a last one of 100
const CHUNK = 250;
const CHUNKS = Math.ceil(QUANTITY / CHUNK);

const kuota = useTestCloud({
  extraEnv: {
    KUOTA_STOCK_SHARDS: '4',
    KUOTA_ALLOCATION_CHUNK: String(CHUNK),
    KUOTA_ISSUER_STAMPS_PER_MINUTE: '100000000',
  },
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Captures every allocation message kuota sends, instead of putting it on the queue. */
const captureOutbox = (): AllocationMessage[] => {
  const outbox: AllocationMessage[] = [];
  vi.spyOn(queues, 'requestAllocation').mockImplementation(async (message) => {
    outbox.push(message);
  });
  return outbox;
};

const deliver = (message: AllocationMessage) => allocateChunk(message, allocationSettings());

/** Delivers every message `copies` times at once (concurrent duplicates), round after round, then all again. */
const deliverEachTimes = async (first: AllocationMessage, copies: number) => {
  const outbox = captureOutbox();
  const outcomes: AllocationOutcome[] = [];
  const everySent: AllocationMessage[] = [first];
  let pending = [first];
  for (let round = 0; pending.length > 0 && round < 50; round += 1) {
    const results = await Promise.all(
      pending.flatMap((message) => Array.from({ length: copies }, () => deliver(message))),
    );
    outcomes.push(...results);
    pending = outbox.splice(0);
    everySent.push(...pending);
  }
  // Late duplicates: every message once more, long after it was handled.
  const late = await Promise.all(everySent.map(deliver));
  return { outcomes, late, outbox };
};

const count = (outcomes: AllocationOutcome[], wanted: AllocationOutcome) =>
  outcomes.filter((outcome) => outcome === wanted).length;

describe('allocation under duplicate and reordered delivery', () => {
  const fingerprints = new Map<string, Awaited<ReturnType<typeof allocationFingerprint>>>();

  it.each([
    { copies: 1, resellerId: 'R01' },
    { copies: 2, resellerId: 'R02' },
    { copies: 5, resellerId: 'R03' },
  ])(
    'each message delivered $copies× (concurrently, then once more late) allocates the order exactly once',
    async ({ copies, resellerId }) => {
      // Arrange
      const first = await paidOrderWithoutMessage(
        kuota,
        resellerById(kuota, resellerId),
        QUANTITY,
        `delivery-${copies}`,
      );

      // Act
      const { outcomes, late, outbox } = await deliverEachTimes(first, copies);

      // Assert
      expect(count(outcomes, 'ALLOCATED_CHUNK')).toBe(CHUNKS - 1);
      expect(count(outcomes, 'COMPLETED')).toBe(1);
      expect(count(outcomes, 'STALE')).toBe(CHUNKS * (copies - 1));
      expect(late.every((outcome) => outcome === 'NOTHING_TO_DO')).toBe(true);
      expect(outbox).toEqual([]);
      const fingerprint = await allocationFingerprint(kuota, resellerId, first.quotaOrderId);
      expect(fingerprint.status).toBe('ALLOCATED');
      expect(fingerprint.allocatedQuantity).toBe(QUANTITY);
      expect(fingerprint.ledger).toHaveLength(CHUNKS);
      expect(fingerprint.shards.reduce((sum, shard) => sum + shard.allocated, 0)).toBe(QUANTITY);
      fingerprints.set(`${copies}x`, fingerprint);
      await expectLedgerBalanced(kuota);
    },
  );

  it('messages delivered out of order, duplicated, and ahead of their time allocate exactly once', async () => {
    // Arrange
    const first = await paidOrderWithoutMessage(
      kuota,
      resellerById(kuota, 'R04'),
      QUANTITY,
      'delivery-reordered',
    );
    const outbox = captureOutbox();
    const random = seededRandom(20_240_906);
    // Messages from the future (the state they name is not reached yet) and the real first one.
    const bag: AllocationMessage[] = [
      { ...first, expectedAllocated: 2 * CHUNK },
      { ...first, expectedAllocated: 4 * CHUNK },
      first,
      { ...first, expectedAllocated: 3 * CHUNK },
    ];
    const outcomes: AllocationOutcome[] = [];

    // Act: pick a random message from the bag; it stays in the bag half the time (redelivered later).
    for (let step = 0; bag.length > 0 && step < 500; step += 1) {
      const index = Math.floor(random() * bag.length);
      const message = bag[index] as AllocationMessage;
      if (random() < 0.5) bag.splice(index, 1);
      outcomes.push(await deliver(message));
      for (const sent of outbox.splice(0)) bag.splice(Math.floor(random() * (bag.length + 1)), 0, sent);
    }

    // Assert
    expect(bag).toEqual([]);
    expect(count(outcomes, 'ALLOCATED_CHUNK') + count(outcomes, 'COMPLETED')).toBe(CHUNKS);
    expect(count(outcomes, 'STALE') + count(outcomes, 'NOTHING_TO_DO')).toBeGreaterThan(0);
    const fingerprint = await allocationFingerprint(kuota, 'R04', first.quotaOrderId);
    fingerprints.set('reordered', fingerprint);
    await expectLedgerBalanced(kuota);
  });

  it('through the real queue: 5 copies of each message sent at once, some reordered, end in the same state', async () => {
    // Arrange
    const first = await paidOrderWithoutMessage(kuota, resellerById(kuota, 'R05'), QUANTITY, 'delivery-sqs');
    const copies: AllocationMessage[] = [
      ...Array.from({ length: 5 }, () => first),
      // Later chunks' messages, sent too early: stale now, dropped by the consumer.
      ...Array.from({ length: CHUNKS - 1 }, (_, chunk) => ({
        ...first,
        expectedAllocated: (chunk + 1) * CHUNK,
      })),
    ].reverse();

    // Act
    for (let start = 0; start < copies.length; start += 10) {
      await kuota.cloud.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: kuota.cloud.queues.allocation.url,
          Entries: copies.slice(start, start + 10).map((message, index) => ({
            Id: String(index),
            MessageBody: JSON.stringify(message),
          })),
        }),
      );
    }
    await waitUntilAllocated(kuota, 'R05', first.quotaOrderId);

    // Assert
    fingerprints.set('sqs-5x', await allocationFingerprint(kuota, 'R05', first.quotaOrderId));
    await expectLedgerBalanced(kuota);
  });

  it('1×, 2×, 5×, reordered and real-queue deliveries leave identical stock, order and ledger', () => {
    // Arrange
    const baseline = fingerprints.get('1x');

    // Act
    const variants = ['2x', '5x', 'reordered', 'sqs-5x'].map(
      (name) => [name, fingerprints.get(name)] as const,
    );

    // Assert
    expect(baseline?.allocatedQuantity).toBe(QUANTITY);
    for (const [name, fingerprint] of variants) expect(fingerprint, name).toEqual(baseline);
  });
});
