import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { clearFaults, setFaultPlan } from '../../lib/adapters/fault-injection.js';
import { DEFAULT_CIVIL_REGISTRY_SEED } from '../../lib/config.js';
import { birthDateOfNik } from '../../lib/domain/civil-registry.js';
import { hashNik } from '../../lib/domain/nik.js';
import { decodeSerial } from '../../lib/domain/serials.js';
import { settleShard } from '../../lib/domain/stock.js';
import { jakartaDay } from '../../lib/domain/storefront-order.js';
import { signPayload } from '../../lib/domain/webhook-signature.js';
import { MainKeys } from '../../lib/infra/resources.js';
import { syntheticPerson } from '../../lib/sandbox/civil-registry-sandbox.js';
import { checkLedger } from '../../lib/usecases/ledger-check.js';
import { onOrderTimerOutcome } from '../../lib/usecases/order-timers.js';
import { registeredNik } from '../../tools/surge/nik.js';
import { eventually, type TestCloud } from './cloud.js';

/** Multi-step journeys the storefront tests share: give a reseller stock, place and pay orders. */
let keyCounter = 0;
export const uniqueKey = (label: string) => {
  keyCounter += 1;
  return `${label}-${Date.now()}-${keyCounter}`;
};

export const stockReseller = async (
  kuota: TestCloud,
  resellerIndex: number,
  quantity: number,
): Promise<void> => stockResellers(kuota, [resellerIndex], quantity);

/**
 * Gives each reseller `quantity` more stamps through the real wholesale path (quota order, tax payment,
 * allocation), all at once, and waits (one table scan per round, not one poll per reseller) until every
 * reseller's shards hold them.
 */
export const stockResellers = async (
  kuota: TestCloud,
  resellerIndexes: readonly number[],
  quantity: number,
): Promise<void> => {
  const resellers = resellerIndexes.map((index) => {
    const reseller = kuota.credentials.resellers[index];
    if (!reseller) throw new Error(`no reseller ${index}`);
    return reseller;
  });
  const allocatedOf = async () =>
    new Map([...(await stockByReseller(kuota))].map(([id, totals]) => [id, totals.allocated]));
  const before = await allocatedOf();
  await mapLimit(resellers, 8, async (reseller) => {
    const created = await kuota.api.post('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': uniqueKey('stock') },
      body: { quantity },
    });
    expect(created.status).toBe(201);
    const paid = await kuota.api.post(`/sandbox/tax-authority/billings/${created.body.billingCode}/pay`, {
      body: { amountIdr: quantity * 10_000 },
    });
    expect(paid.status).toBe(200);
  });
  await eventually(
    async () => {
      const now = await allocatedOf();
      return resellers.every(
        (reseller) => (now.get(reseller.id) ?? 0) - (before.get(reseller.id) ?? 0) >= quantity,
      )
        ? true
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
};

/** An order intake took: reserved or refused at once (201), or queued for the reservation consumer (202). */
export const isAccepted = (status: number): boolean => status === 201 || status === 202;

export interface PlacedOrder {
  readonly orderId: string;
  readonly orderToken: string;
  readonly statusUrl: string;
}

/** NIKs that pass every rule and belong to a person of the sandbox civil registry (its default population). */
export const validNik = (n: number): string => registeredNik(n, DEFAULT_CIVIL_REGISTRY_SEED);

/**
 * What a buyer with this NIK puts beside it: the name and birth date the sandbox civil registry holds (or,
 * for a NIK no one holds, a made-up name and the birth date the NIK encodes).
 */
export const claimOf = (nik: string): { fullName: string; birthDate: string } => {
  const person = syntheticPerson(DEFAULT_CIVIL_REGISTRY_SEED, nik);
  return person
    ? { fullName: person.fullName, birthDate: person.birthDate }
    : { fullName: 'Nama Karangan', birthDate: birthDateOfNik(nik) };
};

export const placeOrder = async (
  kuota: TestCloud,
  resellerId: string,
  nik: string,
  quantity: number,
  key = uniqueKey('order'),
) =>
  kuota.api.post<PlacedOrder & { error?: { code: string } }>(`/v1/storefronts/${resellerId}/orders`, {
    headers: { 'idempotency-key': key },
    body: { nik, quantity, ...claimOf(nik) },
  });

/**
 * Places an order while the reservation path is saturated (every transaction conflicts, as under a
 * surge), so intake accepts it into the reservation queue (202) instead of reserving it at once.
 */
export const placeQueuedOrder = async (
  kuota: TestCloud,
  resellerId: string,
  nik: string,
  quantity: number,
  key = uniqueKey('queued'),
) => {
  setFaultPlan({
    throttleRate: 0,
    transactionConflictRate: 1,
    lostResponseRate: 0,
    commands: ['TransactWriteItemsCommand'],
  });
  try {
    const answer = await placeOrder(kuota, resellerId, nik, quantity, key);
    expect(answer.status, answer.text).toBe(202);
    return answer;
  } finally {
    clearFaults();
  }
};

/** Places an order like a well-behaved client: a 429 is retried (same Idempotency-Key) after a pause. */
export const placeOrderPatiently = async (
  kuota: TestCloud,
  resellerId: string,
  nik: string,
  quantity: number,
  statuses: number[] = [],
) => {
  const key = uniqueKey('patient');
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const answer = await placeOrder(kuota, resellerId, nik, quantity, key);
    statuses.push(answer.status);
    if (answer.status !== 429) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 150));
  }
  throw new Error('intake kept answering 429');
};

