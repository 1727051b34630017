import { errorCode, isFatal, retryAfterMs, sleep, TERMINAL } from './client.js';
import type { HttpResponse } from './http.js';
import type { OrderRecord, OrderView } from './model.js';
import { identityOf } from './nik.js';
import type { Applicant } from './population.js';
import type { SurgeRun } from './run-state.js';
import { explainUnsettled, isSettled, moneyPending, watchDue } from './settlement.js';

/**
 * One applicant, as a real client: arrives on the curve, places each of its orders (Idempotency-Key
 * retries, Retry-After), follows every accepted order to its end with the Order-Token and pays by QRIS
 * as its behaviour says. Everything it sees goes into its OrderRecords and the run's tallies.
 */
export const runApplicant = async (run: SurgeRun, applicant: Applicant): Promise<void> => {
  await sleep(run.surgeStart + applicant.arrivalMs - Date.now());
  if (run.fatal) return;
  run.arrived += 1;
  const mine = applicant.orders.map((order, k) => {
    const record: OrderRecord = {
      applicant: applicant.index,
      kind: applicant.kind,
      behaviour: applicant.behaviour,
      nikIndex: applicant.nikIndex,
      resellerId: order.resellerId,
      quantity: order.quantity,
      key: `surge-${run.runId}-${applicant.index}-${k}`,
      intakeAttempts: 0,
      outcome: 'PENDING',
      captures: 0,
      uncertainCaptures: 0,
      settled: false,
    };
    run.records.push(record);
    return record;
  });
  // A scalper's bot fires its orders at several storefronts at once; a person orders once.
  await Promise.all(
    mine.map(async (record) => {
      try {
        await intake(run, applicant, record);
        if (record.outcome === 'ACCEPTED') await follow(run, applicant, record);
      } catch (error) {
        if (!isFatal(error)) throw error;
        run.fatal ??= (error as Error).message;
        if (record.outcome === 'PENDING') record.outcome = 'ABORTED';
      }
    }),
  );
};

/** Places the order until it is accepted (201/202) or refused, or the applicant gives up after 429s. */
const intake = async (run: SurgeRun, applicant: Applicant, record: OrderRecord): Promise<void> => {
  const nik = run.population.niks[applicant.nikIndex] as string;
  const first = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    if (Date.now() > run.intakeUntil) {
      record.outcome = 'GAVE_UP';
      return;
    }
    record.intakeAttempts += 1;
    let answer: HttpResponse<{ orderId: string; orderToken: string; statusUrl: string }>;
    try {
      answer = await run.http.post(`/v1/storefronts/${record.resellerId}/orders`, {
        headers: { 'idempotency-key': record.key },
        body: { nik, quantity: record.quantity, ...identityOf(nik) },
        client: applicant.client,
      });
    } catch (error) {
      if (isFatal(error)) throw error;
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
      continue;
    }
    run.intakeLatencies.push(answer.latencyMs);
    if (answer.status === 201 || answer.status === 202) {
      // 201: settled at intake (reserved with its QR, or refused); 202: queued. The body is the order.
      if (answer.status === 201) record.initialView = answer.body as unknown as OrderView;
      run.acceptedLatencies.push(answer.latencyMs);
      record.outcome = 'ACCEPTED';
      record.acceptMs = Date.now() - first;
      record.orderId = answer.body.orderId;
      record.orderToken = answer.body.orderToken;
      record.statusUrl = answer.body.statusUrl;
      record.acceptedAt = Date.now();
      run.acceptedCount += 1;
      run.onAccepted(run.acceptedCount);
      run.lastAcceptAt = Date.now();
      run.acceptTimes.push(run.lastAcceptAt);
      return;
    }
    if (answer.status === 429) {
      const wait = retryAfterMs(answer);
      if (Date.now() + wait > run.intakeUntil) {
        record.outcome = 'GAVE_UP';
        record.refused = { status: 429, code: errorCode(answer) };
        return;
      }
      // Honour Retry-After, with jitter so the retries do not arrive as one wave.
      await sleep(wait + Math.random() * 1_000);
      continue;
    }
    if (answer.status >= 500) {
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
      continue;
    }
    record.outcome = 'REFUSED';
    record.refused = { status: answer.status, code: errorCode(answer) };
    return;
  }
};

