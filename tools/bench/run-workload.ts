import { loadavg } from 'node:os';
import { SALE_FOLD_LAG_MS } from '../../lib/domain/stock.js';
import { foldSoldStock } from '../../lib/usecases/sale-fold.js';
import { baselineStore } from '../baseline/store.js';
import { percentile } from '../common/stats.js';
import { identityOf } from '../surge/nik.js';
import type { BenchContext } from './bench-stack.js';
import * as meter from './capacity-meter.js';
import {
  BENCH_PAYMENT_WINDOW_SECONDS,
  buildApplicants,
  CALIBRATION_CONCURRENCY,
  CALIBRATION_ORDERS,
  call,
  type Design,
  fmt,
  type HttpAnswer,
  type Journey,
  type Outcome,
  StatusTally,
  settings,
  sleep,
  tty,
} from './workload.js';

export interface RunResult {
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

/** What one run sends and to whom: the quiet pass sends a few orders to the calibration reseller only. */
const planRun = (bench: BenchContext, design: Design, round: number, calibration: boolean) => {
  const resellers = calibration
    ? Array.from({ length: 5 }, () => bench.calibrationReseller.id)
    : (bench.roundResellers[round] ?? []).map((reseller) => reseller.id);
  const applicants = calibration
    ? buildApplicants(round, resellers).slice(0, CALIBRATION_ORDERS)
    : buildApplicants(round, resellers);
  return {
    resellers,
    applicants,
    pollMs: calibration ? 200 : settings.pollMs,
    concurrency: calibration ? CALIBRATION_CONCURRENCY : settings.concurrency,
    base: design === 'kuota' ? bench.kuotaApi : bench.baseline.url,
  };
};

/** The invocation and handler-time counters run on across runs: read before, so a run counts its own. */
const countersBefore = (bench: BenchContext, design: Design) => {
  const invocationSource = design === 'kuota' ? bench.cloud.runtime.invocations : bench.baseline.invocations;
  return {
    invocationSource,
    invocationsBefore: new Map(invocationSource),
    durationsBefore: new Map([...bench.durations].map(([id, tally]) => [id, { ...tally }])),
  };
};

/** What the clients of one run share while it runs: where they send, what they saw, when the last sale ended. */
interface LiveRun {
  readonly design: Design;
  readonly base: string;
  readonly pollMs: number;
  readonly started: number;
  readonly statusTally: StatusTally;
  readonly intakeMs: number[];
  /** Each accepted order's journey after intake, awaited once intake has ended. */
  readonly rest: Promise<void>[];
  intakeDone: number;
  lastFulfilledAt: number;
}

/** Statuses after which the order never moves again: the page stops looking (its `TERMINAL`). */
const TERMINAL_STATUSES = new Set(['FULFILLED', 'REJECTED', 'EXPIRED', 'REFUNDED']);

/**
 * Looks at the order until `wanted` (or until it ended otherwise). kuota's page waits for the Retry-After
 * each answer carries (the first wait is the one the POST's answer gave), asks the server to hold the read
 * until the order is newer than the version it has (Prefer: wait, If-None-Match: a 304 means not yet);
 * the baseline's client polls every `pollMs`. Answers the last body and the version it had.
 */
const pollOrder = async (
  run: LiveRun,
  url: string,
  headers: Record<string, string>,
  wanted: (body: Record<string, unknown>) => boolean,
  firstWaitMs = run.pollMs,
  seen?: string,
): Promise<{ body: Record<string, unknown>; etag?: string } | undefined> => {
  let wait = firstWaitMs;
  let etag = seen;
  for (;;) {
    if (Date.now() - run.started > settings.runTimeoutSeconds * 1000) return undefined;
    await sleep(wait);
    const answer = await call(url, 'GET', {
      headers:
        run.design === 'kuota'
          ? { ...headers, prefer: 'wait=20', ...(etag ? { 'if-none-match': etag } : {}) }
          : headers,
    });
    run.statusTally.add('status', answer.status);
    if (answer.etag) etag = answer.etag;
    if (answer.status === 200 && (wanted(answer.body) || TERMINAL_STATUSES.has(String(answer.body.status))))
      return { body: answer.body, ...(etag ? { etag } : {}) };
    wait = run.design === 'kuota' ? (answer.waited ? 100 : (answer.retryAfterMs ?? run.pollMs)) : run.pollMs;
  }
};

/** The buyer pays in the sandbox gateway, trying a few times as a person would. */
const payOrder = async (run: LiveRun, paymentId: string) => {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const paid = await call(`${run.base}/sandbox/payment-gateway/payments/${paymentId}/pay`, 'POST', {
      body: {},
    });
    run.statusTally.add('pay', paid.status);
    if (paid.status === 200) return true;
    await sleep(200);
  }
  return false;
};