export const readOrder = (kuota: TestCloud, placed: PlacedOrder) =>
  kuota.api.get(placed.statusUrl, { headers: { 'order-token': placed.orderToken } });

export const waitForStatus = async (
  kuota: TestCloud,
  placed: PlacedOrder,
  statuses: string[],
  timeoutMs = 20_000,
) =>
  eventually(
    async () => {
      const order = await readOrder(kuota, placed);
      const status = String(order.body.status);
      // A reservation is payable once its QRIS payment is attached, a moment after the reservation.
      if (status === 'RESERVED' && statuses.includes('RESERVED') && !order.body.payment) return undefined;
      return statuses.includes(status) ? order.body : undefined;
    },
    { timeoutMs },
  );

export interface OrderPayment {
  readonly paymentId: string;
  readonly amountIdr: number;
  readonly expiresAt: string;
}

/**
 * Places an order and returns it RESERVED with its QRIS payment: at once (201, the payment in the answer)
 * or, when intake queued it (202), once the reservation queue has reserved it.
 */
export const reservedOrder = async (kuota: TestCloud, resellerId: string, nik: string, quantity: number) => {
  const placed = await placeOrder(kuota, resellerId, nik, quantity);
  expect([201, 202]).toContain(placed.status);
  if (placed.status === 201) {
    expect(placed.body).toMatchObject({ status: 'RESERVED', payment: { paymentId: expect.any(String) } });
    return { placed: placed.body, payment: (placed.body as unknown as { payment: OrderPayment }).payment };
  }
  const reserved = await waitForStatus(kuota, placed.body, ['RESERVED']);
  return { placed: placed.body, payment: reserved.payment as OrderPayment };
};

/** The buyer pays the QRIS at the sandbox gateway (the exact amount unless told otherwise). */
export const payAtGateway = async (kuota: TestCloud, paymentId: string, amountIdr?: number) => {
  const paid = await kuota.api.post<{
    eventId: string;
    amountIdr: number;
    occurredAt: string;
    deliveries: number;
  }>(`/sandbox/payment-gateway/payments/${paymentId}/pay`, {
    body: amountIdr === undefined ? {} : { amountIdr },
  });
  expect(paid.status).toBe(200);
  return paid.body;
};

export const setGatewayFaults = async (
  kuota: TestCloud,
  faults: { duplicateRate?: number; dropRate?: number; delayMs?: number; reorder?: boolean },
) => {
  const answer = await kuota.api.post('/sandbox/faults', { body: { paymentGateway: faults } });
  expect(answer.status).toBe(200);
};

export interface GatewayEvent {
  readonly eventId: string;
  readonly paymentId: string;
  readonly reference?: string;
  readonly type: 'PAYMENT_CAPTURED' | 'REFUND_COMPLETED';
  readonly amountIdr: number;
  readonly occurredAt: string;
  readonly refundId?: string;
}