/** Pays the order's QRIS at the sandbox gateway, as a buyer does: again when the answer is unknown. */
const pay = async (run: SurgeRun, record: OrderRecord, client: number): Promise<void> => {
  const payment = record.payment;
  if (!payment) return;
  for (let attempt = 0; attempt < 6; attempt += 1) {
    try {
      const answer = await run.http.post(`/sandbox/payment-gateway/payments/${payment.paymentId}/pay`, {
        body: {},
        client,
        lane: 'bank',
      });
      if (answer.status === 200) {
        record.captures += 1;
        return;
      }
      if (answer.status < 500 && answer.status !== 429) {
        record.problem = `paying ${payment.paymentId} answered ${answer.status} ${errorCode(answer)}`;
        return;
      }
      // 429/5xx: the capture may or may not have happened; a buyer tries again.
      record.uncertainCaptures += 1;
      await sleep(answer.status === 429 ? retryAfterMs(answer) : 200 * 2 ** attempt);
    } catch (error) {
      if (isFatal(error)) throw error;
      record.uncertainCaptures += 1;
      await sleep(200 * 2 ** attempt);
    }
  }
};

/** What the applicant does once its order is RESERVED with its QR: pay (on time, late, twice) or not. */
const payAsItsBehaviourSays = async (run: SurgeRun, applicant: Applicant, record: OrderRecord) => {
  const { random } = run;
  const expiresAt = Date.parse(record.payment?.expiresAt ?? '');
  switch (record.behaviour) {
    case 'pay':
      await sleep(200 + random() * 1_300);
      await pay(run, record, applicant.client);
      break;
    case 'twice':
      await sleep(200 + random() * 800);
      await pay(run, record, applicant.client);
      await sleep(200 + random() * 800);
      await pay(run, record, applicant.client);
      break;
    case 'late':
      await sleep(expiresAt - Date.now() + 1_000 + random() * 2_000);
      await pay(run, record, applicant.client);
      break;
    case 'never':
      break;
  }
};

/**
 * How long the client follows this order: each thing the order shows (a reservation, its expiry, a
 * payment the stack has not accounted for yet) can push the end later, never past the run's hard stop.
 */
const followUntil = (run: SurgeRun, record: OrderRecord, view: OrderView, settleBy: number): number => {
  const grace = run.tuning.settleGraceSeconds * 1000;
  const later = (until: number, candidate: number) =>
    Math.min(run.settleHardStop, Math.max(until, candidate));
  let until = settleBy;
  if (view.status === 'RESERVED' && view.reservedUntil) {
    // Reserved (with or without its QR yet): it ends at the latest a sweep after the reservation lapsed.
    until = later(until, Date.parse(view.reservedUntil) + grace);
  }
  if (
    TERMINAL.has(view.status) &&
    record.payment &&
    (moneyPending(record, view) || record.uncertainCaptures > 0)
  ) {
    // A payment the stack has not accounted for yet (its webhook may be lost): the stack's last look
    // at the gateway is due KUOTA_PAYMENT_WATCH_SECONDS after the QR expired.
    until = later(until, watchDue(run.options, record) + run.tuning.settleGraceSeconds * 500);
  }
  return until;
};

