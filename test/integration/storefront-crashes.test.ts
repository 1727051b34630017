import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  armCrash,
  clearFaults,
  crashPoint,
  disarmCrashes,
  faultCounters,
  setFaultPlan,
} from '../../lib/adapters/fault-injection.js';
import { queues } from '../../lib/adapters/queues.js';
import { storefrontStore } from '../../lib/adapters/storefront-store.js';
import { storefrontOrderIdFromKey } from '../../lib/domain/identifiers.js';
import { hashNik } from '../../lib/domain/nik.js';
import { jakartaDay, orderDraft } from '../../lib/domain/storefront-order.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  documents,
  ledgerReport,
  nikDayCount,
  type PlacedOrder,
  payAtGateway,
  placeOrder,
  placeQueuedOrder,
  queueBacklog,
  readOrder,
  reservedOrder,
  runSweeper,
  sendGatewayEvent,
  setGatewayFaults,
  soldStampsOf,
  stockReseller,
  stockShards,
  stockTotals,
  validNik,
  waitForStatus,
} from '../support/flows.js';

/**
 * A process dies between the steps of reserve -> pay -> fulfil (a crash point armed in the
 * handlers, which run in this process), or a write commits while its response is lost. Redelivery (SQS,
 * the gateway's webhook retries) and the sweeper finish the work exactly once: every paid order ends
 * FULFILLED (or its money REFUNDED), nothing is taken twice.
 */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({
    visibilityTimeoutSeconds: 1,
    // Order timers come due a second after an order is queued (the deployed setting is 60 s).
    // An order its intake never wrote is settled 2 s after intake began (the deployed setting is 30 s).
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_RECONCILE_AFTER_SECONDS: '1',
      KUOTA_ABANDONED_HOLD_AFTER_SECONDS: '2',
    },
  });
  await stockReseller(kuota, 0, 40);
});
afterEach(async () => {
  disarmCrashes();
  clearFaults();
  await setGatewayFaults(kuota, {});
});
afterAll(async () => {
  await kuota?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sandboxPaymentIdOf = async (orderId: string) => {
  const result = await documents(kuota).send(
    new GetCommand({
      TableName: kuota.cloud.tables.sandbox,
      Key: { pk: `PG_REFERENCE#${orderId}`, sk: 'REFERENCE' },
      ConsistentRead: true,
    }),
  );
  return result.Item?.paymentId as string | undefined;
};

/** Pays the order's QR and waits for the stamps; checks they were issued once. */
const payAndExpectStamps = async (placed: PlacedOrder, quantity: number) => {
  const reserved = await waitForStatus(kuota, placed, ['RESERVED']);
  const payment = reserved.payment as { paymentId: string };
  await payAtGateway(kuota, payment.paymentId);
  const fulfilled = await waitForStatus(kuota, placed, ['FULFILLED']);
  expect(fulfilled.stamps).toHaveLength(quantity);
  expect(await soldStampsOf(kuota, placed.orderId)).toHaveLength(quantity);
  return { payment, fulfilled };
};

/** A client that retries a failed POST with the same Idempotency-Key, as the storefront page does. */
const placeRetryingOnFailure = async (nik: string, quantity: number) => {
  const key = `crash-${nik}`;
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const answer = await placeOrder(kuota, 'R01', nik, quantity, key);
    statuses.push(answer.status);
    if (answer.status < 500) return { answer, statuses };
  }
  throw new Error(`intake kept failing: ${statuses.join(', ')}`);
};

describe('crashes between the steps', () => {
  it.each([
    ['intake', 'reservation:after-reserve'],
    ['intake', 'reservation:after-payment-created'],
    ['intake', 'reservation:after-hold'],
    ['queue', 'reservation:after-reserve'],
    ['queue', 'reservation:after-payment-created'],
    ['queue', 'reservation:after-hold'],
  ] as const)(
    'finishes a reservation whose %s crashed at %s, taking stock and cap once',
    async (path, point) => {
      // Arrange: at intake the client retries with its key; from the queue SQS redelivers the message.
      const nik = validNik(point.length + (path === 'queue' ? 100 : 0));
      const before = stockTotals(await stockShards(kuota, 'R01'));

      // Act
      let placed: Awaited<ReturnType<typeof placeOrder>>;
      if (path === 'intake') {
        armCrash(point, 1);
        const { answer, statuses } = await placeRetryingOnFailure(nik, 2);
        expect(statuses[0]).toBeGreaterThanOrEqual(500);
        expect(answer.status).toBe(201);
        placed = answer;
      } else {
        const held = vi.spyOn(queues, 'requestReservation').mockResolvedValueOnce();
        placed = await placeQueuedOrder(kuota, 'R01', nik, 2);
        held.mockRestore();
        armCrash(point, 1);
        await queues.requestReservation({ orderId: placed.body.orderId });
      }
      const { payment } = await payAndExpectStamps(placed.body, 2);
      const after = stockTotals(await stockShards(kuota, 'R01'));

      // Assert: the crash fired (the point is no longer armed) and the redelivery took nothing twice.
      expect(() => crashPoint(point)).not.toThrow();
      expect(await sandboxPaymentIdOf(placed.body.orderId)).toBe(payment.paymentId);
      expect(await nikDayCount(kuota, nik)).toBe(2);
      expect(after.sold - before.sold).toBe(2);
      expect(after.onHand - before.onHand).toBe(-2);
      expect(after.reserved).toBe(before.reserved);
    },
  );

  it("gives the buyer's count back for an order whose intake died after the hold and was never retried", async () => {
    // Arrange
    const nik = validNik(7_001);
    const key = 'abandoned-after-hold';
    const before = stockTotals(await stockShards(kuota, 'R01'));
    // Intake reserves at once only while no one waits in the queue (whose depth it reads every 2 s).
    await eventually(async () => ((await queueBacklog(kuota, 'storefrontOrders')) === 0 ? true : undefined));
    await sleep(2_100);
    armCrash('reservation:after-hold', 1);

    // Act: the intake dies between the buyer's hold and the order's first write; no one retries it.
    const crashed = await placeOrder(kuota, 'R01', nik, 2, key);
    const heldMeanwhile = await nikDayCount(kuota, nik);
    // Its timer: first due a second after intake began, then again once intake's time is surely up (2 s).
    await eventually(async () => {
      await runSweeper(kuota);
      return (await nikDayCount(kuota, nik)) === 0 ? true : undefined;
    });
    const replayed = await placeOrder(kuota, 'R01', nik, 2, key);
    const afterwards = await placeOrder(kuota, 'R01', nik, 5);
    const after = stockTotals(await stockShards(kuota, 'R01'));

    // Assert: held while the intake could still write the order, then given back, and the order recorded
    // as not completed (a replay of the key gets that answer, not a 409 or a second hold); the person's
    // whole cap is free again, and no stock was taken by the abandoned order.
    expect(crashed.status).toBeGreaterThanOrEqual(500);
    expect(heldMeanwhile).toBe(2);
    expect(replayed.status, replayed.text).toBe(201);
    expect(replayed.body).toMatchObject({ status: 'REJECTED', reason: 'NOT_COMPLETED' });
    expect(afterwards.status, afterwards.text).toBe(201);
    expect(afterwards.body).toMatchObject({ status: 'RESERVED' });
    expect(await nikDayCount(kuota, nik)).toBe(5);
    expect(after.onHand - before.onHand).toBe(-5);
    expect(after.reserved - before.reserved).toBe(5);
  });

  it("gives the count back for a rejected order whose release failed, from the order's first timer", async () => {
    // Arrange: the state an intake leaves when its release fails after a rejection: the order written
    // REJECTED, its count still held, and its first timer (as intake arms it) on the queue.
    const nik = validNik(7_002);
    const now = new Date();
    const day = jakartaDay(now);
    const order = orderDraft({
      orderId: storefrontOrderIdFromKey('R01', 'release-failed'),
      resellerId: 'R01',
      nikHash: hashNik(kuota.secrets.nikHmacKey, nik),
      quantity: 3,
      requestHash: 'release-failed-request',
      createdAt: now.toISOString(),
    });
    const hold = await storefrontStore.holdForOrder(order, {
      day,
      cap: 5,
      at: now.toISOString(),
      expiresAt: new Date(now.getTime() + 60_000).toISOString(),
      onePerPerson: false,
    });
    await storefrontStore.createRejectedOrder(order, 'SOLD_OUT', now.toISOString());
    const { orderId } = order;
    const unwritten = {
      resellerId: order.resellerId,
      nikHash: order.nikHash,
      quantity: order.quantity,
      requestHash: order.requestHash,
      createdAt: order.createdAt,
      day,
    };
    await queues.armOrderTimer({ orderId, dueAt: now.toISOString(), hop: 0, unwritten });
    const heldBefore = await nikDayCount(kuota, nik);

    // Act
    await runSweeper(kuota);
    const afterTimer = await nikDayCount(kuota, nik);
    await queues.armOrderTimer({ orderId, dueAt: now.toISOString(), hop: 0, unwritten });
    await runSweeper(kuota);

    // Assert: given back once, and a duplicate of the timer gives nothing back twice.
    expect(hold).toEqual({ outcome: 'HELD' });
    expect(heldBefore).toBe(3);
    expect(afterTimer).toBe(0);
    expect(await nikDayCount(kuota, nik)).toBe(0);
    expect((await storefrontStore.getOrder(orderId))?.status).toBe('REJECTED');
  });

  it('confirms a refund whose webhook handler crashed right after recording it (payment:after-refund-recorded)', async () => {
    // Arrange: a fulfilled order, then the buyer pays a second time.
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(3), 1);
    await payAtGateway(kuota, payment.paymentId);
    await waitForStatus(kuota, placed, ['FULFILLED']);
    armCrash('payment:after-refund-recorded', 1);

    // Act: the capture webhook crashes once (500), is redelivered; the sweeper asks for the refund.
    const second = await payAtGateway(kuota, payment.paymentId);
    const recorded = await eventually(async () => {
      const order = await readOrder(kuota, placed);
      return order.body.refund ? order.body : undefined;
    });
    await runSweeper(kuota);
    const refunded = await eventually(async () => {
      const order = await readOrder(kuota, placed);
      const refund = order.body.refund as { status: string } | undefined;
      if (refund?.status === 'COMPLETED') return order.body;
      await runSweeper(kuota);
      return undefined;
    });

    // Assert
    expect(() => crashPoint('payment:after-refund-recorded')).not.toThrow();
    expect(recorded).toMatchObject({ status: 'FULFILLED', refund: { amountIdr: second.amountIdr } });
    expect(refunded).toMatchObject({
      status: 'FULFILLED',
      refund: { amountIdr: second.amountIdr, status: 'COMPLETED' },
    });
    expect(await soldStampsOf(kuota, placed.orderId)).toHaveLength(1);
  });

  it('refunds a late payment whose webhook handler crashed after recording the refund', async () => {
    // Arrange: a reservation the sweeper would expire; the clock is moved by paying with a late timestamp.
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(4), 1);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, payment.paymentId);
    armCrash('payment:after-refund-recorded', 1);
    const late = {
      eventId: capture.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED' as const,
      amountIdr: capture.amountIdr,
      occurredAt: new Date(Date.parse(payment.expiresAt) + 1_000).toISOString(),
    };

    // Act: the first delivery dies after recording; the gateway retries; the sweeper requests the refund.
    const crashed = await sendGatewayEvent(kuota, late);
    const retried = await sendGatewayEvent(kuota, late);
    const pending = await readOrder(kuota, placed);
    await runSweeper(kuota);
    const refunded = await eventually(async () => {
      const order = await readOrder(kuota, placed);
      if (order.body.status === 'REFUNDED') return order.body;
      await runSweeper(kuota);
      return undefined;
    });

    // Assert
    expect(crashed.status).toBe(500);
    expect(retried.body).toMatchObject({ outcome: 'ALREADY_PROCESSED' });
    expect(pending.body).toMatchObject({ status: 'REFUND_PENDING', refund: { status: 'PENDING' } });
    expect(refunded).toMatchObject({ refund: { amountIdr: payment.amountIdr, status: 'COMPLETED' } });
    expect(await nikDayCount(kuota, validNik(4))).toBe(0);
  });
});