/** The merchant reference (kuota's order id) the sandbox gateway holds for a payment. */
export const paymentReference = async (kuota: TestCloud, paymentId: string) => {
  const result = await documents(kuota).send(
    new GetCommand({
      TableName: kuota.cloud.tables.sandbox,
      Key: { pk: `PG_PAYMENT#${paymentId}`, sk: 'PAYMENT' },
      ConsistentRead: true,
    }),
  );
  return result.Item?.reference as string | undefined;
};

/**
 * Posts an event as the payment gateway would: signed with the shared secret over the raw body, and (on a
 * capture) naming the payment's merchant reference, as the gateway's own webhooks do.
 */
export const sendGatewayEvent = async (kuota: TestCloud, event: GatewayEvent) => {
  const reference =
    event.type === 'PAYMENT_CAPTURED' && !('reference' in event)
      ? await paymentReference(kuota, event.paymentId)
      : undefined;
  const rawBody = JSON.stringify(reference ? { ...event, reference } : event);
  return kuota.api.post('/v1/webhooks/payment-gateway', {
    rawBody,
    headers: {
      'content-type': 'application/json',
      'kuota-signature': signPayload(
        kuota.secrets.paymentGatewayWebhookSecret,
        rawBody,
        Math.floor(Date.now() / 1000),
      ),
    },
  });
};

/**
 * The storefront's clock, advanced by the test: the refund sweep runs, then every order timer due now
 * fires (reconcile, expire, re-send, end of watch). The tally counts what they did.
 */
export const runSweeper = async (kuota: TestCloud) => {
  const sweep = (await kuota.cloud.runtime.runJob('storefrontSweeper')) as Record<string, number>;
  const tally = {
    requeued: 0,
    reconciled: 0,
    expired: 0,
    lateCapturesFound: 0,
    refundsConfirmed: 0,
    failed: 0,
  };
  const stop = onOrderTimerOutcome(({ outcome, processed }) => {
    if (outcome === 'REQUEUED') tally.requeued += 1;
    if (outcome === 'EXPIRED') tally.expired += 1;
    if (outcome === 'RECONCILED' || outcome === 'EXPIRED') tally.reconciled += processed;
    if (outcome === 'WATCH_ENDED') tally.lateCapturesFound += processed;
  });
  try {
    await kuota.cloud.runtime.drainQueue('storefrontTimers');
  } finally {
    stop();
  }
  return { ...tally, refundsConfirmed: sweep.refundsConfirmed ?? 0, failed: sweep.failed ?? 0 };
};

/** Direct, strongly consistent reads of the main table (the test's own client: no injected faults). */
export const documents = (kuota: TestCloud) => DynamoDBDocumentClient.from(kuota.cloud.dynamo);

/** Every page of a consistent scan of the main table, `input` added to each request. */
const scanPages = async function* (kuota: TestCloud, input: Omit<ScanCommandInput, 'TableName'>) {
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await documents(kuota).send(
      new ScanCommand({
        TableName: kuota.cloud.tables.main,
        ConsistentRead: true,
        ...input,
        ExclusiveStartKey: cursor,
      }),
    );
    yield page;
    cursor = page.LastEvaluatedKey;
  } while (cursor);
};

export const scanMain = async (kuota: TestCloud, pkPrefix: string): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of scanPages(kuota, {
    FilterExpression: 'begins_with(pk, :prefix)',
    ExpressionAttributeValues: { ':prefix': pkPrefix },
  }))
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
  return items;
};

/** Every storefront order item (not their captures). */
export const storefrontOrderItems = async (kuota: TestCloud) =>
  (await scanMain(kuota, 'SORDER#')).filter((item) => item.sk === 'ORDER');

export const countMainItems = async (kuota: TestCloud): Promise<number> => {
  let count = 0;
  for await (const page of scanPages(kuota, { Select: 'COUNT' })) count += page.Count ?? 0;
  return count;
};

export interface ShardItem {
  readonly pk: string;
  readonly allocated: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly returned: number;
}

const shardItem = (item: Record<string, unknown>): ShardItem => ({
  pk: String(item.pk),
  allocated: Number(item.allocated ?? 0),
  onHand: Number(item.onHand ?? 0),
  reserved: Number(item.reserved ?? 0),
  sold: Number(item.sold ?? 0),
  returned: Number(item.returned ?? 0),
});

