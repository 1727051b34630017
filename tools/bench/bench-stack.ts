import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useOnAwsClients } from '../../lib/adapters/aws-clients.js';
import { stockStore } from '../../lib/adapters/stock-store.js';
import { routes } from '../../lib/api/routes.js';
import { backgroundFunctions } from '../../lib/infra/functions.js';
import { physicalName, Queues, Tables } from '../../lib/infra/resources.js';
import { startEphemeralCloud } from '../../lib/runtime/ephemeral-cloud.js';
import { DEFAULT_SERVICE_FEE_CAP_IDR, seedParties } from '../../lib/runtime/seed.js';
import { sandboxCivilRegistry } from '../../lib/sandbox/civil-registry-sandbox.js';
import { resetBaselineIdempotency } from '../baseline/idempotency.js';
import { resetBaselineOrders } from '../baseline/orders.js';
import { baselineRoutes } from '../baseline/routes.js';
import { startBaselineRuntime } from '../baseline/runtime.js';
import { baselineStore } from '../baseline/store.js';
import { provisionBaselineTables } from '../baseline/tables.js';
import * as meter from './capacity-meter.js';
import { timeHandler } from './lambda-timing.js';
import { BENCH_PAYMENT_WINDOW_SECONDS, call, fmt, repositoryRoot, settings, sleep } from './workload.js';

/**
 * The bench's stack: in-memory DynamoDB Local and fauxqs, kuota's local cloud and the baseline's API,
 * with the capacity meter on every client and a timer on every handler the designs invoke.
 */
export const startBenchStack = async () => {
  // The meter rides on the handlers' own clients, registered through the adapters' hook for tools.
  useOnAwsClients('dynamodb', meter.capacityMeterPlugin);
  useOnAwsClients('sqs', meter.capacityMeterPlugin);
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

  /**
   * A reseller's kuota stock, summed over its shards, as the ledger sees it (`readStock`: a sale the fold
   * has not reached yet is sold), read consistently.
   */
  const kuotaStock = async (resellerId: string) => {
    const shards = await stockStore.readStock(resellerId);
    return {
      onHand: shards.reduce((sum, shard) => sum + shard.onHand, 0),
      reserved: shards.reduce((sum, shard) => sum + shard.reserved, 0),
      sold: shards.reduce((sum, shard) => sum + shard.sold, 0),
      negative: shards.some((shard) => shard.onHand < 0 || shard.reserved < 0),
    };
  };

  return {
    benchStarted,
    stopAll,
    cloud,
    credentials,
    baseline,
    baselineTables,
    identityCheckMs,
    ordersQueue,
    timersQueue,
    timersSettled,
    kuotaFunctions,
    baselineFunctions,
    durations,
    kuotaStock,
  };
};

export type BenchStack = Awaited<ReturnType<typeof startBenchStack>>;

/**
 * Stock: the same quantities for both designs, fresh resellers every round, the warm-up's included (kuota's through a quota
 * order, its tax payment and the allocation; the baseline's written to its table).
 */
export const stockResellers = async ({ cloud, credentials }: BenchStack) => {
  const kuotaApi = cloud.runtime.url;
  // One set more than the rounds: the warm-up round's (the last), which is not measured.
  const roundResellers = Array.from({ length: settings.rounds + 1 }, (_, round) =>
    credentials.resellers.slice(round * 5, round * 5 + 1 + settings.otherResellers),
  );
  const stockOf = (position: number) => (position === 0 ? settings.hotStock : settings.otherStock);
  process.stdout.write(
    `  stocking ${(settings.rounds + 1) * 5 + 1} resellers (kuota: quota order → tax payment → allocation)... `,
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

  return { kuotaApi, roundResellers, stockOf, calibrationReseller };
};

export type BenchContext = BenchStack & Awaited<ReturnType<typeof stockResellers>>;