/** Ends a journey; a fulfilment moves the run's end, which its throughput is measured to. */
const finishJourney = (run: LiveRun, journey: Journey, outcome: Outcome, reason?: string) => {
  journey.outcome = outcome;
  if (reason) journey.reason = reason;
  if (outcome === 'FULFILLED') {
    journey.fulfilledAt = Date.now();
    run.lastFulfilledAt = Math.max(run.lastFulfilledAt, journey.fulfilledAt);
  }
};

/**
 * Both clients once the order is payable (its QR in hand): the buyer pays, then the client looks until
 * the order has moved past payment; it sold if it is FULFILLED.
 */
const payThenAwaitOutcome = async (
  run: LiveRun,
  journey: Journey,
  payment: unknown,
  look: {
    url: string;
    headers: Record<string, string>;
    settled: (body: Record<string, unknown>) => boolean;
    firstWaitMs?: number;
    /** The version of the order the client holds (kuota: the reserved order's ETag). */
    seen?: string;
  },
) => {
  journey.payableAt = Date.now();
  const { paymentId } = payment as { paymentId: string };
  if (!(await payOrder(run, paymentId))) return finishJourney(run, journey, 'ERROR', 'payment failed');
  const done = await pollOrder(run, look.url, look.headers, look.settled, look.firstWaitMs, look.seen);
  if (!done) return finishJourney(run, journey, 'TIMEOUT');
  return finishJourney(
    run,
    journey,
    done.body.status === 'FULFILLED' ? 'FULFILLED' : 'ERROR',
    String(done.body.status),
  );
};

/**
 * kuota's page after intake: 201 with the reservation and its QR (or the refusal) or 202 queued, and it
 * says when to look again; the buyer pays, then the page looks once the Retry-After has passed.
 */
const continueKuotaJourney = async (run: LiveRun, journey: Journey, accepted: HttpAnswer) => {
  const statusUrl = `${run.base}${String(accepted.body.statusUrl)}`;
  const headers = { 'order-token': String(accepted.body.orderToken) };
  const payable = (body: Record<string, unknown>) =>
    body.status === 'REJECTED' || (body.status === 'RESERVED' && body.payment !== undefined);
  const reserved = payable(accepted.body)
    ? { body: accepted.body, ...(accepted.etag ? { etag: accepted.etag } : {}) }
    : await pollOrder(run, statusUrl, headers, payable, accepted.retryAfterMs ?? run.pollMs, accepted.etag);
  if (!reserved) return finishJourney(run, journey, 'TIMEOUT');
  const { body } = reserved;
  if (body.status === 'REJECTED') return finishJourney(run, journey, 'REJECTED', String(body.reason));
  if (!payable(body)) return finishJourney(run, journey, 'ERROR', String(body.status));
  // Once paid, look at once, and let the server hold the read until the stamps are there.
  return payThenAwaitOutcome(run, journey, body.payment, {
    url: statusUrl,
    headers,
    settled: (answer) => answer.status !== 'RESERVED' && answer.status !== 'PAID',
    firstWaitMs: 0,
    ...(reserved.etag ? { seen: reserved.etag } : {}),
  });
};