/**
 * Shard items as the ledger sees them: a sale the fold has not passed yet (a `foldShard` order past its
 * shard's `foldedThrough` mark) is sold, not reserved (`settleShard`), as `readStock` and `ledger:check`
 * count it. The raw items are `scanMain(kuota, 'STOCK#')`.
 */
const settledShardItems = async (kuota: TestCloud, pkPrefix: string) => {
  // One scan for both (a scan reads the whole table whatever its filter): the shards, and the orders.
  const items = await scanMain(kuota, 'S');
  const shards = items.filter((item) => String(item.pk).startsWith(pkPrefix));
  const orders = items.filter((item) => String(item.pk).startsWith('SORDER#') && item.sk === 'ORDER');
  return shards.map((item) => {
    const [, resellerId, shard] = String(item.pk).split('#');
    const mark = typeof item.foldedThrough === 'string' ? item.foldedThrough : undefined;
    const unfolded = orders
      .filter(
        (order) =>
          order.resellerId === resellerId &&
          order.foldShard === Number(shard) &&
          order.fulfilledAt !== undefined &&
          (mark === undefined || String(order.gsi3sk) > mark),
      )
      .reduce((sum, order) => sum + Number(order.quantity), 0);
    return settleShard(shardItem(item), unfolded);
  });
};

/** A reseller's shard items as stored (a sale the fold has not reached is still in `reserved`). */
export const rawStockShards = async (kuota: TestCloud, resellerId: string): Promise<ShardItem[]> =>
  (await scanMain(kuota, `STOCK#${resellerId}#`)).map(shardItem);

export const stockShards = async (kuota: TestCloud, resellerId: string): Promise<ShardItem[]> =>
  settledShardItems(kuota, `STOCK#${resellerId}#`);

/** Every reseller's shard counters, summed, from one scan (settled as `stockShards`). */
export const stockByReseller = async (kuota: TestCloud) => {
  const shardsOf = new Map<string, ShardItem[]>();
  for (const item of await settledShardItems(kuota, 'STOCK#')) {
    const resellerId = String(item.pk).split('#')[1] ?? '';
    shardsOf.set(resellerId, [...(shardsOf.get(resellerId) ?? []), item]);
  }
  return new Map([...shardsOf].map(([resellerId, shards]) => [resellerId, stockTotals(shards)]));
};

export const stockTotals = (shards: readonly ShardItem[]) =>
  shards.reduce(
    (sum, shard) => ({
      allocated: sum.allocated + shard.allocated,
      onHand: sum.onHand + shard.onHand,
      reserved: sum.reserved + shard.reserved,
      sold: sum.sold + shard.sold,
      returned: sum.returned + shard.returned,
    }),
    { allocated: 0, onHand: 0, reserved: 0, sold: 0, returned: 0 },
  );

/** The buyer's national counter for a day (Asia/Jakarta), read by the NIK's HMAC. */
/** Every NIK's intake counts of the minute, summed: intake's per-minute counts live on the day counters, one attribute per minute (`intake@<minute>`). */
export const intakeMinuteCounts = async (kuota: TestCloud): Promise<number> =>
  (await scanMain(kuota, 'NIKDAY#'))
    .flatMap((item) => Object.entries(item).filter(([attribute]) => attribute.startsWith('intake@')))
    .reduce((sum, [, count]) => sum + Number(count), 0);

export const nikDayCount = async (kuota: TestCloud, nik: string, day = jakartaDay(new Date())) => {
  const result = await documents(kuota).send(
    new GetCommand({
      TableName: kuota.cloud.tables.main,
      Key: MainKeys.nikDay(hashNik(kuota.secrets.nikHmacKey, nik), day),
      ConsistentRead: true,
    }),
  );
  return result.Item ? Number(result.Item.count ?? 0) : 0;
};

/**
 * The stamps an order sold, as the public verification answers them: each of the order's serials is
 * looked up through `GET /v1/stamps/{serial}` and kept when it names this order's reseller and decodes
 * (under the issuer's key) to this very order. A serial that was never sold, or belongs elsewhere, is
 * left out, so a count of these is the count of stamps the order really sold.
 */
