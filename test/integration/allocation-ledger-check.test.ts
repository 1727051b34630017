import { spawnSync } from 'node:child_process';
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AllocationMessage, queues } from '../../lib/adapters/queues.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { allocateChunk } from '../../lib/usecases/allocation.js';
import { formatLedgerReport } from '../../lib/usecases/ledger-check.js';
import { allocationSettings } from '../../lib/usecases/settings.js';
import { useTestCloud } from '../support/cloud.js';
import {
  buyAndPay,
  createOrder,
  documents,
  expectLedgerBalanced,
  ledgerReport,
  paidOrderWithoutMessage,
  readOrder,
  resellerById,
  seededRandom,
  shuffled,
  waitUntilAllocated,
} from './allocation-support.js';

/** `npm run ledger:check`'s audit (lib/usecases/ledger-check.ts) on real data, healthy and corrupted. */
const kuota = useTestCloud({
  extraEnv: {
    KUOTA_STOCK_SHARDS: '3',
    KUOTA_ALLOCATION_CHUNK: '400',
    KUOTA_ISSUER_STAMPS_PER_MINUTE: '100000000',
  },
});
afterEach(() => {
  vi.restoreAllMocks();
});

const shardKey = (resellerId: string, shard: number) => MainKeys.stockShard(resellerId, shard);

const addToShard = (resellerId: string, shard: number, counter: string, amount: number) =>
  documents(kuota).send(
    new UpdateCommand({
      TableName: kuota.cloud.tables.main,
      Key: shardKey(resellerId, shard),
      UpdateExpression: 'ADD #counter :amount',
      ExpressionAttributeNames: { '#counter': counter },
      ExpressionAttributeValues: { ':amount': amount },
    }),
  );

const runCli = (env: Record<string, string>) =>
  spawnSync('node_modules/.bin/tsx', ['scripts/ledger-check.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('ledger check', () => {
  it('after a workload of paid, allocated and awaiting orders the stored data is balanced', async () => {
    // Arrange
    const paid = [
      { resellerId: 'R01', quantity: 1_000 },
      { resellerId: 'R01', quantity: 250 },
      { resellerId: 'R02', quantity: 2_001 },
    ];
    const ids = [];
    for (const [index, { resellerId, quantity }] of paid.entries())
      ids.push(await buyAndPay(kuota, resellerById(kuota, resellerId), quantity, `check-order-${index}`));
    await createOrder(kuota, resellerById(kuota, 'R03'), 777, 'check-awaiting');
    for (const [index, id] of ids.entries())
      await waitUntilAllocated(kuota, paid[index]?.resellerId ?? '', id);

    // Act
    const report = await ledgerReport(kuota);

    // Assert
    expect(report.differences).toEqual([]);
    expect(report.balanced).toBe(true);
    expect(report.nationallyMinted).toBe(3_251);
    expect(report.totalAllocated).toBe(3_251);
    const r01 = report.resellers.find((line) => line.resellerId === 'R01');
    expect(r01).toMatchObject({ minted: 1_250, ordersAllocated: 1_250, pipeline: 0, expectedPipeline: 0 });
    expect(r01?.shards).toEqual({ allocated: 1_250, onHand: 1_250, reserved: 0, sold: 0, returned: 0 });
    expect(r01?.ledger).toEqual({ MINTED: -1_250, ON_HAND: 1_250, SOLD: 0, RETURNED: 0 });
    expect(report.resellers.find((line) => line.resellerId === 'R03')).toMatchObject({
      minted: 0,
      pipeline: 777,
      expectedPipeline: 777,
    });
    expect(report.scanned.resellers).toBe(26);
    expect(report.scanned.quotaOrders).toBe(4);
    expect(formatLedgerReport(report)).toContain('ledger balanced');
  });

  it('a corrupted shard counter is reported as a difference, and the check passes again once repaired', async () => {
    // Arrange
    await addToShard('R02', 1, 'onHand', 5);

    // Act
    const corrupted = await ledgerReport(kuota);
    await addToShard('R02', 1, 'onHand', -5);
    const repaired = await ledgerReport(kuota);

    // Assert
    expect(corrupted.balanced).toBe(false);
    expect(corrupted.differences).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^R02: shards' allocated 2001 ≠ onHand \+ reserved \+ sold \+ returned 2006/),
        "R02: ledger ON_HAND 2001 ≠ shards' onHand + reserved 2006",
      ]),
    );
    expect(corrupted.differences.every((line) => line.startsWith('R02:'))).toBe(true);
    expect(formatLedgerReport(corrupted)).toMatch(/ledger NOT balanced: 2 difference/);
    expect(repaired.differences).toEqual([]);
  });

  it('a duplicated ledger entry, a negative counter and an inflated order are each reported', async () => {
    // Arrange
    const client = documents(kuota);
    const entries = await client.send(
      new ScanCommand({
        TableName: kuota.cloud.tables.main,
        FilterExpression: 'begins_with(pk, :pk)',
        ExpressionAttributeValues: { ':pk': 'LEDGER#R01#' },
        ConsistentRead: true,
      }),
    );
    const original = entries.Items?.[0] as Record<string, unknown>;
    const copy = { ...original, pk: String(original.pk), sk: `${String(original.sk)}-replayed` };
    await client.send(new PutCommand({ TableName: kuota.cloud.tables.main, Item: copy }));
    await addToShard('R01', 2, 'reserved', -3);
    await addToShard('R01', 2, 'onHand', 3);

    // Act
    const report = await ledgerReport(kuota);
    await client.send(
      new DeleteCommand({ TableName: kuota.cloud.tables.main, Key: { pk: copy.pk, sk: copy.sk } }),
    );
    await addToShard('R01', 2, 'reserved', 3);
    await addToShard('R01', 2, 'onHand', -3);
    const repaired = await ledgerReport(kuota);

    // Assert
    expect(report.balanced).toBe(false);
    expect(report.duplicateEntryIds).toEqual([original.entryId]);
    expect(report.negativeCounters).toEqual([
      { resellerId: 'R01', shard: 2, counter: 'reserved', value: -3 },
    ]);
    expect(report.differences).toEqual(
      expect.arrayContaining([
        `ledger entry id ${String(original.entryId)} appears 2 times`,
        'R01: shard 2 reserved is negative (-3)',
        expect.stringMatching(/^R01: Σ MINT entries \d+ ≠ shards' allocated 1250$/),
        expect.stringMatching(/^R01: order QO_\w+: MINT entries \d+ ≠ allocatedQuantity \d+$/),
        expect.stringMatching(/^nationally minted \d+ ≠ Σ allocated 3251$/),
      ]),
    );
    expect(repaired.differences).toEqual([]);
  });

  it('the npm script exits 0 when balanced, 1 on a difference, 2 when the stack cannot be reached', async () => {
    // Arrange
    const stack = {
      KUOTA_DYNAMODB_ENDPOINT: process.env.KUOTA_DYNAMODB_ENDPOINT ?? '',
      KUOTA_MAIN_TABLE: String(kuota.cloud.tables.main),
    };

    const report = await ledgerReport(kuota);

    // Act
    const balanced = runCli(stack);
    await addToShard('R02', 0, 'allocated', 1);
    const different = runCli(stack);
    await addToShard('R02', 0, 'allocated', -1);
    const unreachable = runCli({
      KUOTA_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
      KUOTA_MAIN_TABLE: 'nowhere',
    });

    // Assert
    expect(balanced.status, balanced.stderr).toBe(0);
    const r02 = report.resellers.find((line) => line.resellerId === 'R02')?.shards.allocated ?? 0;
    const shown = r02.toLocaleString('en-US');
    expect(balanced.stdout).toMatch(new RegExp(`^R02 +${shown} +${shown} +${shown} +${shown} `, 'm'));
    expect(balanced.stdout).toContain('ledger balanced');
    expect(different.status).toBe(1);
    expect(different.stdout).toContain(`R02: Σ MINT entries ${r02} ≠ shards' allocated ${r02 + 1}`);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toContain('cannot reach');
  });
});