/** The baseline's client after intake: the answer is already payable; pay, then poll until it is sold. */
const continueBaselineJourney = async (run: LiveRun, journey: Journey, accepted: HttpAnswer) => {
  const { resellerId } = journey.applicant;
  return payThenAwaitOutcome(run, journey, accepted.body.payment, {
    url: `${run.base}/v1/storefronts/${resellerId}/orders/${String(accepted.body.orderId)}`,
    headers: {},
    settled: (body) => body.status !== 'RESERVED',
  });
};

/**
 * Places the order, retrying 429s, 5xx and network errors; once accepted, the rest of the journey runs on
 * without holding an intake slot.
 */
const intakeJourney = async (run: LiveRun, journey: Journey) => {
  const { resellerId, nik, quantity, key } = journey.applicant;
  const continueJourney = run.design === 'kuota' ? continueKuotaJourney : continueBaselineJourney;
  journey.startedAt = Date.now();
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const answer = await call(`${run.base}/v1/storefronts/${resellerId}/orders`, 'POST', {
      headers: { 'idempotency-key': key },
      body: { nik, quantity, ...identityOf(nik) },
    });
    run.intakeMs.push(answer.ms);
    run.statusTally.add('intake', answer.status);
    journey.intakeStatus = answer.status;
    if (answer.status === 202 || answer.status === 201) {
      run.rest.push(
        continueJourney(run, journey, answer).catch(() =>
          finishJourney(run, journey, 'ERROR', 'client error'),
        ),
      );
      return;
    }
    if (answer.status === 429 || answer.status >= 500 || answer.status === 0) {
      // A well-behaved client: wait (Retry-After is whole seconds; a jittered second here) and retry.
      await sleep(500 + Math.random() * 1_000);
      continue;
    }
    const code = String((answer.body.error as { code?: string } | undefined)?.code ?? answer.status);
    return finishJourney(run, journey, 'REFUSED', code);
  }
  finishJourney(run, journey, 'ERROR', 'intake kept failing');
};

/** A progress line every half second: rewritten in place on a terminal, every fifth second in a log. */
const showProgress = (run: LiveRun, label: string, journeys: readonly Journey[]) =>
  setInterval(() => {
    const fulfilled = journeys.filter((journey) => journey.outcome === 'FULFILLED').length;
    const ended = journeys.filter((journey) => journey.outcome !== undefined).length;
    const line =
      `  [${label} ${run.design.padEnd(8)}] ${fmt((Date.now() - run.started) / 1000, 1).padStart(5)} s · ` +
      `intake ${fmt(run.intakeDone).padStart(5)}/${fmt(journeys.length)} · fulfilled ${fmt(fulfilled).padStart(5)} · ` +
      `done ${fmt(ended).padStart(5)} · p99 so far ${fmt(percentile(run.intakeMs, 99))} ms`;
    if (tty) process.stdout.write(`\r${line.padEnd(110)}`);
    else if (Math.round((Date.now() - run.started) / 500) % 10 === 0) console.log(line);
  }, 500);

/**
 * Every journey, `concurrency` intakes at a time in applicant order, then the journeys they started; one
 * that has not ended by then timed out.
 */
const driveJourneys = async (run: LiveRun, journeys: readonly Journey[], concurrency: number) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, journeys.length) }, async () => {
      while (next < journeys.length) {
        const journey = journeys[next] as Journey;
        next += 1;
        await intakeJourney(run, journey);
        run.intakeDone += 1;
      }
    }),
  );
  await Promise.all(run.rest);
  for (const journey of journeys) if (!journey.outcome) finishJourney(run, journey, 'TIMEOUT');
};

/**
 * Lets in-flight deletes and index writes land before the snapshot; kuota's order timers (expiry,
 * reconciliation, the payment watch) fire after the last sale and are this run's cost too.
 */
