import { createHash } from 'node:crypto';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armCrash, clearFaults, disarmCrashes, setFaultPlan } from '../../lib/adapters/fault-injection.js';
import { WebhookDeliveryPage, WebhookDeliveryView, WebhookEndpointView } from '../../lib/api/schemas.js';
import { resellerEventId } from '../../lib/domain/reseller-webhooks.js';
import { sweepWebhookOutbox } from '../../lib/usecases/reseller-webhooks.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  payAtGateway,
  reservedOrder,
  stockReseller,
  uniqueKey,
  validNik,
  waitForStatus,
} from '../support/flows.js';
import { samplePdf, stampDocument } from '../support/stamping.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

/**
 * Signed webhooks to resellers' systems. Events are recorded with the state change they report
 * and delivered at least once from an SQS-backed outbox: a receiver that fails 3 times gets the event on the
 * 4th attempt, duplicates are harmless to a receiver that dedupes on the event id, and a receiver down for
 * the whole run ends in the DLQ with the delivery log saying so. Retries here are 1 s, doubling, for 12 s
 * (24 h on AWS).
 */
let kuota: TestCloud;
const receivers: WebhookReceiver[] = [];
const keyOf = (resellerId: string) =>
  kuota.credentials.resellers.find((reseller) => reseller.id === resellerId)?.apiKey ?? '';

beforeAll(async () => {
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_STOCK_SHARDS: '2',
      KUOTA_RESELLER_WEBHOOK_RETRY_BASE_SECONDS: '1',
      KUOTA_RESELLER_WEBHOOK_RETRY_WINDOW_SECONDS: '12',
    },
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await kuota?.stop();
});

const receiver = async () => {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
};

const register = async (
  resellerId: string,
  body: { url: string; events: string[]; rotateSecret?: boolean; lowStockDaysOfCover?: number },
) => {
  const answer = await kuota.api.put('/v1/wholesale/webhook-endpoints', { apiKey: keyOf(resellerId), body });
  expect(answer.status, answer.text).toBe(200);
  return WebhookEndpointView.parse(answer.body);
};

const sellAtCounter = async (resellerId: string, nik: string, quantity = 1) => {
  const sale = await kuota.api.post<{ orderId: string; stamps: { serial: string }[] }>(
    '/v1/wholesale/sales',
    {
      apiKey: keyOf(resellerId),
      headers: { 'idempotency-key': uniqueKey('sale') },
      body: { nik, ...claimOf(nik), quantity, unitPriceIdr: 12_500 },
    },
  );
  expect(sale.status, sale.text).toBe(201);
  return sale.body;
};

const deliveriesOf = async (resellerId: string) => {
  const answer = await kuota.api.get('/v1/wholesale/webhook-deliveries?limit=200', {
    apiKey: keyOf(resellerId),
  });
  expect(answer.status, answer.text).toBe(200);
  return WebhookDeliveryPage.parse(answer.body).deliveries;
};