describe('lost responses', () => {
  it('fulfils once when the fulfilment write commits but its response is lost', async () => {
    // Arrange
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(5), 2);
    await setGatewayFaults(kuota, { dropRate: 1 });
    const capture = await payAtGateway(kuota, payment.paymentId);
    const lostBefore = faultCounters().responsesLost;
    setFaultPlan({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 1,
      // A sale from one shard is one write of its order (the sale fold moves its stock later).
      commands: ['UpdateItemCommand'],
    });

    // Act
    const answer = await sendGatewayEvent(kuota, {
      eventId: capture.eventId,
      paymentId: payment.paymentId,
      type: 'PAYMENT_CAPTURED',
      amountIdr: capture.amountIdr,
      occurredAt: capture.occurredAt,
    });
    clearFaults();
    const order = await readOrder(kuota, placed);

    // Assert: kuota found its own committed write and did not apply the capture twice.
    expect(faultCounters().responsesLost).toBeGreaterThan(lostBefore);
    expect(answer.status).toBe(200);
    expect(order.body.status).toBe('FULFILLED');
    expect(order.body.refund).toBeUndefined();
    expect(await soldStampsOf(kuota, placed.orderId)).toHaveLength(2);
  });

  it('reserves once and attaches one payment when every reservation write loses its response', async () => {
    // Arrange
    const nik = validNik(6);
    const before = stockTotals(await stockShards(kuota, 'R01'));
    setFaultPlan({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 1,
      commands: ['TransactWriteItemsCommand'],
    });

    // Act
    const placed = await placeOrder(kuota, 'R01', nik, 3);
    const reserved = await waitForStatus(kuota, placed.body, ['RESERVED']);
    clearFaults();
    const { fulfilled } = await payAndExpectStamps(placed.body, 3);
    const after = stockTotals(await stockShards(kuota, 'R01'));

    // Assert
    expect(reserved.payment).toMatchObject({ amountIdr: 3 * 12_500 });
    expect(fulfilled.refund).toBeUndefined();
    expect(await nikDayCount(kuota, nik)).toBe(3);
    expect(after.sold - before.sold).toBe(3);
    expect(after.onHand - before.onHand).toBe(-3);
    expect((await ledgerReport(kuota)).differences).toEqual([]);
  });
});

describe('a lost queue message', () => {
  it('re-enqueues an accepted order the queue never got, so its 202 still ends in a reservation', async () => {
    // Arrange: intake queues the order (the reservation path is saturated) and the queue refuses its
    // message (emulator restart, outage); intake still answers 202.
    const enqueue = vi
      .spyOn(queues, 'requestReservation')
      .mockRejectedValueOnce(new Error('queue unavailable'));
    const placed = await placeQueuedOrder(kuota, 'R01', validNik(7), 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stranded = await readOrder(kuota, placed.body);
    const enqueueAttempts = enqueue.mock.calls.length;
    enqueue.mockRestore();

    // Act: the order's timer comes due and re-sends it.
    const tally = await runSweeper(kuota);
    const reserved = await waitForStatus(kuota, placed.body, ['RESERVED']);

    // Assert
    expect(placed.status).toBe(202);
    expect(enqueueAttempts).toBe(1);
    expect(stranded.body.status).toBe('QUEUED');
    expect(tally.requeued).toBeGreaterThanOrEqual(1);
    expect(reserved.payment).toMatchObject({ amountIdr: 12_500 });
  });
});