describe('randomized allocation against the emulator', () => {
  let run = 0;

  it('property: random order sizes, duplicate and reordered deliveries → every order allocated once, ledger check passes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            reseller: fc.integer({ min: 11, max: 20 }),
            quantity: fc.integer({ min: 1, max: 2_500 }),
            copies: fc.integer({ min: 1, max: 4 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.integer(),
        async (orders, seed) => {
          // Arrange
          run += 1;
          const random = seededRandom(seed);
          const outbox: AllocationMessage[] = [];
          vi.spyOn(queues, 'requestAllocation').mockImplementation(async (message) => {
            outbox.push(message);
          });
          const messages = await Promise.all(
            orders.map((order, index) =>
              paidOrderWithoutMessage(
                kuota,
                resellerById(kuota, `R${order.reseller}`),
                order.quantity,
                `random-${run}-${index}`,
              ),
            ),
          );
          const copiesOf = new Map(
            messages.map((message, index) => [message.quotaOrderId, orders[index]?.copies ?? 1]),
          );

          // Act: deliver every message its order's number of times, concurrently, in a shuffled order.
          let pending = [...messages];
          for (let round = 0; pending.length > 0 && round < 100; round += 1) {
            const deliveries = shuffled(
              pending.flatMap((message) =>
                Array.from({ length: copiesOf.get(message.quotaOrderId) ?? 1 }, () => message),
              ),
              random,
            );
            await Promise.all(deliveries.map((message) => allocateChunk(message, allocationSettings())));
            pending = outbox.splice(0);
          }

          // Assert
          for (const [index, message] of messages.entries()) {
            const stored = await readOrder(kuota, message.resellerId, message.quotaOrderId);
            expect(stored?.status).toBe('ALLOCATED');
            expect(stored?.allocatedQuantity).toBe(orders[index]?.quantity);
          }
          await expectLedgerBalanced(kuota);
          vi.restoreAllMocks();
        },
      ),
      { numRuns: 4, seed: 42 },
    );
  });
});