const deliveryOf = (resellerId: string, eventId: string, statuses: string[]) =>
  eventually(
    async () => {
      const found = (await deliveriesOf(resellerId)).find((delivery) => delivery.eventId === eventId);
      return found && statuses.includes(found.status) ? found : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

describe('webhook endpoints', () => {
  it('takes loopback receivers only on the local stack, shows the secret once, and rotates it with overlap', async () => {
    // Arrange
    const target = await receiver();

    // Act
    const remote = await kuota.api.put('/v1/wholesale/webhook-endpoints', {
      apiKey: keyOf('R10'),
      body: { url: 'https://erp.example.co.id/hooks', events: ['order.fulfilled'] },
    });
    const metadata = await kuota.api.put('/v1/wholesale/webhook-endpoints', {
      apiKey: keyOf('R10'),
      body: { url: 'http://169.254.169.254/latest', events: ['order.fulfilled'] },
    });
    const unknownEvent = await kuota.api.put('/v1/wholesale/webhook-endpoints', {
      apiKey: keyOf('R10'),
      body: { url: target.url, events: ['order.lost'] },
    });
    const first = await register('R10', { url: target.url, events: ['order.fulfilled'] });
    const again = await register('R10', {
      url: `${target.url}/v2`,
      events: ['order.fulfilled', 'stock.low'],
    });
    const rotated = await register('R10', {
      url: target.url,
      events: ['order.fulfilled'],
      rotateSecret: true,
    });

    // Assert
    expect(remote.status).toBe(400);
    expect(remote.body).toMatchObject({ error: { issues: [{ path: 'body.url' }] } });
    expect(metadata.status).toBe(400);
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.text).toContain('body.events.0');
    expect(first.secret).toMatch(/^whsec_/);
    expect(again.secret).toBeUndefined();
    expect(again).toMatchObject({ url: `${target.url}/v2`, events: ['order.fulfilled', 'stock.low'] });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(first.secret);
    expect(Date.parse(rotated.previousSecretValidUntil ?? '') - Date.now()).toBeGreaterThan(23 * 3_600_000);

    // During the overlap a delivery verifies under either secret (one v1 each).
    target.secrets = [first.secret ?? '', rotated.secret ?? ''];
    await stockReseller(kuota, 9, 5);
    const sale = await sellAtCounter('R10', validNik(4_000));
    const eventId = resellerEventId('order.fulfilled', sale.orderId);
    await deliveryOf('R10', eventId, ['DELIVERED']);
    const delivered = target.deliveries.find((delivery) => delivery.eventId === eventId);
    expect(delivered?.verified).toBe(true);
    expect(delivered?.signature.match(/v1=/g)).toHaveLength(2);
  });
});

describe('events', () => {
  it('reports each state change once, signed, with the event id in header and body', async () => {
    // Arrange
    const target = await receiver();
    const endpoint = await register('R01', {
      url: target.url,
      events: ['order.reserved', 'order.fulfilled', 'quota_order.paid', 'quota_order.allocated'],
    });
    target.secrets = [endpoint.secret ?? ''];

    // Act
    await stockReseller(kuota, 0, 4);
    const sale = await sellAtCounter('R01', validNik(4_100), 2);
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(4_101), 1);
    await payAtGateway(kuota, payment.paymentId);
    await waitForStatus(kuota, placed, ['FULFILLED']);
    const refused = await kuota.api.post('/v1/wholesale/sales', {
      apiKey: keyOf('R01'),
      headers: { 'idempotency-key': uniqueKey('too-many') },
      body: { nik: validNik(4_102), ...claimOf(validNik(4_102)), quantity: 5, unitPriceIdr: 10_000 },
    });
    const expected = [
      resellerEventId('order.fulfilled', sale.orderId),
      resellerEventId('order.reserved', placed.orderId),
      resellerEventId('order.fulfilled', placed.orderId),
    ];
    for (const eventId of expected) await deliveryOf('R01', eventId, ['DELIVERED']);
    const log = await deliveriesOf('R01');

    // Assert
    expect(refused.status).toBe(422);
    const types = log.map((delivery) => delivery.type).sort();
    expect(types).toEqual(
      [
        'order.fulfilled',
        'order.fulfilled',
        'order.reserved',
        'quota_order.allocated',
        'quota_order.paid',
      ].sort(),
    );
    for (const delivery of log) {
      expect(delivery).toMatchObject({
        status: 'DELIVERED',
        attemptCount: 1,
        attempts: [{ statusCode: 200 }],
      });
    }
    for (const delivery of target.deliveries) {
      expect(delivery.verified).toBe(true);
      expect(delivery.body.id).toBe(delivery.eventId);
      expect(delivery.body.type).toBe(delivery.type);
      expect(delivery.body.resellerId).toBe('R01');
    }
    const counter = target.deliveries.find((delivery) => delivery.eventId === expected[0]);
    expect(counter?.body.data).toMatchObject({
      orderId: sale.orderId,
      channel: 'OWN_CHANNEL',
      quantity: 2,
      amountIdr: 25_000,
      serials: sale.stamps.map((stamp) => stamp.serial),
    });
    expect(JSON.stringify(target.deliveries)).not.toContain(validNik(4_100));
    expect(new Set(target.processed)).toEqual(new Set(log.map((delivery) => delivery.eventId)));
  });

  it('reports a completed refund (order.refunded) with its amount, once', async () => {
    // Arrange
    const target = await receiver();
    const endpoint = await register('R05', { url: target.url, events: ['order.refunded'] });
    target.secrets = [endpoint.secret ?? ''];
    await stockReseller(kuota, 4, 3);
    const { placed, payment } = await reservedOrder(kuota, 'R05', validNik(4_500), 1);
    await payAtGateway(kuota, payment.paymentId);
    await waitForStatus(kuota, placed, ['FULFILLED']);

    // Act: the buyer pays a second time; the gateway refunds it in full.
    await payAtGateway(kuota, payment.paymentId);
    const refunded = await eventually(async () => {
      const log = await deliveriesOf('R05');
      return log.find((delivery) => delivery.type === 'order.refunded' && delivery.status === 'DELIVERED');
    });

    // Assert
    expect(refunded.data).toMatchObject({
      orderId: placed.orderId,
      amountIdr: payment.amountIdr,
      reason: 'DUPLICATE_PAYMENT',
    });
    expect((await deliveriesOf('R05')).map((delivery) => delivery.type)).toEqual(['order.refunded']);
    expect(target.processed).toEqual([refunded.eventId]);
  });

  it('reports a stamp affixed to a document by a stamping (stamping.completed), once per stamp', async () => {
    // Arrange
    const target = await receiver();
    const endpoint = await register('R07', { url: target.url, events: ['stamping.completed'] });
    target.secrets = [endpoint.secret ?? ''];
    await stockReseller(kuota, 6, 3);
    const sale = await kuota.api.post<{
      orderToken: string;
      stampingUrls: string[];
      stamps: { serial: string }[];
    }>('/v1/wholesale/sales', {
      apiKey: keyOf('R07'),
      headers: { 'idempotency-key': uniqueKey('stamp') },
      body: { nik: validNik(4_700), ...claimOf(validNik(4_700)), quantity: 1, unitPriceIdr: 10_000 },
    });
    expect(sale.status, sale.text).toBe(201);
    const serial = sale.body.stamps[0]?.serial ?? '';

    // Act: stamped onto a PDF, then the same document again (a harmless repeat, no second event).
    const document = await samplePdf('Loket');
    for (let time = 0; time < 2; time += 1) {
      const stamped = await stampDocument(kuota, serial, sale.body.orderToken, document);
      expect(stamped.status).toBe('STAMPED');
    }
    const delivered = await deliveryOf('R07', resellerEventId('stamping.completed', serial), ['DELIVERED']);

    // Assert
    expect(delivered.data).toMatchObject({
      serial,
      documentSha256: createHash('sha256').update(document).digest('hex'),
    });
    expect(await deliveriesOf('R07')).toHaveLength(1);
  });

  it('survives a receiver that fails 3 times, then recovers; duplicates are harmless to a deduping receiver', async () => {
    // Arrange
    const target = await receiver();
    const endpoint = await register('R02', { url: target.url, events: ['order.fulfilled'] });
    target.secrets = [endpoint.secret ?? ''];
    target.failFirst = 3;
    await stockReseller(kuota, 1, 5);

    // Act
    const sale = await sellAtCounter('R02', validNik(4_200));
    const eventId = resellerEventId('order.fulfilled', sale.orderId);
    const delivered = await deliveryOf('R02', eventId, ['DELIVERED']);
    const retried = await kuota.api.post(`/v1/wholesale/webhook-deliveries/${eventId}/retry`, {
      apiKey: keyOf('R02'),
    });
    const again = await eventually(async () => {
      const found = (await deliveriesOf('R02')).find((delivery) => delivery.eventId === eventId);
      return found?.status === 'DELIVERED' && found.attemptCount === 5 ? found : undefined;
    });

    // Assert
    expect(delivered.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 500, 200]);
    expect(delivered.attemptCount).toBe(4);
    expect(retried.status).toBe(202);
    expect(WebhookDeliveryView.parse(retried.body).eventId).toBe(eventId);
    expect(again.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 500, 200, 200]);
    const received = target.deliveries.filter((delivery) => delivery.eventId === eventId);
    expect(received.map((delivery) => delivery.answered)).toEqual([500, 500, 500, 200, 200]);
    expect(new Set(received.map((delivery) => delivery.rawBody)).size).toBe(1);
    expect(target.processed.filter((id) => id === eventId)).toHaveLength(1);
  });

  it('dead-letters an event whose receiver is down for the whole run, and the delivery log says so', async () => {
    // Arrange: a receiver that is gone (connection refused).
    const gone = await receiver();
    await gone.stop();
    await register('R03', { url: gone.url, events: ['order.fulfilled'] });
    await stockReseller(kuota, 2, 5);

    // Act
    const sale = await sellAtCounter('R03', validNik(4_300));
    const eventId = resellerEventId('order.fulfilled', sale.orderId);
    const dead = await deliveryOf('R03', eventId, ['DEAD_LETTERED']);
    // The regulator sees the dead letter among its alerts (a DLQ message is a webhook that needs a human).
    const alert = await eventually(async () => {
      const alerts = await kuota.api.get<{ alerts: { kind: string; evidence: Record<string, unknown> }[] }>(
        '/v1/regulator/alerts',
        { apiKey: kuota.credentials.regulatorKey },
      );
      return alerts.body.alerts.find(
        (candidate) => candidate.kind === 'DEAD_LETTERS' && candidate.evidence.queue === 'resellerWebhooks',
      );
    });
    const dlq = await eventually(async () => {
      const received = await kuota.cloud.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: kuota.cloud.queues.resellerWebhooks.deadLetterUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      const bodies = (received.Messages ?? []).map((message) => JSON.parse(message.Body ?? '{}'));
      return bodies.find((body) => body.eventId === eventId);
    });

    // Assert
    expect(dead.attemptCount).toBeGreaterThanOrEqual(3);
    expect(dead.attempts.every((attempt) => attempt.error === 'could not connect')).toBe(true);
    expect(dead.deadLetteredAt).toBeDefined();
    expect(dead.nextAttemptAt).toBeUndefined();
    expect(dlq).toMatchObject({ eventId, resellerId: 'R03', type: 'order.fulfilled' });
    expect(alert.evidence.messages).toBeGreaterThanOrEqual(1);

    // Back up (at a new address): the reseller's manual retry delivers it.
    const back = await receiver();
    const endpoint = await register('R03', {
      url: back.url,
      events: ['order.fulfilled'],
      rotateSecret: true,
    });
    back.secrets = [endpoint.secret ?? ''];
    const retried = await kuota.api.post(`/v1/wholesale/webhook-deliveries/${eventId}/retry`, {
      apiKey: keyOf('R03'),
    });
    expect(retried.status).toBe(202);
    const recovered = await deliveryOf('R03', eventId, ['DELIVERED']);
    expect(recovered.attempts.at(-1)?.statusCode).toBe(200);
    expect(back.processed).toEqual([eventId]);
  });

  it('never slows a sale: the sale answers while the receiver still holds its delivery', async () => {
    // Arrange: a receiver that answers only when the test lets it.
    const target = await receiver();
    const endpoint = await register('R04', { url: target.url, events: ['order.fulfilled'] });
    target.secrets = [endpoint.secret ?? ''];
    let release: () => void = () => undefined;
    target.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    await stockReseller(kuota, 3, 5);

    // Act
    const sale = await sellAtCounter('R04', validNik(4_400));
    const eventId = resellerEventId('order.fulfilled', sale.orderId);
    const whileHeld = await eventually(async () => {
      const found = (await deliveriesOf('R04')).find((delivery) => delivery.eventId === eventId);
      return found;
    });
    release();
    target.hold = undefined;
    const delivered = await deliveryOf('R04', eventId, ['DELIVERED']);

    // Assert: the sale had its answer (201, above) while its event was still undelivered.
    expect(['PENDING', 'FAILING']).toContain(whileHeld.status);
    expect(
      target.deliveries.filter((delivery) => delivery.eventId === eventId).length,
    ).toBeGreaterThanOrEqual(1);
    expect(delivered.status).toBe('DELIVERED');
  });

  it('sends stock.low once when the days of cover fall below the threshold, again only after a recovery', async () => {
    // Arrange: 10 stamps, a threshold of 2 days; on the first selling day the rate is the day's sales.
    const target = await receiver();
    const endpoint = await register('R06', {
      url: target.url,
      events: ['stock.low'],
      lowStockDaysOfCover: 2,
    });
    target.secrets = [endpoint.secret ?? ''];
    await stockReseller(kuota, 5, 10);
    const stockLow = async () =>
      (await deliveriesOf('R06')).filter((delivery) => delivery.type === 'stock.low');

    // Act + Assert: before any sale there is no rate, so no event.
    await kuota.cloud.runtime.runJob('statsSnapshot');
    expect(await stockLow()).toEqual([]);
    // 3 sold, 7 on hand: 7 / 3 = 2.33 days, above the threshold.
    await sellAtCounter('R06', validNik(4_600), 3);
    await kuota.cloud.runtime.runJob('statsSnapshot');
    expect(await stockLow()).toEqual([]);
    // 5 sold, 5 on hand: 1 day of cover, below: one event, however often the check runs.
    await sellAtCounter('R06', validNik(4_601), 2);
    await kuota.cloud.runtime.runJob('statsSnapshot');
    await kuota.cloud.runtime.runJob('statsSnapshot');
    const first = await eventually(async () => {
      const events = await stockLow();
      return events.length === 1 && events[0]?.status === 'DELIVERED' ? events[0] : undefined;
    });
    expect(first.data).toMatchObject({ onHand: 5, sold: 5, daysOfCover: 1, thresholdDays: 2 });
    // New stock (25 on hand: 5 days) ends the episode; selling down to below 2 days again starts a new one.
    await stockReseller(kuota, 5, 20);
    await kuota.cloud.runtime.runJob('statsSnapshot');
    expect(await stockLow()).toHaveLength(1);
    for (const [index, quantity] of [5, 5, 5].entries())
      await sellAtCounter('R06', validNik(4_602 + index), quantity);
    await kuota.cloud.runtime.runJob('statsSnapshot');
    const both = await eventually(async () => {
      const events = await stockLow();
      return events.length === 2 && events.every((event) => event.status === 'DELIVERED')
        ? events
        : undefined;
    });
    expect(both[0]?.data).toMatchObject({ onHand: 10, sold: 20, daysOfCover: 0.5 });
    expect(target.processed).toHaveLength(2);
  });

  it('keeps delivering when the delivery log writes commit but their responses are lost', async () => {
    // Arrange: the receiver fails the first attempt; every update of the log loses its response.
    const target = await receiver();
    const endpoint = await register('R09', { url: target.url, events: ['order.fulfilled'] });
    target.secrets = [endpoint.secret ?? ''];
    target.failFirst = 1;
    let release: () => void = () => undefined;
    target.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    await stockReseller(kuota, 8, 3);
    const sale = await sellAtCounter('R09', validNik(4_800));
    const eventId = resellerEventId('order.fulfilled', sale.orderId);

    // Act
    setFaultPlan({
      throttleRate: 0,
      transactionConflictRate: 0,
      lostResponseRate: 1,
      commands: ['UpdateItemCommand'],
    });
    try {
      release();
      target.hold = undefined;
      await eventually(async () => (target.processed.includes(eventId) ? true : undefined), {
        timeoutMs: 20_000,
      });
    } finally {
      clearFaults();
    }
    const delivered = await deliveryOf('R09', eventId, ['DELIVERED']);

    // Assert: the retry was scheduled although the FAILING write's answer was lost, and the log is right.
    expect(delivered.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 200]);
    expect(target.deliveries.filter((delivery) => delivery.eventId === eventId)).toHaveLength(2);
  });

  it('loses no event when the process dies between the commit and the queue: the outbox sweep sends it', async () => {
    // Arrange: the sale commits (with its event), then the function dies before the message is sent.
    const target = await receiver();
    const endpoint = await register('R11', { url: target.url, events: ['order.fulfilled'] });
    target.secrets = [endpoint.secret ?? ''];
    await stockReseller(kuota, 10, 3);
    const nik = validNik(4_900);
    const key = uniqueKey('crash');
    armCrash('webhooks:after-commit');
    const crashed = await kuota.api.post('/v1/wholesale/sales', {
      apiKey: keyOf('R11'),
      headers: { 'idempotency-key': key },
      body: { nik, ...claimOf(nik), quantity: 1, unitPriceIdr: 10_000 },
    });
    disarmCrashes();
    // The client retries its key and gets the sale; the event is stored, its message never sent.
    const replayed = await kuota.api.post<{ orderId: string }>('/v1/wholesale/sales', {
      apiKey: keyOf('R11'),
      headers: { 'idempotency-key': key },
      body: { nik, ...claimOf(nik), quantity: 1, unitPriceIdr: 10_000 },
    });
    const eventId = resellerEventId('order.fulfilled', replayed.body.orderId);
    const stored = (await deliveriesOf('R11')).find((delivery) => delivery.eventId === eventId);

    // Act: the sweep, run as if 3 minutes later (a message is taken for lost 2 minutes after it was due).
    const swept = await sweepWebhookOutbox(() => new Date(Date.now() + 3 * 60_000));
    const delivered = await deliveryOf('R11', eventId, ['DELIVERED']);

    // Assert
    expect(crashed.status).toBeGreaterThanOrEqual(500);
    expect(replayed.status).toBe(201);
    expect(stored).toMatchObject({ status: 'PENDING', attemptCount: 0 });
    expect(swept.resent).toBeGreaterThanOrEqual(1);
    expect(delivered.attemptCount).toBe(1);
    expect(target.processed).toEqual([eventId]);
  });

  it('answers 404 to a retry of an unknown event and 400 to a malformed one', async () => {
    // Act
    const unknown = await kuota.api.post(
      `/v1/wholesale/webhook-deliveries/${resellerEventId('order.fulfilled', 'SO_NOPE')}/retry`,
      { apiKey: keyOf('R01') },
    );
    const malformed = await kuota.api.post('/v1/wholesale/webhook-deliveries/nope/retry', {
      apiKey: keyOf('R01'),
    });

    // Assert
    expect(unknown.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('path.eventId');
  });
});
