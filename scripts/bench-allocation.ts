/**
 * `npm run bench:allocation`: stamps allocated per second on the local emulators, end to end (tax payment
 * recorded → quota order ALLOCATED), and chunk transactions per second.
 *
 * Starts its own in-memory DynamoDB Local, fauxqs and a local kuota (the real handlers behind the local
 * runtime), buys and pays quota for several resellers over HTTP, and watches the allocation consumer mint
 * it. The issuer's rate is set high so the emulator, not the token bucket, is what is measured.
 *
 * Knobs (environment): BENCH_RESELLERS (10), BENCH_STAMPS_PER_RESELLER (100000), KUOTA_STOCK_SHARDS (32),
 * KUOTA_ALLOCATION_CHUNK (10000), KUOTA_ISSUER_STAMPS_PER_MINUTE (1000000000), BENCH_DEADLINE_SECONDS (45).
 */
process.env.KUOTA_LOG_LEVEL ??= 'SILENT';

import { intFromEnv, scriptArgs } from '../tools/common/args.js';

import { httpClient } from '../tools/common/http-client.js';

// No options, only --help: a bench started by mistake takes minutes.
scriptArgs({
  name: 'bench:allocation',
  usage:
    'npm run bench:allocation\n\nStamps allocated per second on emulators of its own. It takes no options; its knobs are environment\nvariables: BENCH_RESELLERS (10), BENCH_STAMPS_PER_RESELLER (100000), KUOTA_STOCK_SHARDS (32),\nKUOTA_ALLOCATION_CHUNK (10000), KUOTA_ISSUER_STAMPS_PER_MINUTE (1000000000), BENCH_DEADLINE_SECONDS (45).',
  options: {},
});

const settings = {
  resellers: Math.min(26, intFromEnv('BENCH_RESELLERS', 10)),
  stampsPerReseller: intFromEnv('BENCH_STAMPS_PER_RESELLER', 100_000),
  shards: intFromEnv('KUOTA_STOCK_SHARDS', 32),
  chunk: intFromEnv('KUOTA_ALLOCATION_CHUNK', 10_000),
  issuerPerMinute: intFromEnv('KUOTA_ISSUER_STAMPS_PER_MINUTE', 1_000_000_000),
  deadlineSeconds: intFromEnv('BENCH_DEADLINE_SECONDS', 45),
};

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const tty = process.stdout.isTTY;

const progressLine = (line: string) => {
  if (tty) process.stdout.write(`\r${line.padEnd(100)}`);
  else console.log(line);
};

