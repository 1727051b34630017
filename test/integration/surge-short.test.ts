import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { faultCounters } from '../../lib/adapters/fault-injection.js';
import { runSurge } from '../../tools/surge/engine.js';
import { DEFAULT_OPTIONS, validateOptions } from '../../tools/surge/options.js';
import { progressLine } from '../../tools/surge/progress.js';
import { formatSummary, writeReport } from '../../tools/surge/report.js';
import { ledgerCheckOf } from '../../tools/surge/stack.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { runSweeper } from '../support/flows.js';

/**
 * The CI surge: a few seconds of deadline day with 20% injected DynamoDB faults of each kind (throttling,
 * transaction conflicts, lost responses; set by configuration, as `npm start -- --faults 0.2` does),
 * duplicated, dropped and reordered payment webhooks, scalpers, late, missing and double payments. The
 * same engine as `npm run surge`, over HTTP; every invariant must hold and no request may end in a 5xx.
 *
 * Sized for the time a CI run can spend: 20% faults slow every step of the local stack (each throttled
 * call waits for the SDK's backoff), so this is 100 applicants, not thousands (`npm run surge` is for
 * those). SURGE_PROGRESS=1 prints the live progress.
 */
let kuota: TestCloud;
const FAULT_RATE = '0.2';

beforeAll(async () => {
  kuota = await startTestCloud({
    visibilityTimeoutSeconds: 5,
    extraEnv: {
      KUOTA_FAULT_THROTTLE_RATE: FAULT_RATE,
      KUOTA_FAULT_TRANSACTION_CONFLICT_RATE: FAULT_RATE,
      KUOTA_FAULT_LOST_RESPONSE_RATE: FAULT_RATE,
      // Short enough for late and unpaid orders to end within the test, long enough to pay in time.
      KUOTA_RESERVATION_TTL_SECONDS: '12',
      KUOTA_PAYMENT_WATCH_SECONDS: '5',
      KUOTA_STOCK_SHARDS: '4',
    },
  });
});

afterAll(async () => {
  await kuota?.stop();
});

it('survives a short surge with 20% injected DynamoDB faults: no invariant violated, no 5xx', async () => {
  // Arrange
  const options = validateOptions({
    ...DEFAULT_OPTIONS,
    applicants: 100,
    resellers: 4,
    stock: 60,
    durationSeconds: 3,
    rampSeconds: 1,
    spikeFactor: 3,
    spikeSeconds: 1,
    scalperShare: 0.05,
    payLate: 0.05,
    neverPay: 0.05,
    payTwice: 0.05,
    webhookFaults: { duplicateRate: 0.3, dropRate: 0.1, delayMs: 0, reorder: true },
    concurrency: 64,
    maxRequests: 30_000,
    maxWallSeconds: 110,
    clientAddresses: 64,
    sweepIntervalSeconds: 5,
    paymentWatchSeconds: 5,
    seed: 20_240_906,
    out: 'test-artifacts/surge-short',
  });
  const progress = process.env.SURGE_PROGRESS
    ? {
        onProgress: (snapshot: Parameters<typeof progressLine>[0]) => console.error(progressLine(snapshot)),
        log: (line: string) => console.error(line),
      }
    : {};

  // Act
  const { report, violations } = await runSurge(
    {
      baseUrl: kuota.baseUrl,
      resellers: kuota.credentials.resellers,
      regulatorKey: kuota.credentials.regulatorKey,
    },
    options,
    {
      ledgerCheck: ledgerCheckOf(
        DynamoDBDocumentClient.from(kuota.cloud.dynamo),
        String(kuota.cloud.tables.main),
      ),
      // The test stack runs no schedules: its sweeper and the tax reconciliation run here, as EventBridge
      // runs them in `npm start` (back to back instead of every 15 and 60 s, to fit the test).
      whileRunning: {
        everySeconds: 1,
        run: () => Promise.all([runSweeper(kuota), kuota.cloud.runtime.runJob('quotaReconciliation')]),
      },
      ...progress,
    },
    { intakeGraceSeconds: 4, settleGraceSeconds: 25, stockTimeoutSeconds: 60 },
  );
  writeReport(report, options.out);
  console.log(formatSummary(report));

  // Assert: the faults were there, the surge went through, and nothing broke.
  const injected = faultCounters();
  expect(injected.throttled).toBeGreaterThan(0);
  expect(injected.conflicted).toBeGreaterThan(0);
  expect(injected.responsesLost).toBeGreaterThan(0);
  expect(report.orders.accepted).toBeGreaterThan(80);
  expect(report.orders.fulfilled).toBeGreaterThan(0);
  expect(report.errors.fiveXx).toBe(0);
  expect(violations).toEqual([]);
}, 150_000);