/** The first sight of the order's QRIS payment: noted, and the follow-up extended to its expiry. */
const notePayment = (
  run: SurgeRun,
  record: OrderRecord,
  payment: NonNullable<OrderView['payment']>,
  acceptedAt: number,
  settleBy: number,
): number => {
  record.payment = {
    paymentId: payment.paymentId,
    amountIdr: payment.amountIdr,
    expiresAt: payment.expiresAt,
  };
  record.reserveMs = Date.now() - acceptedAt;
  run.reserveTimes.push(record.reserveMs);
  const expiresAt = Date.parse(payment.expiresAt);
  if (record.behaviour === 'late' && expiresAt + 3_000 > run.settleHardStop) {
    // The stack reserves for longer than this run may last: pay on time instead.
    record.lateButPaidOnTime = true;
    record.behaviour = 'pay';
  }
  // Whatever happens next ends at the latest a sweep after the reservation lapsed (a lost webhook
  // is reconciled then; an unpaid reservation expires then).
  return Math.min(run.settleHardStop, Math.max(settleBy, expiresAt + run.tuning.settleGraceSeconds * 1000));
};

/** How often to look again: quickly while things move, slowly while nothing can happen. */
const nextPollDelay = (record: OrderRecord, view: OrderView, pollDelay: number): number => {
  if (view.status === 'QUEUED')
    return Math.min(5_000, Math.max(1_000, (view.queue?.etaSeconds ?? 0) * 1_000));
  if (view.status === 'RESERVED' && record.behaviour === 'never' && record.payment) {
    const expiresAt = Date.parse(record.payment.expiresAt);
    return Date.now() < expiresAt ? Math.min(expiresAt - Date.now() + 200, 10_000) : 2_500;
  }
  if (view.status === 'RESERVED' && !record.payment) return 500;
  return Math.min(3_000, pollDelay * 1.5);
};

/** Follows an accepted order with its Order-Token until it is settled or the client may wait no more. */
const follow = async (run: SurgeRun, applicant: Applicant, record: OrderRecord): Promise<void> => {
  const { random } = run;
  const acceptedAt = Date.now();
  let settleBy = Math.min(run.settleHardStop, acceptedAt + run.tuning.settleGraceSeconds * 1000);
  let paid = false;
  let pollDelay = 250;
  for (let attempt = 0; ; attempt += 1) {
    if (Date.now() > settleBy) break;
    let answer: HttpResponse<OrderView>;
    try {
      const initial = attempt === 0 ? record.initialView : undefined;
      answer = initial
        ? { status: 200, body: initial, headers: {}, text: '', latencyMs: 0 }
        : await run.http.get<OrderView>(record.statusUrl ?? '', {
            headers: { 'order-token': record.orderToken ?? '' },
            client: applicant.client,
          });
    } catch (error) {
      if (isFatal(error)) throw error;
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
      continue;
    }
    if (answer.status === 429) {
      await sleep(retryAfterMs(answer) * (0.5 + Math.random()));
      continue;
    }
    if (answer.status !== 200) {
      if (answer.status === 404) record.problem = 'the accepted order answers 404 to its own Order-Token';
      await sleep(500 + Math.random() * 500);
      continue;
    }
    const view = answer.body;
    record.final = view;
    if (view.status !== 'QUEUED') record.leftQueueAt ??= Date.now();
    if (isSettled(run.options, record, view)) {
      record.settled = true;
      record.settledAt ??= Date.now();
      run.settledCount += 1;
      if (view.status === 'FULFILLED') run.fulfilledCount += 1;
      return;
    }
    if (view.status === 'RESERVED' && view.payment && !record.payment)
      settleBy = notePayment(run, record, view.payment, acceptedAt, settleBy);
    settleBy = followUntil(run, record, view, settleBy);
    if (view.status === 'RESERVED' && record.payment && !paid) {
      paid = true;
      await payAsItsBehaviourSays(run, applicant, record);
      // The stack says when to look again (Retry-After); a page obeys it.
      pollDelay = retryAfterMs(answer);
      await sleep(pollDelay * (0.75 + random() * 0.5));
      continue;
    }
    pollDelay = nextPollDelay(record, view, pollDelay);
    await sleep(pollDelay * (0.75 + random() * 0.5));
  }
  explainUnsettled(run.options, record, run.settleHardStop);
};