const settleAfterRun = async (bench: BenchContext, design: Design, resellers: readonly string[]) => {
  await sleep(1_500);
  if (design !== 'kuota') return;
  await bench.timersSettled(Date.now() + (BENCH_PAYMENT_WINDOW_SECONDS + 5 + 30) * 1000);
  // The sale fold, as its schedule runs once these sales are past its lag (two minutes on): metered with
  // the run that made them, not with whichever run happens to be on then.
  await foldSoldStock(new Date(Date.now() + SALE_FOLD_LAG_MS + 1_000), resellers);
};

/** What the run cost: capacity units, hot partitions, and each function's invocations and handler time. */
const measureRunCost = (
  bench: BenchContext,
  design: Design,
  { invocationSource, invocationsBefore, durationsBefore }: ReturnType<typeof countersBefore>,
) => {
  const { cloud, durations, baselineTables, ordersQueue, timersQueue, kuotaFunctions, baselineFunctions } =
    bench;
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
  return { snapshot, partitions, invocations, durationsMs };
};

/** The stamps the journeys bought. */
const stampsIn = (journeys: readonly Journey[]) =>
  journeys.reduce((sum, journey) => sum + journey.applicant.quantity, 0);

/** The journeys that bought from one reseller (none when there is no such reseller). */
const boughtFrom = (journeys: readonly Journey[], resellerId: string | undefined) =>
  journeys.filter((journey) => journey.applicant.resellerId === resellerId);

/**
 * Invariants, read from the stores: nothing oversold, every sale the client saw is counted once. The
 * quiet pass shares one reseller over its five places, so it checks none.
 */
const checkInvariants = async (
  bench: BenchContext,
  design: Design,
  resellers: readonly string[],
  fulfilled: readonly Journey[],
  calibration: boolean,
) => {
  const problems: string[] = [];
  for (const [position, resellerId] of (calibration ? [] : resellers).entries()) {
    const stock =
      design === 'kuota'
        ? await bench.kuotaStock(resellerId)
        : await baselineStore.getStock(resellerId).then((item) => ({
            onHand: item?.onHand ?? 0,
            reserved: item?.reserved ?? 0,
            sold: item?.sold ?? 0,
            negative: (item?.onHand ?? 0) < 0 || (item?.reserved ?? 0) < 0,
          }));
    const clientSold = stampsIn(boughtFrom(fulfilled, resellerId));
    if (stock.negative) problems.push(`${resellerId}: negative stock`);
    if (stock.onHand + stock.reserved + stock.sold !== bench.stockOf(position))
      problems.push(
        `${resellerId}: ${stock.onHand}+${stock.reserved}+${stock.sold} ≠ ${bench.stockOf(position)}`,
      );
    if (stock.sold !== clientSold)
      problems.push(`${resellerId}: sold ${stock.sold}, clients saw ${clientSold}`);
  }
  return {
    ok: problems.length === 0,
    detail: problems.join('; ') || 'no oversell, sold = what clients saw',
  };
};

/** How the journeys ended, and why those that did not sell did not. */
const tallyOutcomes = (journeys: readonly Journey[]) => {
  const count = (outcome: Outcome) => journeys.filter((journey) => journey.outcome === outcome).length;
  const reasons: Record<string, number> = {};
  for (const journey of journeys) {
    if (journey.outcome !== 'FULFILLED' && journey.reason)
      reasons[journey.reason] = (reasons[journey.reason] ?? 0) + 1;
  }
  const outcomes = {
    FULFILLED: count('FULFILLED'),
    REFUSED: count('REFUSED'),
    REJECTED: count('REJECTED'),
    ERROR: count('ERROR'),
    TIMEOUT: count('TIMEOUT'),
  };
  return { outcomes, reasons };
};

/**
 * One run of one design: the round's applicants through intake, payment and fulfilment as the storefront
 * page does it, then what it cost (capacity units, invocations, handler time) and its invariants, read
 * from the stores: nothing oversold, every sale the client saw counted once.
 */
