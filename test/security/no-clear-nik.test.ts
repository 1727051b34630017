import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashNik } from '../../lib/domain/nik.js';
import { logger } from '../../lib/logger.js';
import { runSurge } from '../../tools/surge/engine.js';
import { DEFAULT_OPTIONS, validateOptions } from '../../tools/surge/options.js';
import { buildPopulation } from '../../tools/surge/population.js';
import { writeReport } from '../../tools/surge/report.js';
import { ledgerCheckOf } from '../../tools/surge/stack.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { runSweeper } from '../support/flows.js';
import { mainTable, sandboxTable, scanTable } from './support.js';

/**
 * Security sweep, personal data: after a small surge (honest buyers, scalpers, late, missing and double
 * payments, duplicated and dropped webhooks) with logging at INFO, no NIK appears in clear, nor as an
 * unkeyed SHA-256, in any item of either table, in anything the process logged, in the regulator's
 * alerts, or in the surge's own report.
 */
let kuota: TestCloud;
const captured: string[] = [];
const originalWrites = { stdout: process.stdout.write, stderr: process.stderr.write };

const capture = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
  ((chunk: unknown, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
  }) as typeof process.stdout.write;

beforeAll(async () => {
  // Every line the process writes from here on (the Powertools logger writes JSON lines to stdout).
  process.stdout.write = capture(process.stdout, originalWrites.stdout);
  process.stderr.write = capture(process.stderr, originalWrites.stderr);
  kuota = await startTestCloud({
    extraEnv: {
      KUOTA_LOG_LEVEL: 'INFO',
      KUOTA_RESERVATION_TTL_SECONDS: '8',
      KUOTA_PAYMENT_WATCH_SECONDS: '5',
      KUOTA_STOCK_SHARDS: '4',
      // One NIK holds several unpaid reservations here: this test isolates another rule from the one-hold rule
      // (storefront-holding.test.ts tests that one), as it isolates the cap from the intake limits.
      KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON: 'false',
    },
  });
  // The logger may have been created before the environment said INFO (vitest runs with SILENT).
  logger.setLogLevel('INFO');
});

afterAll(async () => {
  process.stdout.write = originalWrites.stdout;
  process.stderr.write = originalWrites.stderr;
  await kuota?.stop();
});

const forms = (nik: string) => [
  nik,
  createHash('sha256').update(nik).digest('hex'),
  createHash('sha256').update(nik).digest('base64'),
  createHash('sha256').update(nik).digest('base64url'),
  createHash('sha256').update(`nik:${nik}`).digest('hex'),
  createHash('sha256').update(`nik:${nik}`).digest('base64url'),
];

it('keeps every NIK out of the tables, the logs, the alerts and the report', async () => {
  // Arrange + Act: a small surge that touches every path that sees a NIK.
  const options = validateOptions({
    ...DEFAULT_OPTIONS,
    applicants: 60,
    resellers: 3,
    stock: 40,
    durationSeconds: 2,
    rampSeconds: 0.5,
    spikeFactor: 2,
    spikeSeconds: 0.5,
    scalperShare: 0.15,
    payLate: 0.1,
    neverPay: 0.1,
    payTwice: 0.1,
    webhookFaults: { duplicateRate: 0.3, dropRate: 0.2, delayMs: 0, reorder: false },
    concurrency: 32,
    maxWallSeconds: 70,
    clientAddresses: 16,
    sweepIntervalSeconds: 3,
    paymentWatchSeconds: 5,
    seed: 27_022,
    out: 'test-artifacts/surge-nik',
  });
  const { report, violations } = await runSurge(
    {
      baseUrl: kuota.baseUrl,
      resellers: kuota.credentials.resellers,
      regulatorKey: kuota.credentials.regulatorKey,
    },
    options,
    {
      ledgerCheck: ledgerCheckOf(DynamoDBDocumentClient.from(kuota.cloud.dynamo), mainTable(kuota)),
      whileRunning: { everySeconds: 1, run: () => runSweeper(kuota) },
    },
    { intakeGraceSeconds: 3, settleGraceSeconds: 20, stockTimeoutSeconds: 30 },
  );
  const written = writeReport(report, options.out);
  expect(violations).toEqual([]);
  expect(report.orders.fulfilled).toBeGreaterThan(0);
  expect(report.orders.rejected.BUYER_CAP_EXCEEDED ?? 0).toBeGreaterThan(0);
  const alerts = await kuota.api.get('/v1/regulator/alerts', { apiKey: kuota.credentials.regulatorKey });
  expect(alerts.status).toBe(200);

  // The NIKs the applicants used (the population is reproducible from its seed).
  const niks = buildPopulation(
    options,
    kuota.credentials.resellers.slice(0, options.resellers).map((reseller) => reseller.id),
  ).niks;
  expect(niks.length).toBeGreaterThan(40);

  // Assert
  const items = [
    ...(await scanTable(kuota, mainTable(kuota))),
    ...(await scanTable(kuota, sandboxTable(kuota))),
  ];
  const stored = items.map((item) => JSON.stringify(item));
  const logged = captured.join('');
  expect(logged).toContain('"level":"INFO"');
  // The scan does see the buyers: their keyed HMACs (the only form kept) are there.
  expect(
    niks.filter((nik) => stored.some((text) => text.includes(hashNik(kuota.secrets.nikHmacKey, nik)))).length,
  ).toBeGreaterThan(20);
  const places: [string, string][] = [
    ['stored items', stored.join('\n')],
    ['logs', logged],
    ['regulator alerts', alerts.text],
    ['surge report', readFileSync(written.json, 'utf8')],
    ['surge page', readFileSync(join(written.html), 'utf8')],
  ];
  const leaks: string[] = [];
  for (const nik of niks)
    for (const form of forms(nik))
      for (const [place, text] of places)
        if (text.includes(form)) leaks.push(`${place} hold NIK #${niks.indexOf(nik)}`);
  expect(leaks).toEqual([]);
}, 120_000);
