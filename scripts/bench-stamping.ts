/**
 * `npm run bench:stamping`: stampings per second on this machine, end to end (submit → STAMPED through the
 * API, the stamping queue and its worker), for a 1-page and a 20-page PDF of about 500 KB each; p50/p99
 * from submit to STAMPED; the worker's billed duration (Lambda GB-s) and the cost of a million stampings;
 * and the capacity model of stamping on AWS with the limit that binds first.
 *
 * Starts its own in-memory DynamoDB Local and fauxqs (SQS and S3) and a local kuota (the real handlers),
 * buys the stamps through the real sale path, then stamps. Knobs (environment): BENCH_STAMPINGS (40 per
 * profile), BENCH_TARGET_KB (500).
 */
process.env.KUOTA_LOG_LEVEL ??= 'SILENT';

import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { intFromEnv, scriptArgs } from '../tools/common/args.js';

// No options, only --help: a bench started by mistake takes minutes.
scriptArgs({
  name: 'bench:stamping',
  usage:
    'npm run bench:stamping\n\nStampings/s for a 1-page and a 20-page PDF on emulators of its own. It takes no options; its knobs are\nenvironment variables: BENCH_STAMPINGS (40 per profile), BENCH_TARGET_KB (500).',
  options: {},
});

/** Stampings of each profile done one at a time before the concurrent run. */
const ALONE = 5;
const settings = {
  stampings: intFromEnv('BENCH_STAMPINGS', 40),
  targetKb: intFromEnv('BENCH_TARGET_KB', 500),
};
const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A text PDF padded with an incompressible attachment to about `targetBytes` (a scanned document's size). */
const documentOf = async (pages: number, targetBytes: number): Promise<Uint8Array> => {
  const document = await PDFDocument.create();
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (let page = 1; page <= pages; page += 1) {
    const added = document.addPage([595.28, 841.89]);
    for (let line = 0; line < 40; line += 1)
      added.drawText(`Halaman ${page}, baris ${line + 1}: surat pernyataan pelamar`, {
        x: 60,
        y: 780 - line * 18,
        size: 10,
        font,
      });
  }
  const bare = await document.save();
  if (targetBytes > bare.length)
    await document.attach(randomBytes(targetBytes - bare.length), 'lampiran.bin', {
      mimeType: 'application/octet-stream',
    });
  return document.save();
};

const main = async () => {
  const { startEphemeralCloud } = await import('../lib/runtime/ephemeral-cloud.js');
  const { seedParties } = await import('../lib/runtime/seed.js');
  const { createHttpClient } = await import('../tools/surge/http.js');
  const { percentile, mean } = await import('../tools/common/stats.js');
  const { timeHandler } = await import('../tools/bench/lambda-timing.js');
  const { PRICES, DEFAULT_PRICE_REGION, lambdaPricePerGbSecond } = await import('../tools/bench/prices.js');
  const { STAMPING_DEFAULT_LIMITS, stampingCeilings, workerCostPerMillion } = await import(
    '../tools/bench/stamping-capacity.js'
  );
  const { backgroundFunctions, LAMBDA_ARCHITECTURE } = await import('../lib/infra/functions.js');
  const { Queues } = await import('../lib/infra/resources.js');
  const { stampPdf } = await import('../lib/documents/stamp-pdf.js');
  const { issuerSigning } = await import('../lib/usecases/signing.js');

  const started = Date.now();
  process.stdout.write('bench:stamping\n  starting DynamoDB Local (in memory) and fauxqs (SQS, S3)... ');
  const ephemeral = await startEphemeralCloud({
    prefix: 'benchstamp',
    extraEnv: { KUOTA_STOCK_SHARDS: '4' },
  });
  try {
    const credentials = await seedParties();
    const baseUrl = ephemeral.cloud.runtime.url;
    const api = createHttpClient({
      baseUrl,
      concurrency: 64,
      maxRequests: 1_000_000,
      deadline: Date.now() + 3_600_000,
      clientAddresses: 1,
    });
    ephemeral.onStop(async () => api.close());
    const worker = backgroundFunctions.find((fn) => fn.id === 'stamping');
    if (!worker) throw new Error('no stamping worker in the manifest');
    const workerModule = (await import(pathToFileURL(resolve(worker.entry)).href)) as { handler: unknown };
    const workerTime = { count: 0, totalMs: 0 };
    timeHandler(workerModule.handler, workerTime);
    console.log(`ready in ${fmt((Date.now() - started) / 1000, 1)} s`);

    // Stock and buy the stamps through the real paths: quota → allocation → storefront orders of 5.
    const profiles = [
      { name: '1 page', pages: 1 },
      { name: '20 pages', pages: 20 },
    ] as const;
    const needed = settings.stampings * profiles.length;
    const reseller = credentials.resellers[0];
    if (!reseller) throw new Error('no reseller seeded');
    const quota = await api.post<{ billingCode: string }>('/v1/wholesale/quota-orders', {
      headers: {
        authorization: `Bearer ${reseller.apiKey}`,
        'idempotency-key': `bench-stamping-${Date.now()}`,
      },
      body: { quantity: needed },
    });
    if (quota.status !== 201) throw new Error(`quota order answered ${quota.status}: ${quota.text}`);
    await api.post(`/sandbox/tax-authority/billings/${quota.body.billingCode}/pay`, {
      body: { amountIdr: needed * 10_000 },
    });
    for (;;) {
      const stock = await api.get<{ onHand: number }>('/v1/wholesale/stock', {
        headers: { authorization: `Bearer ${reseller.apiKey}` },
      });
      if (stock.body.onHand >= needed) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    const people = await api.get<{ people: { nik: string; fullName: string; birthDate: string }[] }>(
      `/sandbox/civil-registry/people?count=${Math.ceil(needed / 5)}`,
    );
    const bought: { serial: string; orderToken: string }[] = [];
    await Promise.all(
      people.body.people.map(async (person, i) => {
        const quantity = Math.min(5, needed - i * 5);
        const order = await api.post<{
          orderToken: string;
          statusUrl: string;
          payment: { paymentId: string };
        }>(`/v1/storefronts/${reseller.id}/orders`, {
          headers: { 'idempotency-key': `bench-stamping-buy-${i}-${Date.now()}` },
          body: { ...person, quantity },
        });
        if (order.status !== 201) throw new Error(`order answered ${order.status}: ${order.text}`);
        await api.post(`/sandbox/payment-gateway/payments/${order.body.payment.paymentId}/pay`, { body: {} });
        for (;;) {
          const read = await api.get<{ status: string; stamps?: { serial: string }[] }>(
            order.body.statusUrl,
            {
              headers: { 'order-token': order.body.orderToken },
            },
          );
          if (read.body.status === 'FULFILLED') {
            for (const stamp of read.body.stamps ?? [])
              bought.push({ serial: stamp.serial, orderToken: order.body.orderToken });
            return;
          }
          await new Promise((done) => setTimeout(done, 100));
        }
      }),
    );
    console.log(`  bought ${bought.length} stamps through the storefront (quota, allocation, QRIS payment)`);
    const routesBefore = api.stats.requests;

    const signing = await issuerSigning();
    const results: {
      name: string;
      bytes: number;
      pureMs: number;
      perSecond: number;
      p50: number;
      p99: number;
      workerMs: number;
      aloneWorkerMs: number;
      stamped: number;
      requests: number;
    }[] = [];
    for (const profile of profiles) {
      const pdf = await documentOf(profile.pages, settings.targetKb * 1024);
      // The PDF and signing work alone, in this process: what one stamping costs a core.
      const pureTimes: number[] = [];
      for (let i = 0; i < 15; i += 1) {
        const t0 = performance.now();
        await stampPdf(
          pdf,
          {
            serial: 'BENCH0000000000000000X',
            verificationUrl: baseUrl,
            placement: {},
            stampedAt: new Date(),
          },
          signing.key,
        );
        if (i >= 5) pureTimes.push(performance.now() - t0); // the first runs warm the JIT up
      }
      const batch = bought.splice(0, settings.stampings);
      const requestsBefore = api.stats.requests;
      // Created and uploaded first; then every stamping is submitted at once and followed to the end.
      const prepared = await Promise.all(
        batch.map(async ({ serial, orderToken }) => {
          const created = await api.post<{
            stampingId: string;
            upload: { url: string; headers: Record<string, string> };
          }>(`/v1/stamps/${serial}/stampings`, { headers: { 'order-token': orderToken }, body: {} });
          if (created.status !== 201) throw new Error(`stamping answered ${created.status}: ${created.text}`);
          const put = await fetch(created.body.upload.url, {
            method: 'PUT',
            headers: created.body.upload.headers,
            body: pdf,
          });
          if (put.status !== 200) throw new Error(`upload answered ${put.status}`);
          return { stampingId: created.body.stampingId, orderToken };
        }),
      );
      // A few one at a time first: the worker's time for one stamping when nothing else runs.
      const follow = async ({ stampingId, orderToken }: { stampingId: string; orderToken: string }) => {
        const t0 = performance.now();
        const submitted = await api.post(`/v1/stampings/${stampingId}/submit`, {
          headers: { 'order-token': orderToken },
        });
        if (submitted.status !== 202)
          throw new Error(`submit answered ${submitted.status}: ${submitted.text}`);
        for (;;) {
          const read = await api.get<{ status: string }>(`/v1/stampings/${stampingId}`, {
            headers: { 'order-token': orderToken },
          });
          if (read.body.status === 'STAMPED' || read.body.status === 'FAILED')
            return { ms: performance.now() - t0, stamped: read.body.status === 'STAMPED' };
          await new Promise((done) => setTimeout(done, 200));
        }
      };
      const alone = prepared.splice(0, ALONE);
      const aloneBefore = workerTime.totalMs;
      for (const stamping of alone) await follow(stamping);
      const aloneWorkerMs = (workerTime.totalMs - aloneBefore) / alone.length;
      const workerBefore = { ...workerTime };
      const latencies: number[] = [];
      const runStarted = performance.now();
      let stamped = 0;
      await Promise.all(
        prepared.map(async (stamping) => {
          const result = await follow(stamping);
          latencies.push(result.ms);
          if (result.stamped) stamped += 1;
        }),
      );
      const elapsedS = (performance.now() - runStarted) / 1000;
      results.push({
        name: profile.name,
        bytes: pdf.length,
        pureMs: mean(pureTimes),
        perSecond: stamped / elapsedS,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        // The worker is invoked with batches of messages: its billed time divided by the stampings it did.
        workerMs: (workerTime.totalMs - workerBefore.totalMs) / Math.max(1, prepared.length),
        aloneWorkerMs,
        stamped,
        requests: (api.stats.requests - requestsBefore) / batch.length,
      });
    }

    const prices = PRICES[DEFAULT_PRICE_REGION];
    if (!prices) throw new Error('no price sheet');
    const memoryGb = worker.memoryMb / 1024;
    console.log(
      `\n  profile    size    stamped  stampings/s  submit→STAMPED p50 / p99  PDF+sign  worker per stamping: alone / ${settings.stampings - ALONE} at once  GB-s (alone)`,
    );
    for (const r of results) {
      console.log(
        `  ${r.name.padEnd(9)} ${fmt(r.bytes / 1024).padStart(4)} KB  ${String(r.stamped).padStart(3)}/${settings.stampings - ALONE}  ${fmt(r.perSecond, 1).padStart(9)}    ${fmt(r.p50).padStart(7)} / ${fmt(r.p99)} ms  ${fmt(r.pureMs, 1).padStart(6)} ms  ${fmt(r.aloneWorkerMs, 1).padStart(12)} / ${fmt(r.workerMs, 1)} ms      ${((r.aloneWorkerMs / 1000) * memoryGb).toFixed(4)}`,
      );
    }
    console.log(
      `  (this machine: ${cpus().length} cores shared by the API, the worker, DynamoDB Local and fauxqs; load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(
          ' ',
        )}. Worker time is the handler's billed time per stamping; "at once" runs batches of ${Queues.stamping.batchSize} in parallel on this one event loop with the API and the client, so it includes waiting for the CPU; the model below uses "alone")`,
    );
    console.log(
      `  (${fmt(requestsFor(results), 1)} API requests per stamping incl. status polls every 200 ms; ${routesBefore} requests to buy the stamps are not counted)`,
    );

    // Cost of a million stampings on AWS at the measured worker duration (the slower profile).
    const slowest = results.reduce((a, b) => (a.aloneWorkerMs > b.aloneWorkerMs ? a : b));
    const usage = {
      workerSecondsPerStamping: slowest.aloneWorkerMs / 1000,
      workerMemoryGb: memoryGb,
      workerMaxConcurrency: Queues.stamping.maxConcurrency,
      kmsSignsPerStamping: 1,
      // create, submit, about 3 status reads at Retry-After: 1 s, the download URL comes with the last read.
      apiRequestsPerStamping: 5,
      s3PutsPerStampingOnOnePrefix: 1,
      s3GetsPerStampingOnOnePrefix: 2,
    };
    const lambdaCompute = workerCostPerMillion(usage, lambdaPricePerGbSecond(prices, LAMBDA_ARCHITECTURE));
    const kmsPerMillion = 15; // $0.15 per 10,000 asymmetric requests (aws.amazon.com/kms/pricing)
    const s3PerMillion = 2 * 5 + 4 * 0.4; // 2 PUTs at $0.005/1,000, 4 GET/HEAD at $0.0004/1,000 (us-east-1)
    const apiPerMillion = usage.apiRequestsPerStamping * prices.apiGatewayRestPerMillionRequests;
    const sqsPerMillion = 3 * prices.sqsPerMillionRequests; // send, receive, delete
    const lambdaRequests = (1 + usage.apiRequestsPerStamping) * prices.lambdaPerMillionRequests;
    const total =
      lambdaCompute + kmsPerMillion + s3PerMillion + apiPerMillion + sqsPerMillion + lambdaRequests;
    console.log(
      `\n  cost per 1 M stampings (${DEFAULT_PRICE_REGION}, worker ${worker.memoryMb} MB at the ${slowest.name} duration): ` +
        `$${fmt(total, 2)} = Lambda compute $${fmt(lambdaCompute, 2)} + Lambda requests $${fmt(lambdaRequests, 2)} + KMS Sign $${fmt(kmsPerMillion, 2)} + S3 $${fmt(s3PerMillion, 2)} + API Gateway $${fmt(apiPerMillion, 2)} + SQS $${fmt(sqsPerMillion, 2)} (DynamoDB: ~9 write units per stamping, priced with the sale)`,
    );
    const ceilings = stampingCeilings(usage, STAMPING_DEFAULT_LIMITS);
    console.log('\n  capacity on AWS (default quotas), stampings per second, lowest binds:');
    for (const ceiling of ceilings)
      console.log(`    ${fmt(ceiling.stampingsPerSecond).padStart(8)}  ${ceiling.limit}`);
    const binding = ceilings[0];
    if (binding)
      console.log(
        `  → ${fmt(binding.stampingsPerSecond)} stampings/s = ${fmt((binding.stampingsPerSecond * 86_400) / 1e6, 1)} M a day; the 2024 peak was over 1 M a day (${fmt(1e6 / 86_400, 1)}/s on average, ~${fmt((1e6 * 0.15) / 3600)}/s if 15% fell in one hour)`,
      );
  } finally {
    await ephemeral.stop();
  }
};

const requestsFor = (results: readonly { requests: number }[]): number =>
  results.reduce((sum, r) => sum + r.requests, 0) / Math.max(1, results.length);

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