const main = async () => {
  // Imported after the environment is set: the logger reads its level at load time.
  const { startEphemeralCloud } = await import('../lib/runtime/ephemeral-cloud.js');
  const { seedParties } = await import('../lib/runtime/seed.js');
  const { quotaOrderStore } = await import('../lib/adapters/quota-order-store.js');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { checkLedger } = await import('../lib/usecases/ledger-check.js');

  const total = settings.resellers * settings.stampsPerReseller;
  console.log('bench:allocation');
  console.log(
    `  configuration: ${settings.resellers} resellers × ${fmt(settings.stampsPerReseller)} stamps = ${fmt(total)} stamps; ` +
      `${settings.shards} stock shards; chunk ${fmt(settings.chunk)}; issuer ${fmt(settings.issuerPerMinute)} stamps/min; ` +
      'local runtime: 2 pollers × batch 10 on the allocation queue',
  );

  let stopAll = async () => {};
  try {
    const started = Date.now();
    process.stdout.write('  starting DynamoDB Local (in memory) and fauxqs... ');
    const ephemeral = await startEphemeralCloud({
      prefix: 'bench',
      extraEnv: {
        KUOTA_STOCK_SHARDS: String(settings.shards),
        KUOTA_ALLOCATION_CHUNK: String(settings.chunk),
        KUOTA_ISSUER_STAMPS_PER_MINUTE: String(settings.issuerPerMinute),
      },
    });
    stopAll = ephemeral.stop;
    const { cloud } = ephemeral;
    const credentials = await seedParties();
    console.log(`ready in ${fmt((Date.now() - started) / 1000, 1)} s`);

    const api = httpClient(cloud.runtime.url);
    const resellers = credentials.resellers.slice(0, settings.resellers);
    if (settings.stampsPerReseller > 100_000) {
      for (const reseller of resellers) {
        const raised = await api.put(`/v1/regulator/vendors/${reseller.id}/limits`, {
          apiKey: credentials.regulatorKey,
          body: { holdingCap: settings.stampsPerReseller },
        });
        if (raised.status !== 200) throw new Error(`raising the holding cap answered ${raised.status}`);
      }
    }
    const orders = await Promise.all(
      resellers.map(async (reseller) => {
        const created = await api.post<{ id: string; billingCode: string }>('/v1/wholesale/quota-orders', {
          apiKey: reseller.apiKey,
          headers: { 'idempotency-key': `bench-${reseller.id}-${Date.now()}` },
          body: { quantity: settings.stampsPerReseller },
        });
        if (created.status !== 201)
          throw new Error(`creating an order answered ${created.status}: ${created.text}`);
        return {
          resellerId: reseller.id,
          id: String(created.body.id),
          billingCode: String(created.body.billingCode),
        };
      }),
    );
    console.log(`  ${orders.length} quota orders created; paying them at the sandbox tax authority...`);

    const payStarted = Date.now();
    await Promise.all(
      orders.map(async (order) => {
        const paid = await api.post(`/sandbox/tax-authority/billings/${order.billingCode}/pay`, {
          body: { amountIdr: settings.stampsPerReseller * 10_000 },
        });
        if (paid.status !== 200) throw new Error(`paying answered ${paid.status}: ${paid.text}`);
      }),
    );

    const deadline = payStarted + settings.deadlineSeconds * 1000;
    let allocated = 0;
    let done = 0;
    let lastShown = { at: payStarted, allocated: 0 };
    while (Date.now() < deadline) {
      const current = await Promise.all(
        orders.map((order) => quotaOrderStore.getQuotaOrder(order.resellerId, order.id)),
      );
      allocated = current.reduce((sum, order) => sum + (order?.allocatedQuantity ?? 0), 0);
      done = current.filter((order) => order?.status === 'ALLOCATED').length;
      const now = Date.now();
      const recent = ((allocated - lastShown.allocated) * 1000) / Math.max(1, now - lastShown.at);
      progressLine(
        `  [${fmt((now - payStarted) / 1000, 1).padStart(5)} s] ${fmt(allocated).padStart(11)} / ${fmt(total)} stamps ` +
          `(${fmt((allocated / total) * 100, 1)}%)  ${done}/${orders.length} ALLOCATED  ~${fmt(recent)} stamps/s`,
      );
      lastShown = { at: now, allocated };
      if (done === orders.length) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (tty) process.stdout.write('\n');
    const observedSeconds = (Date.now() - payStarted) / 1000;

    // Exact numbers from the stored timestamps: first tax payment recorded → last order ALLOCATED.
    const stored = await Promise.all(
      orders.map((order) => quotaOrderStore.getQuotaOrder(order.resellerId, order.id)),
    );
    const paidAt = Math.min(...stored.map((order) => Date.parse(order?.paidAt ?? '')));
    const finishedAt = Math.max(
      ...stored.map((order) =>
        Date.parse(
          (order as { allocatedAt?: string; lastAllocationAt?: string } | undefined)?.allocatedAt ??
            (order as { lastAllocationAt?: string } | undefined)?.lastAllocationAt ??
            '',
        ),
      ),
    );
    const report = await checkLedger({
      client: DynamoDBDocumentClient.from(cloud.dynamo),
      mainTable: String(cloud.tables.main),
    });
    const chunks = report.resellers.reduce((sum, line) => sum + line.entryCount, 0);
    const windowSeconds = Math.max(0.001, (finishedAt - paidAt) / 1000);

    console.log('');
    console.log('results');
    console.log(
      `  configuration            ${settings.shards} shards, chunk ${fmt(settings.chunk)}, ${settings.resellers} resellers, issuer ${fmt(settings.issuerPerMinute)}/min`,
    );
    console.log(
      `  stamps allocated         ${fmt(allocated)} of ${fmt(total)} (${done}/${orders.length} orders ALLOCATED)`,
    );
    console.log(
      `  paid → ALLOCATED window  ${fmt(windowSeconds, 2)} s (first payment recorded → last order ALLOCATED)`,
    );
    console.log(`  stamps allocated / s     ${fmt(allocated / windowSeconds)}`);
    console.log(
      `  chunk transactions       ${fmt(chunks)} (avg ${fmt(allocated / Math.max(1, chunks))} stamps, ${settings.shards + 3} items max each)`,
    );
    console.log(`  chunk transactions / s   ${fmt(chunks / windowSeconds, 1)}`);
    console.log(
      `  wall clock from payment  ${fmt(observedSeconds, 1)} s (includes webhook delivery and polling)`,
    );
    console.log(
      `  ledger check             ${report.balanced ? 'ledger balanced' : `NOT balanced: ${report.differences.join('; ')}`}`,
    );
    await stopAll();
    process.exit(done === orders.length && report.balanced ? 0 : 1);
  } catch (error) {
    console.error('\nbench:allocation failed:', error);
    await stopAll();
    process.exit(1);
  }
};

void main();
