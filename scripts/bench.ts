/**
 * `npm run bench`: kuota's storefront pipeline against the design a typical team writes first (reserve
 * synchronously in the API handler on one stock counter per reseller, Powertools idempotency), side by
 * side, on the same emulators, with the same surge, in alternating runs (kuota, baseline, kuota, …).
 *
 * It starts its own in-memory DynamoDB Local and fauxqs, kuota's local cloud (real handlers behind the local
 * API Gateway, SQS pollers) and the baseline's own local API (tools/baseline/runtime.ts). Each applicant is a
 * client doing what kuota's storefront page does: place the order (Idempotency-Key; 429 → wait and retry),
 * poll its status every second, pay the QRIS at the sandbox gateway once reserved, poll until FULFILLED.
 * Requests, capacity units (tools/bench/capacity-meter.ts, AWS billing rules), handler invocations and
 * their durations are counted per run, for the design's own tables and queue only (the sandbox's are the
 * external parties').
 *
 * Knobs (environment): BENCH_ORDERS (1000), BENCH_ROUNDS (2; one kuota and one baseline run each),
 * BENCH_CONCURRENCY (200 requests in flight at intake), BENCH_HOT_SHARE (0.6 of orders to one reseller),
 * BENCH_HOT_STOCK (500 stamps: less than its demand of ~1,200), BENCH_OTHER_STOCK (300 for each of 4
 * others), BENCH_SCALPER_SHARE (0.03: NIKs from a small pool, ordering at several storefronts),
 * BENCH_POLL_MS (1000), BENCH_RUN_TIMEOUT_SECONDS (120), KUOTA_STOCK_SHARDS (32), BENCH_PRICE_REGION.
 *
 * Writes test-artifacts/bench/bench.json and docs/bench-latest.json. Exits non-zero if a design oversold.
 */
process.env.KUOTA_LOG_LEVEL ??= 'SILENT';

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scriptArgs } from '../tools/common/args.js';
import { bodyObject, requestJson } from '../tools/common/http-client.js';
import { seededRandom } from '../tools/common/random.js';
import { identityOf, registeredNik } from '../tools/surge/nik.js';

// No options, only --help: a bench started by mistake takes minutes.
scriptArgs({
  name: 'bench',
  usage:
    'npm run bench\n\nkuota vs the synchronous single-counter design, side by side, on emulators of its own. It takes no\noptions; its knobs are environment variables: BENCH_ORDERS (1000), BENCH_ROUNDS (2), BENCH_CONCURRENCY (200),\nBENCH_HOT_SHARE (0.6), BENCH_HOT_STOCK (500), BENCH_OTHER_STOCK (300), BENCH_SCALPER_SHARE (0.03),\nBENCH_POLL_MS (1000), BENCH_RUN_TIMEOUT_SECONDS (120), KUOTA_STOCK_SHARDS (32), BENCH_PRICE_REGION (us-east-1).',
  options: {},
});

const intFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};
const shareFromEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be between 0 and 1`);
  return value;
};

const settings = {
  orders: Math.min(15_000, intFromEnv('BENCH_ORDERS', 1_000)),
  rounds: Math.min(5, intFromEnv('BENCH_ROUNDS', 2)),
  concurrency: intFromEnv('BENCH_CONCURRENCY', 200),
  hotShare: shareFromEnv('BENCH_HOT_SHARE', 0.6),
  hotStock: intFromEnv('BENCH_HOT_STOCK', 500),
  otherStock: intFromEnv('BENCH_OTHER_STOCK', 300),
  otherResellers: 4,
  scalperShare: shareFromEnv('BENCH_SCALPER_SHARE', 0.03),
  scalperPool: 15,
  pollMs: intFromEnv('BENCH_POLL_MS', 1_000),
  runTimeoutSeconds: intFromEnv('BENCH_RUN_TIMEOUT_SECONDS', 120),
  shards: intFromEnv('KUOTA_STOCK_SHARDS', 32),
  priceRegion: process.env.BENCH_PRICE_REGION ?? 'us-east-1',
};

const CALIBRATION_ORDERS = 40;
const BENCH_PAYMENT_WINDOW_SECONDS = 20;
const CALIBRATION_CONCURRENCY = 4;
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
const tty = process.stdout.isTTY;
const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

type Design = 'kuota' | 'baseline';

/** NIKs that pass every rule (province 31, women's birth dates), distinct for n < 139,972. */
const validNik = (n: number): string => registeredNik(n);

interface Applicant {
  readonly index: number;
  readonly resellerId: string;
  readonly nik: string;
  readonly quantity: number;
  readonly key: string;
}

type Outcome = 'FULFILLED' | 'REFUSED' | 'REJECTED' | 'ERROR' | 'TIMEOUT';

interface Journey {
  readonly applicant: Applicant;
  outcome?: Outcome;
  reason?: string;
  fulfilledAt?: number;
  /** Final intake status (after 429 retries). */
  intakeStatus?: number;
  /** When the first intake attempt was sent, and when the client first held a payable order (its QR). */
  startedAt?: number;
  payableAt?: number;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly ms: number;
  /** Retry-After in ms, when the answer carries one. */
  readonly retryAfterMs?: number;
  /** The server held the read until the order moved on or its wait ended (Prefer: wait). */
  readonly waited?: boolean;
}

/** A request of a simulated applicant: a network error or a timeout answers status 0, never throws. */
const call = async (
  url: string,
  method: 'GET' | 'POST',
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpAnswer> => {
  const started = performance.now();
  try {
    const answer = await requestJson(method, url, { ...options, timeoutMs: 35_000 });
    const retryAfter = Number(answer.headers.get('retry-after'));
    return {
      status: answer.status,
      body: bodyObject(answer.body),
      ms: answer.ms,
      ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      ...(answer.headers.has('preference-applied') ? { waited: true } : {}),
    };
  } catch {
    return { status: 0, body: {}, ms: performance.now() - started };
  }
};

/** Requests by kind and status, for the error report. */
class StatusTally {
  readonly counts: Record<string, Record<string, number>> = {};
  add(kind: string, status: number) {
    this.counts[kind] ??= {};
    const bucket = this.counts[kind] as Record<string, number>;
    bucket[String(status)] = (bucket[String(status)] ?? 0) + 1;
  }
  count(predicate: (status: number) => boolean): number {
    return Object.values(this.counts).reduce(
      (sum, byStatus) =>
        sum +
        Object.entries(byStatus).reduce(
          (inner, [status, count]) => inner + (predicate(Number(status)) ? count : 0),
          0,
        ),
      0,
    );
  }
}

const main = async () => {
  const { startEphemeralCloud } = await import('../lib/runtime/ephemeral-cloud.js');
  const { seedParties, DEFAULT_SERVICE_FEE_CAP_IDR } = await import('../lib/runtime/seed.js');
  const meter = await import('../tools/bench/capacity-meter.js');
  const { useOnAwsClients } = await import('../lib/adapters/aws-clients.js');
  // The meter rides on the handlers' own clients, registered through the adapters' hook for tools.
  useOnAwsClients('dynamodb', meter.capacityMeterPlugin);
  useOnAwsClients('sqs', meter.capacityMeterPlugin);
  const { Tables, Queues, physicalName, MainKeys } = await import('../lib/infra/resources.js');
  const { routes } = await import('../lib/api/routes.js');
  const { backgroundFunctions } = await import('../lib/infra/functions.js');
  const { provisionBaselineTables } = await import('../tools/baseline/tables.js');
  const { startBaselineRuntime } = await import('../tools/baseline/runtime.js');
  const { baselineRoutes } = await import('../tools/baseline/routes.js');
  const { baselineStore } = await import('../tools/baseline/store.js');
  const { resetBaselineIdempotency } = await import('../tools/baseline/idempotency.js');
  const { resetBaselineOrders } = await import('../tools/baseline/orders.js');
  const { timeHandler } = await import('../tools/bench/lambda-timing.js');
  const { percentile, mean, ratio } = await import('../tools/common/stats.js');
  const { PRICES, costPerMillionStamps } = await import('../tools/bench/prices.js');
  const { BatchGetCommand, DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');

  const prices = PRICES[settings.priceRegion];
  if (!prices) throw new Error(`no prices for ${settings.priceRegion} in tools/bench/prices.ts`);

  console.log('bench: kuota vs the usual design (synchronous reservation on one counter per reseller)');
  console.log(
    `  workload per run: ${fmt(settings.orders)} applicants (1–3 stamps), ${fmt(settings.concurrency)} in flight at intake; ` +
      `${Math.round(settings.hotShare * 100)}% to one hot reseller with ${fmt(settings.hotStock)} stamps, the rest over ` +
      `${settings.otherResellers} others with ${fmt(settings.otherStock)} each; ${Math.round(settings.scalperShare * 100)}% scalper NIKs; ` +
      `${settings.rounds} × (kuota, baseline); ${settings.shards} stock shards for kuota`,
  );

  const benchStarted = Date.now();
  process.stdout.write('  starting DynamoDB Local (in memory), fauxqs, kuota and the baseline... ');
  const ephemeral = await startEphemeralCloud({
    prefix: 'bench',
    // The schedules run as they do under `npm start`, so the background jobs are measured with the rest.
    runSchedules: true,
    extraEnv: {
      // Short payment windows so every order's timers (reconcile, expiry, end of watch) fire within the
      // bench and are counted: the reservation is reconciled once, at its expiry, and watched 5 s more.
      KUOTA_RESERVATION_TTL_SECONDS: String(BENCH_PAYMENT_WINDOW_SECONDS),
      KUOTA_RECONCILE_AFTER_SECONDS: String(BENCH_PAYMENT_WINDOW_SECONDS),
      KUOTA_PAYMENT_WATCH_SECONDS: '5',
      KUOTA_STOCK_SHARDS: String(settings.shards),
      KUOTA_ISSUER_STAMPS_PER_MINUTE: '1000000000',
      // Every simulated applicant comes from 127.0.0.1; on AWS each has its own address.
      KUOTA_CLIENT_INTAKE_PER_MINUTE: '100000000',
      KUOTA_CLIENT_LAPSES_PER_HOUR: '100000000',
    },
  });
  const stopAll = ephemeral.stop;
  const { cloud } = ephemeral;
  const credentials = await seedParties();
  const baselineTables = await provisionBaselineTables(cloud.dynamo, 'bench');
  resetBaselineIdempotency();
  resetBaselineOrders();
  const baseline = await startBaselineRuntime({ port: 0 });
  ephemeral.onStop(() => baseline.stop());

  // What the identity check costs: every call kuota makes to the (sandbox) civil registry, timed. Only
  // kuota checks identities; the baseline, like the design it stands for, takes any NIK.
  const { sandboxCivilRegistry } = await import('../lib/sandbox/civil-registry-sandbox.js');
  const identityCheckMs: number[] = [];
  const verifyIdentity = sandboxCivilRegistry.verify.bind(sandboxCivilRegistry);
  sandboxCivilRegistry.verify = async (claim) => {
    const started = performance.now();
    try {
      return await verifyIdentity(claim);
    } finally {
      identityCheckMs.push(performance.now() - started);
    }
  };

  // What the meter needs to know: key names and indexes, and the pollers' SQS client.
  meter.registerMeteredTable(cloud.tables.main as string, {
    partitionKey: Tables.main.partitionKey,
    sortKey: Tables.main.sortKey,
    indexes: Tables.main.indexes,
  });
  meter.registerMeteredTable(cloud.tables.sandbox as string, { partitionKey: 'pk', sortKey: 'sk' });
  meter.registerMeteredTable(baselineTables.table, { partitionKey: 'pk', sortKey: 'sk' });
  meter.registerMeteredTable(baselineTables.idempotencyTable, { partitionKey: 'id' });
  cloud.sqs.middlewareStack.use(meter.capacityMeterPlugin);
  const ordersQueue = physicalName('bench', Queues.storefrontOrders.logicalName);
  const timersQueue = physicalName('bench', Queues.storefrontTimers.logicalName);
  /** Waits until every order timer of the run has fired (none waiting, delayed or in flight). */
  const timersSettled = async (deadlineMs: number) => {
    const { GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
    while (Date.now() < deadlineMs) {
      const { Attributes } = await cloud.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: cloud.queues.storefrontTimers.url,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      if (Object.values(Attributes ?? {}).every((value) => Number(value) === 0)) return true;
      await sleep(500);
    }
    return false;
  };

  // Handler durations (Lambda bills them): time the very handler objects the runtimes invoke.
  const kuotaFunctions = [
    {
      id: 'placeOrder',
      entry: routes.placeOrder.entry,
      memoryMb: routes.placeOrder.memoryMb,
      trigger: 'api',
    },
    {
      id: 'getStorefrontOrder',
      entry: routes.getStorefrontOrder.entry,
      memoryMb: routes.getStorefrontOrder.memoryMb,
      trigger: 'api',
    },
    {
      id: 'paymentGatewayWebhook',
      entry: routes.paymentGatewayWebhook.entry,
      memoryMb: routes.paymentGatewayWebhook.memoryMb,
      trigger: 'api',
    },
    // The sale path's background work is counted too: the queue consumer, the order timers, the sweeper.
    ...backgroundFunctions
      .filter(
        (fn) => fn.id === 'reservation' || fn.id === 'storefrontTimers' || fn.id === 'storefrontSweeper',
      )
      .map((fn) => ({ id: fn.id, entry: fn.entry, memoryMb: fn.memoryMb, trigger: fn.trigger.kind })),
  ] as const;
  const baselineFunctions = Object.values(baselineRoutes).map((route) => ({
    id: route.id,
    entry: route.entry,
    memoryMb: route.memoryMb,
    trigger: 'api' as const,
  }));
  const durations = new Map<string, { count: number; totalMs: number }>();
  for (const fn of [...kuotaFunctions, ...baselineFunctions]) {
    const module = (await import(pathToFileURL(resolve(repositoryRoot, fn.entry)).href)) as {
      handler: unknown;
    };
    const tally = { count: 0, totalMs: 0 };
    durations.set(fn.id, tally);
    timeHandler(module.handler, tally);
  }
  console.log(`ready in ${fmt((Date.now() - benchStarted) / 1000, 1)} s`);

  // Stock: the same quantities for both designs, fresh resellers every round.
  const kuotaApi = cloud.runtime.url;
  const roundResellers = Array.from({ length: settings.rounds }, (_, round) =>
    credentials.resellers.slice(round * 5, round * 5 + 1 + settings.otherResellers),
  );
  const stockOf = (position: number) => (position === 0 ? settings.hotStock : settings.otherStock);
  process.stdout.write(
    `  stocking ${settings.rounds * 5 + 1} resellers (kuota: quota order → tax payment → allocation)... `,
  );
  const stocked = Date.now();
  const calibrationReseller = credentials.resellers[25] as (typeof credentials.resellers)[number];
  const CALIBRATION_STOCK = 500;
  const quotaOrders = await Promise.all(
    [...roundResellers.flat(), calibrationReseller].map(async (reseller, flatIndex, all) => {
      const quantity = flatIndex === all.length - 1 ? CALIBRATION_STOCK : stockOf(flatIndex % 5);
      const created = await call(`${kuotaApi}/v1/wholesale/quota-orders`, 'POST', {
        headers: {
          authorization: `Bearer ${reseller.apiKey}`,
          'idempotency-key': `bench-stock-${reseller.id}`,
        },
        body: { quantity },
      });
      if (created.status !== 201)
        throw new Error(`quota order for ${reseller.id} answered ${created.status}`);
      const paid = await call(
        `${kuotaApi}/sandbox/tax-authority/billings/${created.body.billingCode}/pay`,
        'POST',
        {
          body: { amountIdr: quantity * 10_000 },
        },
      );
      if (paid.status !== 200) throw new Error(`paying ${reseller.id}'s billing answered ${paid.status}`);
      await baselineStore.putStock({
        resellerId: reseller.id,
        name: reseller.name,
        onHand: quantity,
        reserved: 0,
        sold: 0,
        unitPriceIdr: 10_000 + DEFAULT_SERVICE_FEE_CAP_IDR,
        open: true,
      });
      return { reseller, id: String(created.body.id), quantity };
    }),
  );
  for (const order of quotaOrders) {
    for (let attempt = 0; ; attempt += 1) {
      const view = await call(`${kuotaApi}/v1/wholesale/quota-orders/${order.id}`, 'GET', {
        headers: { authorization: `Bearer ${order.reseller.apiKey}` },
      });
      if (view.body.status === 'ALLOCATED') break;
      if (attempt > 300) throw new Error(`${order.reseller.id}'s stock was not allocated`);
      await sleep(100);
    }
  }
  console.log(`done in ${fmt((Date.now() - stocked) / 1000, 1)} s`);

  const documents = DynamoDBDocumentClient.from(cloud.dynamo);
  const kuotaStock = async (resellerId: string) => {
    const keys = Array.from({ length: settings.shards }, (_, shard) =>
      MainKeys.stockShard(resellerId, shard),
    );
    const result = await documents.send(
      new BatchGetCommand({
        RequestItems: { [cloud.tables.main as string]: { Keys: keys, ConsistentRead: true } },
      }),
    );
    const shards = result.Responses?.[cloud.tables.main as string] ?? [];
    return {
      onHand: shards.reduce((sum, item) => sum + Number(item.onHand ?? 0), 0),
      reserved: shards.reduce((sum, item) => sum + Number(item.reserved ?? 0), 0),
      sold: shards.reduce((sum, item) => sum + Number(item.sold ?? 0), 0),
      negative: shards.some((item) => Number(item.onHand ?? 0) < 0 || Number(item.reserved ?? 0) < 0),
    };
  };

  const buildApplicants = (round: number, resellerIds: string[]): Applicant[] => {
    // Seeded by the round, so both designs get exactly the same workload in a round.
    const random = seededRandom(round + 1);
    const base = round * 20_000;
    return Array.from({ length: settings.orders }, (_, index) => {
      const hot = random() < settings.hotShare;
      const resellerId = hot
        ? (resellerIds[0] as string)
        : (resellerIds[1 + Math.floor(random() * settings.otherResellers)] as string);
      const scalper = random() < settings.scalperShare;
      const nik = scalper
        ? validNik(base + 15_000 + Math.floor(random() * settings.scalperPool))
        : validNik(base + index);
      const roll = random();
      const quantity = scalper ? 3 : roll < 0.25 ? 1 : roll < 0.75 ? 2 : 3;
      return { index, resellerId, nik, quantity, key: `bench-r${round}-${index}` };
    });
  };

  interface RunResult {
    design: Design;
    round: number;
    resellers: string[];
    seconds: number;
    intakeMs: number[];
    /** From the first POST to the QR in the client's hands, per order that became payable. */
    payableMs: number[];
    statuses: Record<string, Record<string, number>>;
    outcomes: Record<string, number>;
    reasons: Record<string, number>;
    ordersFulfilled: number;
    stampsSold: number;
    hotStampsSold: number;
    completedOrdersPerSecond: number;
    meter: ReturnType<typeof meter.capacitySnapshot>;
    partitions: ReturnType<typeof meter.partitionUsage>;
    invocations: Record<string, number>;
    durationsMs: Record<string, { count: number; totalMs: number }>;
    invariant: { ok: boolean; detail: string };
  }

  const runWorkload = async (
    design: Design,
    round: number,
    label: string,
    options: { calibration?: boolean } = {},
  ): Promise<RunResult> => {
    const calibration = options.calibration === true;
    const resellers = calibration
      ? Array.from({ length: 5 }, () => calibrationReseller.id)
      : (roundResellers[round] ?? []).map((reseller) => reseller.id);
    const applicants = calibration
      ? buildApplicants(round, resellers).slice(0, CALIBRATION_ORDERS)
      : buildApplicants(round, resellers);
    const pollMs = calibration ? 200 : settings.pollMs;
    const concurrency = calibration ? CALIBRATION_CONCURRENCY : settings.concurrency;
    const base = design === 'kuota' ? kuotaApi : baseline.url;
    const statusTally = new StatusTally();
    const intakeMs: number[] = [];
    const journeys: Journey[] = applicants.map((applicant) => ({ applicant }));
    const invocationSource = design === 'kuota' ? cloud.runtime.invocations : baseline.invocations;
    const invocationsBefore = new Map(invocationSource);
    const durationsBefore = new Map([...durations].map(([id, tally]) => [id, { ...tally }]));
    meter.resetCapacityMeter();
    const started = Date.now();
    let intakeDone = 0;
    let lastFulfilledAt = started;

    /**
     * Looks at the order until `wanted`. kuota's page waits for the Retry-After each answer carries (the
     * first wait is the one the POST's answer gave); the baseline's client polls every `pollMs`.
     */
    const poll = async (
      url: string,
      headers: Record<string, string>,
      wanted: (body: Record<string, unknown>) => boolean,
      firstWaitMs = pollMs,
    ) => {
      let wait = firstWaitMs;
      for (;;) {
        if (Date.now() - started > settings.runTimeoutSeconds * 1000) return undefined;
        await sleep(wait);
        // kuota's page asks the server to hold the read until the order moves on (Prefer: wait).
        const answer = await call(url, 'GET', {
          headers: design === 'kuota' ? { ...headers, prefer: 'wait=8' } : headers,
        });
        statusTally.add('status', answer.status);
        if (answer.status === 200 && wanted(answer.body)) return answer.body;
        wait = design === 'kuota' ? (answer.waited ? 100 : (answer.retryAfterMs ?? pollMs)) : pollMs;
      }
    };

    const pay = async (paymentId: string) => {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const paid = await call(`${base}/sandbox/payment-gateway/payments/${paymentId}/pay`, 'POST', {
          body: {},
        });
        statusTally.add('pay', paid.status);
        if (paid.status === 200) return true;
        await sleep(200);
      }
      return false;
    };

    const finish = (journey: Journey, outcome: Outcome, reason?: string) => {
      journey.outcome = outcome;
      if (reason) journey.reason = reason;
      if (outcome === 'FULFILLED') {
        journey.fulfilledAt = Date.now();
        lastFulfilledAt = Math.max(lastFulfilledAt, journey.fulfilledAt);
      }
    };

    /**
     * After intake, as the storefront page does: kuota answers 201 with the reservation and its QR (or the
     * refusal) or 202 queued, and says when to look again; the buyer pays, then the page looks once the
     * Retry-After has passed.
     */
    const continueJourney = async (journey: Journey, accepted: HttpAnswer) => {
      const { resellerId } = journey.applicant;
      if (design === 'kuota') {
        const statusUrl = `${base}${String(accepted.body.statusUrl)}`;
        const headers = { 'order-token': String(accepted.body.orderToken) };
        const payable = (body: Record<string, unknown>) =>
          body.status === 'REJECTED' || (body.status === 'RESERVED' && body.payment !== undefined);
        const reserved = payable(accepted.body)
          ? accepted.body
          : await poll(statusUrl, headers, payable, accepted.retryAfterMs ?? pollMs);
        if (!reserved) return finish(journey, 'TIMEOUT');
        if (reserved.status === 'REJECTED') return finish(journey, 'REJECTED', String(reserved.reason));
        journey.payableAt = Date.now();
        const payment = reserved.payment as { paymentId: string };
        if (!(await pay(payment.paymentId))) return finish(journey, 'ERROR', 'payment failed');
        // Paid: look at once, and let the server hold the read until the stamps are there.
        const done = await poll(
          statusUrl,
          headers,
          (body) => body.status !== 'RESERVED' && body.status !== 'PAID',
          0,
        );
        if (!done) return finish(journey, 'TIMEOUT');
        return finish(journey, done.status === 'FULFILLED' ? 'FULFILLED' : 'ERROR', String(done.status));
      }
      journey.payableAt = Date.now();
      const payment = accepted.body.payment as { paymentId: string };
      if (!(await pay(payment.paymentId))) return finish(journey, 'ERROR', 'payment failed');
      const done = await poll(
        `${base}/v1/storefronts/${resellerId}/orders/${String(accepted.body.orderId)}`,
        {},
        (body) => body.status !== 'RESERVED',
      );
      if (!done) return finish(journey, 'TIMEOUT');
      return finish(journey, done.status === 'FULFILLED' ? 'FULFILLED' : 'ERROR', String(done.status));
    };

    const rest: Promise<void>[] = [];
    const intake = async (journey: Journey) => {
      const { resellerId, nik, quantity, key } = journey.applicant;
      journey.startedAt = Date.now();
      for (let attempt = 0; attempt < 30; attempt += 1) {
        const answer = await call(`${base}/v1/storefronts/${resellerId}/orders`, 'POST', {
          headers: { 'idempotency-key': key },
          body: { nik, quantity, ...identityOf(nik) },
        });
        intakeMs.push(answer.ms);
        statusTally.add('intake', answer.status);
        journey.intakeStatus = answer.status;
        if (answer.status === 202 || answer.status === 201) {
          rest.push(continueJourney(journey, answer).catch(() => finish(journey, 'ERROR', 'client error')));
          return;
        }
        if (answer.status === 429 || answer.status >= 500 || answer.status === 0) {
          // A well-behaved client: wait (Retry-After is whole seconds; a jittered second here) and retry.
          await sleep(500 + Math.random() * 1_000);
          continue;
        }
        const code = String((answer.body.error as { code?: string } | undefined)?.code ?? answer.status);
        return finish(journey, 'REFUSED', code);
      }
      finish(journey, 'ERROR', 'intake kept failing');
    };

    const progress = setInterval(() => {
      const fulfilled = journeys.filter((journey) => journey.outcome === 'FULFILLED').length;
      const ended = journeys.filter((journey) => journey.outcome !== undefined).length;
      const line =
        `  [${label} ${design.padEnd(8)}] ${fmt((Date.now() - started) / 1000, 1).padStart(5)} s · ` +
        `intake ${fmt(intakeDone).padStart(5)}/${fmt(applicants.length)} · fulfilled ${fmt(fulfilled).padStart(5)} · ` +
        `done ${fmt(ended).padStart(5)} · p99 so far ${fmt(percentile(intakeMs, 99))} ms`;
      if (tty) process.stdout.write(`\r${line.padEnd(110)}`);
      else if (Math.round((Date.now() - started) / 500) % 10 === 0) console.log(line);
    }, 500);

    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, journeys.length) }, async () => {
        while (next < journeys.length) {
          const journey = journeys[next] as Journey;
          next += 1;
          await intake(journey);
          intakeDone += 1;
        }
      }),
    );
    await Promise.all(rest);
    for (const journey of journeys) if (!journey.outcome) finish(journey, 'TIMEOUT');
    const seconds = (lastFulfilledAt - started) / 1000;
    // Let in-flight deletes and index writes land before the snapshot; kuota's order timers (expiry,
    // reconciliation, the payment watch) fire after the last sale and are this run's cost too.
    await sleep(1_500);
    if (design === 'kuota') await timersSettled(Date.now() + (BENCH_PAYMENT_WINDOW_SECONDS + 5 + 30) * 1000);
    clearInterval(progress);
    if (tty) process.stdout.write('\n');

    const tables =
      design === 'kuota'
        ? [cloud.tables.main as string]
        : [baselineTables.table, baselineTables.idempotencyTable];
    const snapshot = meter.capacitySnapshot({
      tables,
      queues: design === 'kuota' ? [ordersQueue, timersQueue] : [],
    });
    const partitions = meter.partitionUsage({ tables });
    const functionIds = (design === 'kuota' ? kuotaFunctions : baselineFunctions).map((fn) => fn.id);
    const invocations = Object.fromEntries(
      functionIds.map((id) => [id, (invocationSource.get(id) ?? 0) - (invocationsBefore.get(id) ?? 0)]),
    );
    const durationsMs = Object.fromEntries(
      functionIds.map((id) => {
        const now = durations.get(id) ?? { count: 0, totalMs: 0 };
        const before = durationsBefore.get(id) ?? { count: 0, totalMs: 0 };
        return [id, { count: now.count - before.count, totalMs: now.totalMs - before.totalMs }];
      }),
    );

    const fulfilled = journeys.filter((journey) => journey.outcome === 'FULFILLED');
    const stampsSold = fulfilled.reduce((sum, journey) => sum + journey.applicant.quantity, 0);
    const hotStampsSold = fulfilled
      .filter((journey) => journey.applicant.resellerId === resellers[0])
      .reduce((sum, journey) => sum + journey.applicant.quantity, 0);

    // Invariants, read from the stores: nothing oversold, every sale the client saw is counted once.
    const problems: string[] = [];
    for (const [position, resellerId] of (calibration ? [] : resellers).entries()) {
      const stock =
        design === 'kuota'
          ? await kuotaStock(resellerId)
          : await baselineStore.getStock(resellerId).then((item) => ({
              onHand: item?.onHand ?? 0,
              reserved: item?.reserved ?? 0,
              sold: item?.sold ?? 0,
              negative: (item?.onHand ?? 0) < 0 || (item?.reserved ?? 0) < 0,
            }));
      const clientSold = fulfilled
        .filter((journey) => journey.applicant.resellerId === resellerId)
        .reduce((sum, journey) => sum + journey.applicant.quantity, 0);
      if (stock.negative) problems.push(`${resellerId}: negative stock`);
      if (stock.onHand + stock.reserved + stock.sold !== stockOf(position))
        problems.push(
          `${resellerId}: ${stock.onHand}+${stock.reserved}+${stock.sold} ≠ ${stockOf(position)}`,
        );
      if (stock.sold !== clientSold)
        problems.push(`${resellerId}: sold ${stock.sold}, clients saw ${clientSold}`);
    }

    const count = (predicate: (journey: Journey) => boolean) => journeys.filter(predicate).length;
    const reasons: Record<string, number> = {};
    for (const journey of journeys) {
      if (journey.outcome !== 'FULFILLED' && journey.reason)
        reasons[journey.reason] = (reasons[journey.reason] ?? 0) + 1;
    }
    return {
      design,
      round,
      resellers,
      seconds,
      intakeMs,
      payableMs: journeys.flatMap((journey) =>
        journey.payableAt && journey.startedAt ? [journey.payableAt - journey.startedAt] : [],
      ),
      statuses: statusTally.counts,
      outcomes: {
        FULFILLED: fulfilled.length,
        REFUSED: count((journey) => journey.outcome === 'REFUSED'),
        REJECTED: count((journey) => journey.outcome === 'REJECTED'),
        ERROR: count((journey) => journey.outcome === 'ERROR'),
        TIMEOUT: count((journey) => journey.outcome === 'TIMEOUT'),
      },
      reasons,
      ordersFulfilled: fulfilled.length,
      stampsSold,
      hotStampsSold,
      completedOrdersPerSecond: fulfilled.length / Math.max(0.001, seconds),
      meter: snapshot,
      partitions,
      invocations,
      durationsMs,
      invariant: {
        ok: problems.length === 0,
        detail: problems.join('; ') || 'no oversell, sold = what clients saw',
      },
    };
  };

  meter.enableCapacityMeter();
  // Lambda bills each invocation's own duration on its own CPU. Under the surge every handler here shares
  // one Node.js event loop with hundreds of clients, so those durations are mostly queueing: the cost and the
  // capacity model use durations measured in a quiet pass instead (a few applicants at a time). The
  // pass runs first, so it also warms both designs up (JIT, connections) before the measured runs.
  const quiet = new Map<string, number>();
  for (const design of ['kuota', 'baseline'] as const) {
    const calibrated = await runWorkload(design, settings.rounds, 'quiet pass', { calibration: true });
    for (const [id, tally] of Object.entries(calibrated.durationsMs)) {
      if (tally.count > 0) quiet.set(id, tally.totalMs / tally.count);
    }
  }
  const results: RunResult[] = [];
  const runs = settings.rounds * 2;
  const loadAverages: number[] = [loadavg()[0] ?? 0];
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const design of ['kuota', 'baseline'] as const) {
      const result = await runWorkload(design, round, `run ${results.length + 1}/${runs}`);
      loadAverages.push(loadavg()[0] ?? 0);
      results.push(result);
      console.log(
        `  run ${results.length}/${runs} ${design}: ${fmt(result.ordersFulfilled)} orders fulfilled (${fmt(result.stampsSold)} stamps) in ` +
          `${fmt(result.seconds, 1)} s · intake p99 ${fmt(percentile(result.intakeMs, 99))} ms · ` +
          `${fmt(result.meter.dynamodb.writeUnits / Math.max(1, result.stampsSold), 2)} WRU/stamp · ${result.invariant.detail}`,
      );
    }
  }
  meter.enableCapacityMeter(false);

  // --- Aggregation ------------------------------------------------------------------------------------
  const PER_BUYER_PREFIXES = ['SORDER#', 'NIKDAY#', 'RATE#', 'PAYMENT#', 'SERIAL#', 'ORDER#', 'REFUND#'];
  const summarize = (design: Design) => {
    const mine = results.filter((result) => result.design === design);
    const sum = (pick: (result: RunResult) => number) =>
      mine.reduce((total, result) => total + pick(result), 0);
    const stamps = sum((result) => result.stampsSold);
    const orders = sum((result) => result.ordersFulfilled);
    const intake = mine.flatMap((result) => result.intakeMs);
    const statuses = new StatusTally();
    for (const result of mine) {
      for (const [kind, byStatus] of Object.entries(result.statuses)) {
        for (const [status, count] of Object.entries(byStatus)) {
          for (let i = 0; i < count; i += 1) statuses.add(kind, Number(status));
        }
      }
    }
    const functions = (design === 'kuota' ? kuotaFunctions : baselineFunctions).map((fn) => {
      const invocations = sum((result) => result.invocations[fn.id] ?? 0);
      const timed = mine.reduce(
        (total, result) => {
          const tally = result.durationsMs[fn.id] ?? { count: 0, totalMs: 0 };
          return { count: total.count + tally.count, totalMs: total.totalMs + tally.totalMs };
        },
        { count: 0, totalMs: 0 },
      );
      const surgeMeanDurationMs = timed.count > 0 ? timed.totalMs / timed.count : 0;
      const meanDurationMs = quiet.get(fn.id) ?? surgeMeanDurationMs;
      const consumed = backgroundFunctions.find((spec) => spec.id === fn.id)?.trigger;
      return {
        id: fn.id,
        trigger: fn.trigger,
        memoryMb: fn.memoryMb,
        ...(consumed?.kind === 'queue' ? { maxConcurrency: Queues[consumed.queue].maxConcurrency } : {}),
        invocations,
        invocationsPerStamp: invocations / stamps,
        meanDurationMs,
        surgeMeanDurationMs,
        gbSeconds: invocations * (meanDurationMs / 1000) * (fn.memoryMb / 1024),
        surgeGbSeconds: invocations * (surgeMeanDurationMs / 1000) * (fn.memoryMb / 1024),
      };
    });
    const apiRequests = functions
      .filter((fn) => fn.trigger === 'api')
      .reduce((total, fn) => total + fn.invocations, 0);
    const invocations = functions.reduce((total, fn) => total + fn.invocations, 0);
    const gbSeconds = functions.reduce((total, fn) => total + fn.gbSeconds, 0);
    const surgeGbSeconds = functions.reduce((total, fn) => total + fn.surgeGbSeconds, 0);
    const wru = sum((result) => result.meter.dynamodb.writeUnits);
    const rru = sum((result) => result.meter.dynamodb.readUnits);
    const indexWru = sum((result) => result.meter.dynamodb.indexWriteUnits);
    const dynamoRequests = sum((result) => result.meter.dynamodb.requests);
    const sqsRequests = sum((result) => result.meter.sqs.requests - result.meter.sqs.emptyReceives);
    const emptyReceives = sum((result) => result.meter.sqs.emptyReceives);
    const byTable: Record<string, { writeUnits: number; readUnits: number }> = {};
    for (const result of mine) {
      for (const [table, tally] of Object.entries(result.meter.dynamodb.byTable)) {
        const name = table.replace(/^bench-/, '');
        byTable[name] ??= { writeUnits: 0, readUnits: 0 };
        (byTable[name] as { writeUnits: number }).writeUnits += tally.writeUnits;
        (byTable[name] as { readUnits: number }).readUnits += tally.readUnits;
      }
    }
    const byCommand: Record<string, { requests: number; writeUnits: number; readUnits: number }> = {};
    for (const result of mine) {
      for (const [command, tally] of Object.entries(result.meter.dynamodb.byCommand)) {
        byCommand[command] ??= { requests: 0, writeUnits: 0, readUnits: 0 };
        const entry = byCommand[command] as { requests: number; writeUnits: number; readUnits: number };
        entry.requests += tally.requests;
        entry.writeUnits += tally.writeUnits;
        entry.readUnits += tally.readUnits;
      }
    }

    // Shared partition keys (not one buyer's or one order's), grouped; the hot reseller's apart.
    const classes = new Map<
      string,
      {
        scope: 'reseller' | 'national';
        keys: Set<string>;
        index?: string;
        writeUnits: number;
        readUnits: number;
        sharded: boolean;
      }
    >();
    const hotStamps = sum((result) => result.hotStampsSold);
    for (const result of mine) {
      const hot = result.resellers[0] as string;
      for (const entry of result.partitions) {
        if (entry.table.endsWith('-idempotency')) continue;
        if (!entry.index && PER_BUYER_PREFIXES.some((prefix) => entry.partition.startsWith(prefix))) continue;
        const mentions = (id: string) =>
          entry.partition.includes(`#${id}#`) || entry.partition.endsWith(`#${id}`);
        const scope = mentions(hot) ? 'reseller' : 'national';
        if (scope === 'national' && result.resellers.some(mentions)) continue; // the other, cooler resellers
        const generic = entry.partition.replace(`#${hot}`, '#<hot>').replace(/#\d+$/, '#<n>');
        const name = `${entry.index ? `${entry.index} ` : ''}${generic}`;
        const current = classes.get(name) ?? {
          scope,
          keys: new Set<string>(),
          ...(entry.index ? { index: entry.index } : {}),
          writeUnits: 0,
          readUnits: 0,
          sharded: scope === 'reseller' && generic.endsWith('#<n>'),
        };
        current.keys.add(`${result.round}:${entry.partition}`);
        current.writeUnits += entry.writeUnits;
        current.readUnits += entry.readUnits;
        classes.set(name, current);
      }
    }
    const partitionClasses = [...classes.entries()]
      .map(([name, entry]) => ({
        name,
        scope: entry.scope,
        keys: Math.max(1, Math.round(entry.keys.size / mine.length)),
        sharded: entry.sharded,
        // kuota's stock shards change inside transactions (they also conflict with one another).
        transactional: design === 'kuota' && name.startsWith('STOCK#'),
        writeUnitsPerStamp: entry.writeUnits / (entry.scope === 'reseller' ? hotStamps : stamps),
        readUnitsPerStamp: entry.readUnits / (entry.scope === 'reseller' ? hotStamps : stamps),
      }))
      .filter((entry) => entry.writeUnitsPerStamp + entry.readUnitsPerStamp > 0.001)
      .sort((a, b) => b.writeUnitsPerStamp / b.keys - a.writeUnitsPerStamp / a.keys)
      .slice(0, 12);

    const usage = {
      stampsSold: stamps,
      dynamoDbWriteUnits: wru,
      dynamoDbReadUnits: rru,
      sqsRequests,
      lambdaInvocations: invocations,
      lambdaGbSeconds: gbSeconds,
      apiGatewayRequests: apiRequests,
    };
    return {
      design,
      runs: mine.length,
      ordersFulfilled: orders,
      stampsSold: stamps,
      intakeP50Ms: percentile(intake, 50),
      intakeP95Ms: percentile(intake, 95),
      intakeP99Ms: percentile(intake, 99),
      timeToPayableP50Ms: percentile(
        mine.flatMap((result) => result.payableMs),
        50,
      ),
      timeToPayableP99Ms: percentile(
        mine.flatMap((result) => result.payableMs),
        99,
      ),
      completedOrdersPerSecond: mean(mine.map((result) => result.completedOrdersPerSecond)),
      outcomes: Object.fromEntries(
        ['FULFILLED', 'REFUSED', 'REJECTED', 'ERROR', 'TIMEOUT'].map((key) => [
          key,
          sum((result) => result.outcomes[key] ?? 0),
        ]),
      ),
      reasons: mine.reduce<Record<string, number>>((all, result) => {
        for (const [reason, count] of Object.entries(result.reasons))
          all[reason] = (all[reason] ?? 0) + count;
        return all;
      }, {}),
      httpStatuses: statuses.counts,
      http429: statuses.count((status) => status === 429),
      http5xx: statuses.count((status) => status >= 500),
      httpNetworkErrors: statuses.count((status) => status === 0),
      http4xxOther: statuses.count(
        (status) => status >= 400 && status < 500 && status !== 429 && status !== 409 && status !== 404,
      ),
      perStamp: {
        dynamoDbWriteUnits: wru / stamps,
        dynamoDbIndexWriteUnits: indexWru / stamps,
        dynamoDbReadUnits: rru / stamps,
        dynamoDbRequests: dynamoRequests / stamps,
        sqsRequests: sqsRequests / stamps,
        handlerInvocations: invocations / stamps,
        apiRequests: apiRequests / stamps,
        lambdaGbSeconds: gbSeconds / stamps,
        lambdaGbSecondsUnderSurge: surgeGbSeconds / stamps,
      },
      sqsEmptyReceives: emptyReceives,
      byTable: Object.fromEntries(
        Object.entries(byTable).map(([name, units]) => [
          name,
          { writeUnitsPerStamp: units.writeUnits / stamps, readUnitsPerStamp: units.readUnits / stamps },
        ]),
      ),
      byCommand,
      functions,
      partitionClasses,
      usage,
      costPerMillionStamps: costPerMillionStamps(usage, prices),
      invariantsOk: mine.every((result) => result.invariant.ok),
      invariantDetails: mine.map((result) => result.invariant.detail),
    };
  };
  const kuota = summarize('kuota');
  const base = summarize('baseline');

  // --- Report --------------------------------------------------------------------------------------------
  const rows: [string, number, number, number][] = [
    ['intake p50 (ms)', kuota.intakeP50Ms, base.intakeP50Ms, 0],
    ['intake p95 (ms)', kuota.intakeP95Ms, base.intakeP95Ms, 0],
    ['intake p99 (ms)', kuota.intakeP99Ms, base.intakeP99Ms, 0],
    ['time to a payable order p50 (ms)', kuota.timeToPayableP50Ms, base.timeToPayableP50Ms, 0],
    ['time to a payable order p99 (ms)', kuota.timeToPayableP99Ms, base.timeToPayableP99Ms, 0],
    ['completed orders/s (to FULFILLED)', kuota.completedOrdersPerSecond, base.completedOrdersPerSecond, 1],
    ['orders fulfilled', kuota.ordersFulfilled, base.ordersFulfilled, 0],
    ['stamps sold', kuota.stampsSold, base.stampsSold, 0],
    [
      'orders refused/rejected (sold out, cap)',
      (kuota.outcomes.REFUSED ?? 0) + (kuota.outcomes.REJECTED ?? 0),
      (base.outcomes.REFUSED ?? 0) + (base.outcomes.REJECTED ?? 0),
      0,
    ],
    [
      'orders failed or timed out',
      (kuota.outcomes.ERROR ?? 0) + (kuota.outcomes.TIMEOUT ?? 0),
      (base.outcomes.ERROR ?? 0) + (base.outcomes.TIMEOUT ?? 0),
      0,
    ],
    ['HTTP 429 answers (client retried)', kuota.http429, base.http429, 0],
    ['HTTP 5xx answers', kuota.http5xx, base.http5xx, 0],
    ['network errors', kuota.httpNetworkErrors, base.httpNetworkErrors, 0],
    ['DynamoDB write units / stamp', kuota.perStamp.dynamoDbWriteUnits, base.perStamp.dynamoDbWriteUnits, 2],
    [
      '  of which index writes',
      kuota.perStamp.dynamoDbIndexWriteUnits,
      base.perStamp.dynamoDbIndexWriteUnits,
      2,
    ],
    ['DynamoDB read units / stamp', kuota.perStamp.dynamoDbReadUnits, base.perStamp.dynamoDbReadUnits, 2],
    ['DynamoDB requests / stamp', kuota.perStamp.dynamoDbRequests, base.perStamp.dynamoDbRequests, 2],
    ['SQS requests / stamp', kuota.perStamp.sqsRequests, base.perStamp.sqsRequests, 2],
    ['handler invocations / stamp', kuota.perStamp.handlerInvocations, base.perStamp.handlerInvocations, 2],
    ['API requests / stamp', kuota.perStamp.apiRequests, base.perStamp.apiRequests, 2],
    [
      'Lambda GB-s / stamp (quiet durations)',
      kuota.perStamp.lambdaGbSeconds,
      base.perStamp.lambdaGbSeconds,
      4,
    ],
    [
      'Lambda GB-s / stamp (surge durations)',
      kuota.perStamp.lambdaGbSecondsUnderSurge,
      base.perStamp.lambdaGbSecondsUnderSurge,
      4,
    ],
    [
      `cost / 1M stamps, USD (${prices.region})`,
      kuota.costPerMillionStamps.total,
      base.costPerMillionStamps.total,
      2,
    ],
    [
      '  DynamoDB',
      kuota.costPerMillionStamps.dynamoDbWrites + kuota.costPerMillionStamps.dynamoDbReads,
      base.costPerMillionStamps.dynamoDbWrites + base.costPerMillionStamps.dynamoDbReads,
      2,
    ],
    ['  SQS', kuota.costPerMillionStamps.sqs, base.costPerMillionStamps.sqs, 2],
    [
      '  Lambda (requests + GB-s)',
      kuota.costPerMillionStamps.lambdaRequests + kuota.costPerMillionStamps.lambdaCompute,
      base.costPerMillionStamps.lambdaRequests + base.costPerMillionStamps.lambdaCompute,
      2,
    ],
    ['  API Gateway (REST)', kuota.costPerMillionStamps.apiGateway, base.costPerMillionStamps.apiGateway, 2],
  ];
  const table = [
    `| metric | kuota | baseline | kuota ÷ baseline |`,
    `|---|---:|---:|---:|`,
    ...rows.map(
      ([label, k, b, digits]) =>
        `| ${label} | ${fmt(k, digits)} | ${fmt(b, digits)} | ${Number.isFinite(ratio(k, b)) ? `${fmt(ratio(k, b), 2)}×` : '—'} |`,
    ),
  ].join('\n');
  console.log('');
  console.log(table);
  console.log('');
  const hottest = (summary: typeof kuota) =>
    summary.partitionClasses
      .slice(0, 4)
      .map(
        (entry) =>
          `${entry.name} (${entry.scope}, ${entry.keys} key${entry.keys === 1 ? '' : 's'}): ${fmt(entry.writeUnitsPerStamp, 2)} WRU/stamp`,
      )
      .join('; ');
  console.log(`  shared partitions, kuota:    ${hottest(kuota)}`);
  console.log(`  shared partitions, baseline: ${hottest(base)}`);
  console.log(
    `  invariants: kuota ${kuota.invariantsOk ? 'ok' : `VIOLATED (${kuota.invariantDetails.join('; ')})`}, ` +
      `baseline ${base.invariantsOk ? 'ok' : `VIOLATED (${base.invariantDetails.join('; ')})`}`,
  );
  console.log(
    `  prices: ${prices.region}, ${prices.asOf}; Lambda compute at durations from the quiet pass ` +
      `(${[...quiet].map(([id, ms]) => `${id} ${fmt(ms)} ms`).join(', ')})`,
  );
  console.log(
    `  load average during the runs: ${loadAverages.map((value) => fmt(value, 1)).join(' → ')} on ${cpus().length} cores`,
  );

  const kuotaOrdersPlaced = settings.orders * settings.rounds;
  const identityCheck = {
    registryCalls: identityCheckMs.length,
    registryCallsPerOrder: identityCheckMs.length / Math.max(1, kuotaOrdersPlaced),
    callP50Ms: percentile(identityCheckMs, 50),
    callP99Ms: percentile(identityCheckMs, 99),
    // The confirmed claim is read with the reservation's first read and written in its own write.
    kuotaDynamoDbRequestsPerOrder: 0,
  };
  console.log(
    `  identity check (kuota only): ${fmt(identityCheck.registryCalls)} registry calls for ${fmt(kuotaOrdersPlaced)} orders ` +
      `(${fmt(identityCheck.registryCallsPerOrder, 2)} per order), each p50 ${fmt(identityCheck.callP50Ms)} / p99 ` +
      `${fmt(identityCheck.callP99Ms)} ms in sequence before the reservation; no kuota DynamoDB request or unit of its own`,
  );

  const report = {
    generatedAt: new Date().toISOString(),
    identityCheck,
    command: 'npm run bench',
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverages,
    },
    quietDurationsMs: Object.fromEntries(quiet),
    settings,
    prices,
    wallClockSeconds: (Date.now() - benchStarted) / 1000,
    kuota,
    baseline: base,
    table,
    runs: results.map((result) => ({
      design: result.design,
      round: result.round,
      seconds: result.seconds,
      intakeP99Ms: percentile(result.intakeMs, 99),
      ordersFulfilled: result.ordersFulfilled,
      stampsSold: result.stampsSold,
      completedOrdersPerSecond: result.completedOrdersPerSecond,
      outcomes: result.outcomes,
      reasons: result.reasons,
      statuses: result.statuses,
      writeUnits: result.meter.dynamodb.writeUnits,
      readUnits: result.meter.dynamodb.readUnits,
      invocations: result.invocations,
      invariant: result.invariant,
    })),
  };
  mkdirSync(resolve(repositoryRoot, 'test-artifacts/bench'), { recursive: true });
  writeFileSync(
    resolve(repositoryRoot, 'test-artifacts/bench/bench.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  writeFileSync(resolve(repositoryRoot, 'docs/bench-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('  wrote test-artifacts/bench/bench.json and docs/bench-latest.json');
  console.log(`  wall clock ${fmt((Date.now() - benchStarted) / 1000, 0)} s`);
  await stopAll();
  process.exit(kuota.invariantsOk && base.invariantsOk ? 0 : 1);
};

main().catch(async (error: unknown) => {
  console.error('\nbench failed:', error);
  process.exit(1);
});