export const soldStampsOf = async (kuota: TestCloud, orderId: string) => {
  const [order] = (await scanMain(kuota, `SORDER#${orderId}`)).filter((item) => item.sk === 'ORDER');
  const serials = (order?.stamps as string[] | undefined) ?? [];
  const answers = await Promise.all(serials.map((serial) => kuota.api.get(`/v1/stamps/${serial}`)));
  return answers
    .map((answer, index) => ({ answer, serial: serials[index] ?? '' }))
    .filter(
      ({ answer, serial }) =>
        answer.status === 200 &&
        answer.body.resellerId === order?.resellerId &&
        decodeSerial(kuota.secrets.serialKey, serial)?.orderId === orderId,
    )
    .map(({ answer }) => answer.body as { serial: string; status: string; resellerId: string });
};

/** Every serial held by any storefront order (with repeats, if there ever were any). */
export const serialsOfAllOrders = async (kuota: TestCloud): Promise<string[]> =>
  (await storefrontOrderItems(kuota)).flatMap((order) => (order.stamps as string[] | undefined) ?? []);

/** `npm run ledger:check` over this test's table: shards, ledger entries and quota orders must agree. */
/** A reseller's whole ledger as it reads it (`GET /v1/wholesale/ledger`, every page), newest first. */
export const ledgerOf = async (
  kuota: TestCloud,
  resellerId: string,
): Promise<
  { entryId: string; kind: string; quantity: number; reference: string; at: string; shard: number }[]
> => {
  const reseller = kuota.credentials.resellers.find((candidate) => candidate.id === resellerId);
  if (!reseller) throw new Error(`no reseller ${resellerId} seeded`);
  const entries = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const page = await kuota.api.get<{
      entries: {
        entryId: string;
        kind: string;
        quantity: number;
        reference: string;
        at: string;
        shard: number;
      }[];
      nextCursor?: string;
    }>(`/v1/wholesale/ledger?${query}`, { apiKey: reseller.apiKey });
    if (page.status !== 200) throw new Error(`ledger of ${resellerId}: ${page.status} ${page.text}`);
    entries.push(...page.body.entries);
    cursor = page.body.nextCursor;
  } while (cursor);
  return entries;
};

export const ledgerReport = (kuota: TestCloud) => {
  const mainTable = kuota.cloud.tables.main;
  if (!mainTable) throw new Error('the test cloud has no main table');
  return checkLedger({ client: documents(kuota), mainTable });
};

/** Messages waiting in or held from one of the test cloud's queues (delayed ones included). */
export const queueBacklog = async (kuota: TestCloud, queue: 'storefrontOrders' | 'webhookDelivery') => {
  const { Attributes } = await kuota.cloud.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: kuota.cloud.queues[queue].url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes ?? {}).reduce((sum, value) => sum + Number(value), 0);
};

/**
 * Waits until no storefront order is QUEUED and every RESERVED one has its payment attached. Watches the
 * order queue (cheap) and scans the table only once the queue looks drained.
 */
export const waitUntilOrdersSettle = async (kuota: TestCloud, timeoutMs = 30_000) =>
  eventually(
    async () => {
      if ((await queueBacklog(kuota, 'storefrontOrders')) > 0) return undefined;
      const orders = await storefrontOrderItems(kuota);
      const unsettled = orders.filter(
        (order) => order.status === 'QUEUED' || (order.status === 'RESERVED' && !order.payment),
      );
      return unsettled.length === 0 ? orders : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );

/** Runs `work` over `items` with at most `limit` in flight. */
export const mapLimit = async <T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
};

/** A POST from another loopback address (another client, as the gateway and its edge rule see it). */
export const postFrom = (kuota: TestCloud, localAddress: string, path: string, body: unknown) =>
  new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
    const url = new URL(path, kuota.baseUrl);
    const payload = JSON.stringify(body);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'idempotency-key': `client-${randomUUID()}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });

/**
 * Waits for the next minute if fewer than 15 s of the current one remain: the intake limits count fixed
 * one-minute windows, and a window turning mid-test would reset them.
 */
export const startInsideAWindow = async () => {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
};
