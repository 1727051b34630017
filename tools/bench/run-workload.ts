import { loadavg } from 'node:os';
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
  const {
    calibrationReseller,
    roundResellers,
    kuotaApi,
    baseline,
    cloud,
    durations,
    timersSettled,
    baselineTables,
    ordersQueue,
    timersQueue,
    kuotaFunctions,
    baselineFunctions,
    stockOf,
    kuotaStock,
  } = bench;
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
      problems.push(`${resellerId}: ${stock.onHand}+${stock.reserved}+${stock.sold} ≠ ${stockOf(position)}`);
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

/**
 * Every run of the bench: a quiet pass of each design first, then the rounds, kuota and baseline in turn,
 * with the capacity meter on.
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