const runWorkload = async (
  bench: BenchContext,
  design: Design,
  round: number,
  label: string,
  options: { calibration?: boolean } = {},
): Promise<RunResult> => {
  const calibration = options.calibration === true;
  const { resellers, applicants, pollMs, concurrency, base } = planRun(bench, design, round, calibration);
  const journeys: Journey[] = applicants.map((applicant) => ({ applicant }));
  const before = countersBefore(bench, design);
  meter.resetCapacityMeter();
  const started = Date.now();
  const run: LiveRun = {
    design,
    base,
    pollMs,
    started,
    statusTally: new StatusTally(),
    intakeMs: [],
    rest: [],
    intakeDone: 0,
    lastFulfilledAt: started,
  };

  const progress = showProgress(run, label, journeys);
  await driveJourneys(run, journeys, concurrency);
  const seconds = (run.lastFulfilledAt - started) / 1000;
  await settleAfterRun(bench, design, resellers);
  clearInterval(progress);
  if (tty) process.stdout.write('\n');

  const cost = measureRunCost(bench, design, before);
  const fulfilled = journeys.filter((journey) => journey.outcome === 'FULFILLED');
  const invariant = await checkInvariants(bench, design, resellers, fulfilled, calibration);
  const { outcomes, reasons } = tallyOutcomes(journeys);
  return {
    design,
    round,
    resellers,
    seconds,
    intakeMs: run.intakeMs,
    payableMs: journeys.flatMap((journey) =>
      journey.payableAt && journey.startedAt ? [journey.payableAt - journey.startedAt] : [],
    ),
    statuses: run.statusTally.counts,
    outcomes,
    reasons,
    ordersFulfilled: fulfilled.length,
    stampsSold: stampsIn(fulfilled),
    hotStampsSold: stampsIn(boughtFrom(fulfilled, resellers[0])),
    completedOrdersPerSecond: fulfilled.length / Math.max(0.001, seconds),
    meter: cost.snapshot,
    partitions: cost.partitions,
    invocations: cost.invocations,
    durationsMs: cost.durationsMs,
    invariant,
  };
};

/**
 * Every run of the bench: a quiet pass of each design first, a warm-up surge of each (not counted), then the
 * rounds, kuota and baseline in turn, with the capacity meter on.
 */
export const measureDesigns = async (bench: BenchContext) => {
  meter.enableCapacityMeter();
  // Lambda bills each invocation's own duration on its own CPU. Under the surge every handler here shares
  // one Node.js event loop with hundreds of clients, so those durations are mostly queueing: the cost and the
  // capacity model use durations measured in a quiet pass instead (a few applicants at a time). The
  // pass runs first, so it also warms both designs up (JIT, connections) before the measured runs.
  const quiet = new Map<string, number>();
  for (const design of ['kuota', 'baseline'] as const) {
    const calibrated = await runWorkload(bench, design, settings.rounds, 'quiet pass', { calibration: true });
    for (const [id, tally] of Object.entries(calibrated.durationsMs)) {
      if (tally.count > 0) quiet.set(id, tally.totalMs / tally.count);
    }
  }
  // A whole surge of each design before the measured rounds, not counted: the first surge on a fresh
  // DynamoDB Local (a JVM) ran slower than the next (kuota's first round: 30.5 s, its second 18.6 s, on
  // one run), and kuota's round would always have been that first one.
  for (const design of ['kuota', 'baseline'] as const) {
    const warmed = await runWorkload(bench, design, settings.rounds, 'warm-up (not counted)');
    console.log(
      `  warm-up ${design}: ${fmt(warmed.ordersFulfilled)} orders fulfilled in ${fmt(warmed.seconds, 1)} s (not counted) · ${warmed.invariant.detail}`,
    );
  }
  const results: RunResult[] = [];
  const runs = settings.rounds * 2;
  const loadAverages: number[] = [loadavg()[0] ?? 0];
  for (let round = 0; round < settings.rounds; round += 1) {
    for (const design of ['kuota', 'baseline'] as const) {
      const result = await runWorkload(bench, design, round, `run ${results.length + 1}/${runs}`);
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

  return { quiet, results, loadAverages };
};
