import { seededRandom } from '../common/random.js';
import {
  createHttpClient,
  DeadlinePassed,
  type HttpClient,
  type HttpResponse,
  NetworkError,
  RequestCapReached,
} from './http.js';
import {
  checkInvariants,
  type InvariantResult,
  type LedgerVerdict,
  type VendorFigures,
} from './invariants.js';
import { identityOf } from './nik.js';
import type { SurgeOptions, WebhookFaultOptions } from './options.js';
import { type Applicant, type Behaviour, buildPopulation } from './population.js';
import { histogram, type LatencySummary, summarize } from './stats.js';

/**
 * The surge engine: given a running kuota (base URL + credentials), it stocks the storefronts through the
 * wholesale API, lets the applicants arrive on the curve, follows every order to its end as a real client
 * would (Idempotency-Key retries, Retry-After, polling with the Order-Token, paying by QRIS in the sandbox),
 * then checks every invariant from the outside. HTTP only; `hooks.ledgerCheck` is the one look inside.
 */
export interface SurgeTarget {
  readonly baseUrl: string;
  readonly resellers: readonly { readonly id: string; readonly name: string; readonly apiKey: string }[];
  readonly regulatorKey: string;
}

export interface ProgressSnapshot {
  readonly phase: 'setup' | 'surge' | 'settle' | 'check';
  readonly elapsedSeconds: number;
  readonly arrived: number;
  readonly applicants: number;
  readonly accepted: number;
  readonly fulfilled: number;
  readonly settled: number;
  readonly ordersAccepted: number;
  readonly requestsPerSecond: number;
  readonly acceptedPerSecond: number;
  readonly queueDepth: number | undefined;
  readonly intakeP95Ms: number;
  readonly fiveXx: number;
  readonly inFlight: number;
  readonly requests: number;
}

export interface SurgeHooks {
  /** The ledger audit (lib/usecases/ledger-check.ts), run once the stack is quiet. */
  readonly ledgerCheck?: () => Promise<LedgerVerdict>;
  /**
   * Work to run periodically while orders settle. `npm run surge` passes none (the stack's own sweeper runs
   * every 15 s); a test stack without schedules runs its sweeper here.
   */
  readonly whileRunning?: { readonly everySeconds: number; readonly run: () => Promise<unknown> };
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  readonly log?: (line: string) => void;
  /**
   * `--crash-at N`: once the N-th order is accepted, `kill` kills the whole stack (every process, no
   * clean-up) and `restart` starts it again on the same state directory and address (tools/surge/crash.ts),
   * while the applicants carry on as real clients do (retrying with their Idempotency-Keys, polling).
   * Each resolves to the process ids it killed or started.
   */
  readonly crash?: {
    readonly afterAccepted: number;
    readonly kill: () => Promise<Readonly<Record<string, number>>>;
    readonly restart: () => Promise<Readonly<Record<string, number>>>;
  };
}

/** What the crash of `--crash-at` did, and what became of the orders it caught. */
export interface CrashReport {
  /** The N of --crash-at: the stack was to die right after the N-th accepted order. */
  readonly afterAccepted: number;
  readonly happened: boolean;
  /** Seconds from the start of the arrivals until the kill, and how long the stack was gone. */
  readonly killedAtSeconds: number | null;
  readonly downSeconds: number | null;
  readonly killed: Readonly<Record<string, number>> | null;
  readonly restarted: Readonly<Record<string, number>> | null;
  /** Orders accepted before the kill, and those of them not settled yet when it came. */
  readonly acceptedBeforeCrash: number;
  readonly openAtCrash: number;
  /** Orders open at the kill that the client saw settled after the restart. */
  readonly openAtCrashSettledAfterRestart: number;
  readonly error?: string;
}

export interface SurgeTuning {
  /** After the last arrival, how long an applicant keeps retrying intake after a 429. */
  readonly intakeGraceSeconds: number;
  /** How long after its expected end (reservation expiry for late / unpaid orders) an order may take. */
  readonly settleGraceSeconds: number;
  /** Longest wait for the wholesale stock to be allocated. */
  readonly stockTimeoutSeconds: number;
}

export const DEFAULT_TUNING: SurgeTuning = {
  intakeGraceSeconds: 70,
  settleGraceSeconds: 100,
  stockTimeoutSeconds: 180,
};

export interface OrderView {
  readonly orderId: string;
  readonly resellerId: string;
  readonly status: string;
  readonly quantity: number;
  readonly reason?: string;
  readonly unitPriceIdr?: number;
  readonly reservedUntil?: string;
  readonly payment?: { paymentId: string; amountIdr: number; qris: string; expiresAt: string };
  readonly stamps?: { serial: string }[];
  readonly refund?: { amountIdr: number; status: 'PENDING' | 'COMPLETED' };
  readonly queue?: { depth: number; etaSeconds: number };
}

/** One order as the client saw it. No NIK: `nikIndex` points into the in-memory population. */
export interface OrderRecord {
  readonly applicant: number;
  readonly kind: 'honest' | 'scalper';
  behaviour: Behaviour;
  readonly nikIndex: number;
  readonly resellerId: string;
  readonly quantity: number;
  readonly key: string;
  intakeAttempts: number;
  outcome: 'PENDING' | 'ACCEPTED' | 'REFUSED' | 'GAVE_UP' | 'ABORTED';
  refused?: { status: number; code: string };
  /** ms from the first intake attempt to the 201/202. */
  acceptMs?: number;
  /** The order as intake answered it (201), so the client need not ask for it again. */
  initialView?: OrderView;
  orderId?: string;
  orderToken?: string;
  statusUrl?: string;
  /** ms from the 202 until the client first saw the order RESERVED with its QRIS payment. */
  reserveMs?: number;
  /** When the client first saw the order out of the queue (reserved or rejected), epoch ms. */
  leftQueueAt?: number;
  payment?: { paymentId: string; amountIdr: number; expiresAt: string };
  /** Payments the gateway confirmed (200), and attempts whose outcome is unknown (error, no answer). */
  captures: number;
  uncertainCaptures: number;
  lateButPaidOnTime?: boolean;
  final?: OrderView;
  settled: boolean;
  /** When the client got the 201/202 and when it first saw the order settled, epoch ms. */
  acceptedAt?: number;
  settledAt?: number;
  /** Why an unsettled order is not a violation (e.g. its reservation outlives the run). */
  explained?: string;
  problem?: string;
}

export interface SurgeReport {
  readonly tool: 'kuota surge';
  readonly runId: string;
  readonly baseUrl: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: SurgeOptions;
  readonly durations: { setupS: number; arrivalsS: number; settleS: number; totalS: number };
  readonly setup: {
    stockedResellers: number;
    stockPerReseller: number;
    allocationSeconds: number;
    problems: string[];
  };
  readonly population: {
    applicants: number;
    honest: number;
    scalpers: number;
    scalperNiks: number;
    behaviours: Record<Behaviour, number>;
    plannedOrders: number;
  };
  readonly orders: {
    placed: number;
    accepted: number;
    refusedAtIntake: Record<string, number>;
    gaveUpAfter429: number;
    aborted: number;
    reserved: number;
    fulfilled: number;
    rejected: Record<string, number>;
    expired: number;
    refunded: number;
    refundPending: number;
    unsettled: number;
    explained: number;
    stampsSold: number;
    byStatus: Record<string, number>;
  };
  readonly payments: {
    captures: number;
    uncertainCaptures: number;
    paidIdr: number;
    refundedIdr: number;
    latePaidOnTimeBecauseTtlTooLong: number;
  };
  readonly latencyMs: {
    /** Every POST of an order, whatever the answer. */
    intakeRequests: LatencySummary;
    /** Only the answers 202. */
    intakeAccepted: LatencySummary;
    /** First attempt to 202, retries after 429 included. */
    intakeToAccepted: LatencySummary;
    /** 202 to RESERVED with a QRIS payment, as the polling client saw it. */
    acceptedToReserved: LatencySummary;
    histogram: { bounds: number[]; counts: number[]; over: number };
  };
  readonly throughput: {
    requests: number;
    requestsPerSecond: number;
    peakAcceptedPerSecond: number;
    meanAcceptedPerSecond: number;
  };
  readonly queue: {
    maxDepth: number;
    /** Seconds from the start of the arrivals until the queue was first seen empty after the last 202. */
    drainedAtSeconds: number | null;
    /** Seconds from the end of the arrivals (--duration) until the queue was first seen empty. */
    drainSecondsAfterArrivals: number | null;
    /**
     * Seconds from the end of the arrivals until the last accepted order was seen out of the queue
     * (reserved or rejected). The SQS depth can stay above 0 after that: redeliveries of done orders.
     */
    ordersOutOfQueueSecondsAfterArrivals: number | null;
    /** Seconds from the last 202 (late retries after a 429 included) until the queue was first seen empty. */
    drainSecondsAfterLastAccept: number | null;
  };
  readonly errors: {
    byStatus: Record<string, number>;
    fiveXx: number;
    networkErrors: number;
    byRoute: Record<string, Record<string, number>>;
  };
  readonly vendors: VendorFigures[];
  readonly ledger: LedgerVerdict | null;
  /** Only with --crash-at. */
  readonly crash: CrashReport | null;
  readonly invariants: InvariantResult[];
  readonly violations: string[];
  readonly warnings: string[];
  readonly timeline: TimelinePoint[];
}

export interface TimelinePoint {
  readonly t: number;
  readonly accepted: number;
  readonly fulfilled: number;
  readonly settled: number;
  readonly acceptedPerSecond: number;
  readonly requestsPerSecond: number;
  readonly queueDepth: number | null;
  readonly intakeP95Ms: number;
  readonly inFlight: number;
}

export interface SurgeResult {
  readonly report: SurgeReport;
  readonly violations: readonly string[];
}

export class StackUnavailable extends Error {
  override readonly name = 'StackUnavailable';
}

const TERMINAL = new Set(['FULFILLED', 'REJECTED', 'EXPIRED', 'REFUNDED']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const retryAfterMs = (response: HttpResponse<unknown>): number => {
  const header = response.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
};

const errorCode = (response: HttpResponse<unknown>): string => {
  const body = response.body as { error?: { code?: string } } | undefined;
  return body?.error?.code ?? `HTTP_${response.status}`;
};

/** Stops the whole run: cap or deadline reached. */
const isFatal = (error: unknown) => error instanceof RequestCapReached || error instanceof DeadlinePassed;

export const runSurge = async (
  target: SurgeTarget,
  options: SurgeOptions,
  hooks: SurgeHooks = {},
  tuning: SurgeTuning = DEFAULT_TUNING,
): Promise<SurgeResult> => {
  const run = { stopped: false };
  try {
    return await surge(target, options, hooks, tuning, run);
  } finally {
    // Whatever happened, no background loop outlives the run.
    run.stopped = true;
  }
};

const surge = async (
  target: SurgeTarget,
  options: SurgeOptions,
  hooks: SurgeHooks,
  tuning: SurgeTuning,
  run: { stopped: boolean },
): Promise<SurgeResult> => {
  const log = hooks.log ?? (() => undefined);
  const startedAt = new Date();
  const t0 = Date.now();
  const deadline = t0 + options.maxWallSeconds * 1000;
  const runId = `${options.seed.toString(36)}${t0.toString(36)}`;
  const http = createHttpClient({
    baseUrl: target.baseUrl,
    concurrency: options.concurrency,
    maxRequests: options.maxRequests,
    deadline,
    clientAddresses: options.clientAddresses,
  });
  // The last stretch of the wall time is kept for the checks from the outside.
  const checkReserve = Math.min(15_000, options.maxWallSeconds * 200);
  const warnings: string[] = [];
  const setupProblems: string[] = [];
  const participating = target.resellers.slice(0, options.resellers);
  const resellerIds = participating.map((reseller) => reseller.id);
  const regulator = { authorization: `Bearer ${target.regulatorKey}` };

  /** A request that is retried on 429 (after Retry-After), 5xx and network errors, up to `until`. */
  const patiently = async <T>(
    send: () => Promise<HttpResponse<T>>,
    until: number,
    okStatuses: readonly number[] = [200],
  ): Promise<HttpResponse<T>> => {
    let last: HttpResponse<T> | undefined;
    for (let attempt = 0; Date.now() < until; attempt += 1) {
      try {
        last = await send();
        if (okStatuses.includes(last.status)) return last;
        if (last.status === 429) await sleep(Math.min(retryAfterMs(last), 5_000) * (0.5 + Math.random()));
        else if (last.status >= 500) await sleep(Math.min(2_000, 100 * 2 ** attempt));
        else return last;
      } catch (error) {
        if (isFatal(error)) throw error;
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
    if (last) return last;
    throw new DeadlinePassed('gave up waiting for the stack');
  };

  // ---- Preflight: is the stack there, are the credentials right?
  const vendorsNow = async (until: number): Promise<Map<string, VendorRow>> => {
    const answer = await patiently(
      () => http.get<{ vendors: VendorRow[] }>('/v1/regulator/vendors', { headers: regulator }),
      until,
    );
    if (answer.status !== 200)
      throw new StackUnavailable(
        `GET /v1/regulator/vendors answered ${answer.status}: ${answer.text.slice(0, 200)}`,
      );
    return new Map(answer.body.vendors.map((vendor) => [vendor.resellerId, vendor]));
  };
  try {
    const health = await http.get('/v1/public/availability');
    if (health.status !== 200)
      throw new StackUnavailable(`GET /v1/public/availability answered ${health.status}`);
  } catch (error) {
    http.close();
    if (error instanceof NetworkError)
      throw new StackUnavailable(
        `no kuota at ${target.baseUrl} (${error.message}); start one with \`npm start\``,
      );
    throw error;
  }

  let phase: ProgressSnapshot['phase'] = 'setup';
  // Background work (a test stack's scheduled jobs) runs from the start: stocking needs it too.
  let background = true;
  const backgroundWork = hooks.whileRunning
    ? (async () => {
        while (background && !run.stopped) {
          await sleep((hooks.whileRunning?.everySeconds ?? 5) * 1000);
          if (!background || run.stopped) break;
          await hooks.whileRunning
            ?.run()
            .catch((error: unknown) => log(`background work failed: ${String(error)}`));
        }
      })()
    : Promise.resolve();
  // ---- Webhook faults of the payment gateway (restored at the end).
  let previousFaults: WebhookFaultOptions | undefined;
  if (options.webhookFaults) {
    const current = await patiently(
      () => http.post<{ paymentGateway: WebhookFaultOptions }>('/sandbox/faults', { body: {} }),
      Date.now() + 30_000,
    );
    previousFaults = current.status === 200 ? current.body.paymentGateway : undefined;
    const set = await patiently(
      () => http.post('/sandbox/faults', { body: { paymentGateway: options.webhookFaults } }),
      Date.now() + 30_000,
    );
    if (set.status !== 200) setupProblems.push(`POST /sandbox/faults answered ${set.status}`);
  }

  // ---- Stock: each reseller buys quota, pays the billing code, waits for ALLOCATED.
  const stockStarted = Date.now();
  const stockUntil = Math.min(deadline, stockStarted + tuning.stockTimeoutSeconds * 1000);
  let stockedResellers = 0;
  if (options.stock > 0) {
    await Promise.all(
      participating.map(async (reseller) => {
        const auth = { authorization: `Bearer ${reseller.apiKey}` };
        const created = await patiently(
          () =>
            http.post<{ id: string; billingCode: string; amountIdr: number }>('/v1/wholesale/quota-orders', {
              headers: { ...auth, 'idempotency-key': `surge-${runId}-stock-${reseller.id}` },
              body: { quantity: options.stock },
            }),
          stockUntil,
          [201],
        );
        if (created.status !== 201) {
          setupProblems.push(`${reseller.id}: quota order answered ${created.status} ${errorCode(created)}`);
          return;
        }
        const paid = await patiently(
          () =>
            http.post(`/sandbox/tax-authority/billings/${created.body.billingCode}/pay`, {
              body: { amountIdr: created.body.amountIdr },
            }),
          stockUntil,
          [200, 409],
        );
        // 409 after a retry: the first attempt paid it (its answer was lost); the order still gets credited.
        if (paid.status !== 200 && paid.status !== 409) {
          setupProblems.push(`${reseller.id}: paying the billing code answered ${paid.status}`);
          return;
        }
        while (Date.now() < stockUntil) {
          const order = await patiently(
            () =>
              http.get<{ status: string }>(`/v1/wholesale/quota-orders/${created.body.id}`, {
                headers: auth,
              }),
            stockUntil,
          );
          if (order.body.status === 'ALLOCATED') {
            stockedResellers += 1;
            return;
          }
          await sleep(500);
        }
        setupProblems.push(`${reseller.id}: stock not allocated within ${tuning.stockTimeoutSeconds} s`);
      }),
    );
  }
  const allocationSeconds = (Date.now() - stockStarted) / 1000;
  for (const problem of setupProblems) log(`setup: ${problem}`);
  log(
    `setup: ${stockedResellers} storefronts stocked with ${options.stock} stamps each in ${allocationSeconds.toFixed(1)} s`,
  );

  // The regulator's figures before the first applicant: the surge's effect is the difference.
  const before = await vendorsNow(Math.min(deadline, Date.now() + 60_000));
  const reservedBefore = resellerIds.reduce((sum, id) => sum + (before.get(id)?.reserved ?? 0), 0);
  if (reservedBefore > 0)
    warnings.push(
      `the stack was not quiet: ${reservedBefore} stamps were reserved by earlier orders before the surge; if those expire or sell during the run, the regulator differences include them (start with --fresh)`,
    );

  // ---- The applicants.
  const population = buildPopulation(options, resellerIds);
  const records: OrderRecord[] = [];
  const intakeLatencies: number[] = [];
  const acceptedLatencies: number[] = [];
  const acceptTimes: number[] = [];
  const reserveTimes: number[] = [];
  let arrived = 0;
  let lastAcceptAt = 0;
  let fatal: string | undefined;
  const surgeStart = Date.now();
  const arrivalsEnd = surgeStart + options.durationSeconds * 1000;
  const settleHardStop = deadline - checkReserve;
  const intakeUntil = Math.min(settleHardStop, arrivalsEnd + tuning.intakeGraceSeconds * 1000);
  const random = seededRandom(options.seed ^ 0x5eed);
  let acceptedCount = 0;
  let fulfilledCount = 0;
  let settledCount = 0;
  let queueDepth: number | undefined;
  let maxQueueDepth = 0;
  let queueDrainedAt: number | undefined;

  // ---- --crash-at: the stack dies mid-surge and comes back; the applicants keep going meanwhile.
  const crash: {
    run?: Promise<void>;
    killStartedAt?: number;
    killedAt?: number;
    restartedAt?: number;
    killed?: Readonly<Record<string, number>>;
    restarted?: Readonly<Record<string, number>>;
    error?: string;
  } = {};
  const crashTheStack = () => {
    const plan = hooks.crash;
    if (!plan || crash.run) return;
    crash.run = (async () => {
      crash.killStartedAt = Date.now();
      try {
        crash.killed = await plan.kill();
        crash.killedAt = Date.now();
        log(
          `crash: the stack was killed after ${acceptedCount} accepted orders (${Object.entries(crash.killed)
            .map(([name, pid]) => `${name} pid ${pid}`)
            .join(', ')}); restarting it on the same state`,
        );
        crash.restarted = await plan.restart();
        crash.restartedAt = Date.now();
        log(
          `crash: the stack is back after ${((crash.restartedAt - crash.killedAt) / 1000).toFixed(1)} s (${Object.entries(
            crash.restarted,
          )
            .map(([name, pid]) => `${name} pid ${pid}`)
            .join(', ')})`,
        );
      } catch (error) {
        crash.error = String(error);
        log(`crash: ${crash.error}`);
      }
    })();
  };

  const intake = async (applicant: Applicant, record: OrderRecord): Promise<void> => {
    const nik = population.niks[applicant.nikIndex] as string;
    const first = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      if (Date.now() > intakeUntil) {
        record.outcome = 'GAVE_UP';
        return;
      }
      record.intakeAttempts += 1;
      let answer: HttpResponse<{ orderId: string; orderToken: string; statusUrl: string }>;
      try {
        answer = await http.post(`/v1/storefronts/${record.resellerId}/orders`, {
          headers: { 'idempotency-key': record.key },
          body: { nik, quantity: record.quantity, ...identityOf(nik) },
          client: applicant.client,
        });
      } catch (error) {
        if (isFatal(error)) throw error;
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
        continue;
      }
      intakeLatencies.push(answer.latencyMs);
      if (answer.status === 201 || answer.status === 202) {
        // 201: settled at intake (reserved with its QR, or refused); 202: queued. The body is the order.
        if (answer.status === 201) record.initialView = answer.body as unknown as OrderView;
        acceptedLatencies.push(answer.latencyMs);
        record.outcome = 'ACCEPTED';
        record.acceptMs = Date.now() - first;
        record.orderId = answer.body.orderId;
        record.orderToken = answer.body.orderToken;
        record.statusUrl = answer.body.statusUrl;
        record.acceptedAt = Date.now();
        acceptedCount += 1;
        if (hooks.crash && acceptedCount === hooks.crash.afterAccepted) crashTheStack();
        lastAcceptAt = Date.now();
        acceptTimes.push(lastAcceptAt);
        return;
      }
      if (answer.status === 429) {
        const wait = retryAfterMs(answer);
        if (Date.now() + wait > intakeUntil) {
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

  const pay = async (record: OrderRecord, client: number): Promise<void> => {
    const payment = record.payment;
    if (!payment) return;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      try {
        const answer = await http.post(`/sandbox/payment-gateway/payments/${payment.paymentId}/pay`, {
          body: {},
          client,
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

  /** What the stack has given back or kept for this order, against what the applicant paid. */
  const moneyPending = (record: OrderRecord, view: OrderView): boolean => {
    const amount = view.payment?.amountIdr ?? record.payment?.amountIdr ?? 0;
    const kept = view.status === 'FULFILLED' ? 1 : 0;
    const back = view.refund?.status === 'COMPLETED' ? view.refund.amountIdr : 0;
    return kept + (amount > 0 ? back / amount : 0) < record.captures || view.refund?.status === 'PENDING';
  };

  const isSettled = (record: OrderRecord, view: OrderView): boolean => {
    if (!TERMINAL.has(view.status)) return false;
    if (view.status === 'REJECTED') return true;
    // Every payment the applicant made must have bought the stamps or come back in full; a payment
    // attempt whose answer never came may have been captured, which only the stack's last look at the
    // gateway settles.
    if (record.uncertainCaptures > 0 && Date.now() < watchDue(record)) return false;
    return !moneyPending(record, view);
  };

  const follow = async (applicant: Applicant, record: OrderRecord): Promise<void> => {
    const acceptedAt = Date.now();
    let settleBy = Math.min(settleHardStop, acceptedAt + tuning.settleGraceSeconds * 1000);
    let paid = false;
    let pollDelay = 250;
    for (let attempt = 0; ; attempt += 1) {
      if (Date.now() > settleBy) break;
      let answer: HttpResponse<OrderView>;
      try {
        const initial = attempt === 0 ? record.initialView : undefined;
        answer = initial
          ? { status: 200, body: initial, headers: {}, text: '', latencyMs: 0 }
          : await http.get<OrderView>(record.statusUrl ?? '', {
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
      if (isSettled(record, view)) {
        record.settled = true;
        record.settledAt ??= Date.now();
        settledCount += 1;
        if (view.status === 'FULFILLED') fulfilledCount += 1;
        return;
      }
      if (view.status === 'RESERVED' && view.payment && !record.payment) {
        record.payment = {
          paymentId: view.payment.paymentId,
          amountIdr: view.payment.amountIdr,
          expiresAt: view.payment.expiresAt,
        };
        record.reserveMs = Date.now() - acceptedAt;
        reserveTimes.push(record.reserveMs);
        const expiresAt = Date.parse(view.payment.expiresAt);
        // Whatever happens next ends at the latest a sweep after the reservation lapsed (a lost webhook
        // is reconciled then; an unpaid reservation expires then).
        settleBy = Math.min(settleHardStop, Math.max(settleBy, expiresAt + tuning.settleGraceSeconds * 1000));
        if (record.behaviour === 'late' && expiresAt + 3_000 > settleHardStop) {
          // The stack reserves for longer than this run may last: pay on time instead.
          record.lateButPaidOnTime = true;
          record.behaviour = 'pay';
        }
      }
      if (view.status === 'RESERVED' && view.reservedUntil) {
        // Reserved (with or without its QR yet): it ends at the latest a sweep after the reservation lapsed.
        const reservedUntil = Date.parse(view.reservedUntil);
        settleBy = Math.min(
          settleHardStop,
          Math.max(settleBy, reservedUntil + tuning.settleGraceSeconds * 1000),
        );
      }
      if (
        TERMINAL.has(view.status) &&
        record.payment &&
        (moneyPending(record, view) || record.uncertainCaptures > 0)
      ) {
        // A payment the stack has not accounted for yet (its webhook may be lost): the stack's last look
        // at the gateway is due KUOTA_PAYMENT_WATCH_SECONDS after the QR expired.
        settleBy = Math.min(
          settleHardStop,
          Math.max(settleBy, watchDue(record) + tuning.settleGraceSeconds * 500),
        );
      }
      if (view.status === 'RESERVED' && record.payment && !paid) {
        paid = true;
        const expiresAt = Date.parse(record.payment.expiresAt);
        switch (record.behaviour) {
          case 'pay':
            await sleep(200 + random() * 1_300);
            await pay(record, applicant.client);
            break;
          case 'twice':
            await sleep(200 + random() * 800);
            await pay(record, applicant.client);
            await sleep(200 + random() * 800);
            await pay(record, applicant.client);
            break;
          case 'late':
            await sleep(expiresAt - Date.now() + 1_000 + random() * 2_000);
            await pay(record, applicant.client);
            break;
          case 'never':
            break;
        }
        // The stack says when to look again (Retry-After); a page obeys it.
        pollDelay = retryAfterMs(answer);
        await sleep(pollDelay * (0.75 + random() * 0.5));
        continue;
      }
      // How often to look again: quickly while things move, slowly while nothing can happen.
      if (view.status === 'QUEUED')
        pollDelay = Math.min(5_000, Math.max(1_000, (view.queue?.etaSeconds ?? 0) * 1_000));
      else if (view.status === 'RESERVED' && record.behaviour === 'never' && record.payment) {
        const expiresAt = Date.parse(record.payment.expiresAt);
        pollDelay = Date.now() < expiresAt ? Math.min(expiresAt - Date.now() + 200, 10_000) : 2_500;
      } else if (view.status === 'RESERVED' && !record.payment) pollDelay = 500;
      else pollDelay = Math.min(3_000, pollDelay * 1.5);
      await sleep(pollDelay * (0.75 + random() * 0.5));
    }
    // Not settled in time. Explained only when the stack's own promise is not due yet: an unpaid
    // reservation that outlives the run, or a payment awaiting the stack's last look at the gateway.
    // Anything else (including an order cut short by --max-wall) counts as a violation.
    const view = record.final;
    const expiresAt = record.payment ? Date.parse(record.payment.expiresAt) : undefined;
    if (
      view?.status === 'RESERVED' &&
      record.captures === 0 &&
      record.uncertainCaptures === 0 &&
      expiresAt !== undefined &&
      expiresAt + options.sweepIntervalSeconds * 1000 > Date.now()
    ) {
      record.explained = `unpaid, reserved until ${record.payment?.expiresAt}: expires after this run`;
    } else if (
      view &&
      TERMINAL.has(view.status) &&
      record.payment &&
      watchDue(record) > Date.now() &&
      (moneyPending(record, view) || record.uncertainCaptures > 0)
    ) {
      record.explained = `a payment not accounted for yet; the stack's last gateway check for it is due at ${new Date(watchDue(record)).toISOString()} (KUOTA_PAYMENT_WATCH_SECONDS = ${options.paymentWatchSeconds})`;
    } else if (Date.now() >= settleHardStop) {
      record.problem ??= 'not settled when the run reached its wall-time cap (--max-wall)';
    }
  };

  /** When the stack promises its last look at the gateway for this order's payment (plus one sweep). */
  const watchDue = (record: OrderRecord) =>
    Date.parse(record.payment?.expiresAt ?? '') +
    (options.paymentWatchSeconds + options.sweepIntervalSeconds) * 1000;

  const runApplicant = async (applicant: Applicant) => {
    await sleep(surgeStart + applicant.arrivalMs - Date.now());
    if (fatal) return;
    arrived += 1;
    const mine = applicant.orders.map((order, k) => {
      const record: OrderRecord = {
        applicant: applicant.index,
        kind: applicant.kind,
        behaviour: applicant.behaviour,
        nikIndex: applicant.nikIndex,
        resellerId: order.resellerId,
        quantity: order.quantity,
        key: `surge-${runId}-${applicant.index}-${k}`,
        intakeAttempts: 0,
        outcome: 'PENDING',
        captures: 0,
        uncertainCaptures: 0,
        settled: false,
      };
      records.push(record);
      return record;
    });
    // A scalper's bot fires its orders at several storefronts at once; a person orders once.
    await Promise.all(
      mine.map(async (record) => {
        try {
          await intake(applicant, record);
          if (record.outcome === 'ACCEPTED') await follow(applicant, record);
        } catch (error) {
          if (!isFatal(error)) throw error;
          fatal ??= (error as Error).message;
          if (record.outcome === 'PENDING') record.outcome = 'ABORTED';
        }
      }),
    );
  };

  // ---- Live progress and the timeline.
  const fiveXxCount = () => {
    let total = 0;
    for (const statuses of http.stats.byRoute.values())
      for (const [status, count] of statuses) if (status >= 500) total += count;
    return total;
  };
  const timeline: TimelinePoint[] = [];
  let lastRequests = http.stats.requests;
  let lastAccepted = 0;
  let lastSample = Date.now();
  const offerPath = `/v1/storefronts/${resellerIds[0] ?? 'R01'}/offer`;
  let sampling = true;
  const windowLatencies = () => intakeLatencies.slice(-500);
  const sampler = (async () => {
    while (sampling && !run.stopped) {
      await sleep(1_000);
      if (!sampling || run.stopped) break;
      try {
        const offer = await http.get<{ queue?: { depth: number } }>(offerPath);
        if (offer.status === 200 && offer.body.queue) {
          queueDepth = offer.body.queue.depth;
          maxQueueDepth = Math.max(maxQueueDepth, queueDepth);
          if (
            queueDepth === 0 &&
            acceptedCount > 0 &&
            queueDrainedAt === undefined &&
            Date.now() > arrivalsEnd
          )
            queueDrainedAt = Date.now();
          if (queueDepth > 0) queueDrainedAt = undefined;
        }
      } catch (error) {
        if (isFatal(error)) break;
      }
      const now = Date.now();
      const seconds = Math.max(0.001, (now - lastSample) / 1000);
      const point: TimelinePoint = {
        t: Math.round((now - surgeStart) / 100) / 10,
        accepted: acceptedCount,
        fulfilled: fulfilledCount,
        settled: settledCount,
        acceptedPerSecond: Math.round((acceptedCount - lastAccepted) / seconds),
        requestsPerSecond: Math.round((http.stats.requests - lastRequests) / seconds),
        queueDepth: queueDepth ?? null,
        intakeP95Ms: summarize(windowLatencies()).p95,
        inFlight: http.inFlight(),
      };
      timeline.push(point);
      lastRequests = http.stats.requests;
      lastAccepted = acceptedCount;
      lastSample = now;
      hooks.onProgress?.({
        phase,
        elapsedSeconds: (now - surgeStart) / 1000,
        arrived,
        applicants: population.applicants.length,
        accepted: acceptedCount,
        fulfilled: fulfilledCount,
        settled: settledCount,
        ordersAccepted: acceptedCount,
        requestsPerSecond: point.requestsPerSecond,
        acceptedPerSecond: point.acceptedPerSecond,
        queueDepth,
        intakeP95Ms: summarize(intakeLatencies).p95,
        fiveXx: fiveXxCount(),
        inFlight: http.inFlight(),
        requests: http.stats.requests,
      });
    }
  })();

  phase = 'surge';
  log(`surge: ${population.applicants.length} applicants arriving over ${options.durationSeconds} s`);
  const applicantRuns = population.applicants.map((applicant) => runApplicant(applicant));
  await sleep(arrivalsEnd - Date.now());
  phase = 'settle';
  await Promise.all(applicantRuns);
  // A crash still restarting is waited for (its stack must be there for the checks).
  await crash.run;
  const settledAt = Date.now();
  if (fatal) warnings.push(`the run was cut short: ${fatal}`);

  // ---- Quiet: queue empty, then the figures from outside.
  phase = 'check';
  const quietUntil = Math.min(deadline - checkReserve / 2, Date.now() + 15_000);
  while (Date.now() < quietUntil && queueDepth !== undefined && queueDepth > 0) await sleep(500);
  // The last word of the stack on every accepted order, read just before the regulator's figures (a
  // settled order can still change: e.g. a payment whose answer was lost, refunded by the payment watch).
  const refresh = async (batch: readonly OrderRecord[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(32, options.concurrency) }, async () => {
        while (next < batch.length && Date.now() < deadline - 5_000) {
          const record = batch[next] as OrderRecord;
          next += 1;
          for (let attempt = 0; attempt < 5; attempt += 1) {
            const answer = await http
              .get<OrderView>(record.statusUrl ?? '', { headers: { 'order-token': record.orderToken ?? '' } })
              .catch(() => undefined);
            if (answer?.status === 200) {
              record.final = answer.body;
              const settled = isSettled(record, answer.body);
              if (settled) {
                record.explained = undefined;
                if (record.problem?.startsWith('not settled')) record.problem = undefined;
              }
              record.settled = settled;
              if (settled) record.settledAt ??= Date.now();
              break;
            }
            await sleep(answer?.status === 429 ? retryAfterMs(answer) : 200);
          }
        }
      }),
    );
  };
  const followed = records.filter((record) => record.outcome === 'ACCEPTED' && record.statusUrl);
  await refresh(followed);
  // Whatever is still moving gets a little more time (refunds completing, a watch just run).
  const lastLookUntil = Math.min(deadline - checkReserve / 2, Date.now() + 20_000);
  while (Date.now() < lastLookUntil && followed.some((record) => !record.settled && !record.explained)) {
    await sleep(2_000);
    await refresh(followed.filter((record) => !record.settled && !record.explained));
  }
  sampling = false;
  background = false;
  await sampler;
  // A background run still going is given a little time, not the rest of the wall time; then one more
  // read of every order, so the tallies and the regulator's figures describe the same moment.
  await Promise.race([backgroundWork, sleep(Math.max(0, Math.min(20_000, deadline - Date.now() - 5_000)))]);
  await refresh(followed);
  let after: Map<string, VendorRow> = new Map();
  try {
    after = await vendorsNow(deadline);
  } catch (error) {
    warnings.push(`could not read the regulator's vendors after the surge: ${String(error)}`);
  }
  let ledger: LedgerVerdict | null = null;
  if (hooks.ledgerCheck) {
    try {
      ledger = await hooks.ledgerCheck();
    } catch (error) {
      ledger = {
        balanced: false,
        differences: [`the ledger check failed: ${String(error)}`],
        soldByReseller: {},
      };
    }
  }
  if (options.webhookFaults && previousFaults) {
    await patiently(
      () => http.post('/sandbox/faults', { body: { paymentGateway: previousFaults } }),
      Date.now() + 15_000,
    ).catch(() => warnings.push('could not restore the webhook faults'));
  }
  http.close();

  // ---- Report and invariants.
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, Record<string, number>> = {};
  let fiveXx = 0;
  for (const [route, statuses] of http.stats.byRoute) {
    byRoute[route] = {};
    for (const [status, count] of statuses) {
      const label = status === 0 ? 'network error' : String(status);
      (byRoute[route] as Record<string, number>)[label] = count;
      byStatus[label] = (byStatus[label] ?? 0) + count;
      if (status >= 500) fiveXx += count;
    }
  }
  let crashReport: CrashReport | null = null;
  if (hooks.crash) {
    const killStart = crash.killStartedAt;
    const before =
      killStart === undefined ? [] : records.filter((r) => (r.acceptedAt ?? Infinity) <= killStart);
    const open =
      killStart === undefined
        ? []
        : before.filter((r) => r.settledAt === undefined || r.settledAt >= killStart);
    crashReport = {
      afterAccepted: hooks.crash.afterAccepted,
      happened: crash.killedAt !== undefined && crash.restartedAt !== undefined,
      killedAtSeconds: crash.killedAt === undefined ? null : round1((crash.killedAt - surgeStart) / 1000),
      downSeconds:
        crash.killedAt === undefined || crash.restartedAt === undefined
          ? null
          : round1((crash.restartedAt - crash.killedAt) / 1000),
      killed: crash.killed ?? null,
      restarted: crash.restarted ?? null,
      acceptedBeforeCrash: before.length,
      openAtCrash: open.length,
      openAtCrashSettledAfterRestart: open.filter(
        (r) => r.settled && r.settledAt !== undefined && r.settledAt >= (crash.restartedAt ?? Infinity),
      ).length,
      ...(crash.error ? { error: crash.error } : {}),
    };
  }
  const checked = checkInvariants({
    options,
    records,
    niks: population.niks.length,
    resellerIds,
    before,
    after,
    ledger,
    fiveXx,
    byRoute,
    crash: crashReport,
  });
  const accepted = records.filter((record) => record.outcome === 'ACCEPTED');
  const statusCount = (status: string) => accepted.filter((record) => record.final?.status === status).length;
  const rejected: Record<string, number> = {};
  for (const record of accepted)
    if (record.final?.status === 'REJECTED')
      rejected[record.final.reason ?? 'UNKNOWN'] = (rejected[record.final.reason ?? 'UNKNOWN'] ?? 0) + 1;
  const refusedAtIntake: Record<string, number> = {};
  for (const record of records)
    if (record.outcome === 'REFUSED' && record.refused)
      refusedAtIntake[`${record.refused.status} ${record.refused.code}`] =
        (refusedAtIntake[`${record.refused.status} ${record.refused.code}`] ?? 0) + 1;
  const byFinal: Record<string, number> = {};
  for (const record of accepted)
    byFinal[record.final?.status ?? 'UNSEEN'] = (byFinal[record.final?.status ?? 'UNSEEN'] ?? 0) + 1;
  const behaviours: Record<Behaviour, number> = { pay: 0, late: 0, never: 0, twice: 0 };
  for (const applicant of population.applicants)
    if (applicant.kind === 'honest') behaviours[applicant.behaviour] += 1;
  const perSecond = timeline.map((point) => point.acceptedPerSecond);
  const finishedAt = new Date();
  const violations = checked.violations;
  const report: SurgeReport = {
    tool: 'kuota surge',
    runId,
    baseUrl: target.baseUrl,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    options,
    durations: {
      setupS: round1((surgeStart - t0) / 1000),
      arrivalsS: options.durationSeconds,
      settleS: round1((settledAt - arrivalsEnd) / 1000),
      totalS: round1((finishedAt.getTime() - t0) / 1000),
    },
    setup: {
      stockedResellers,
      stockPerReseller: options.stock,
      allocationSeconds: round1(allocationSeconds),
      problems: setupProblems,
    },
    population: {
      applicants: population.applicants.length,
      honest: population.applicants.filter((applicant) => applicant.kind === 'honest').length,
      scalpers: population.applicants.filter((applicant) => applicant.kind === 'scalper').length,
      scalperNiks: population.scalperNiks,
      behaviours,
      plannedOrders: population.applicants.reduce((sum, applicant) => sum + applicant.orders.length, 0),
    },
    orders: {
      placed: records.length,
      accepted: accepted.length,
      refusedAtIntake,
      gaveUpAfter429: records.filter((record) => record.outcome === 'GAVE_UP').length,
      aborted: records.filter((record) => record.outcome === 'ABORTED').length,
      reserved: accepted.filter((record) => record.payment).length,
      fulfilled: statusCount('FULFILLED'),
      rejected,
      expired: statusCount('EXPIRED'),
      refunded: statusCount('REFUNDED'),
      refundPending: statusCount('REFUND_PENDING'),
      unsettled: accepted.filter((record) => !record.settled).length,
      explained: accepted.filter((record) => !record.settled && record.explained).length,
      stampsSold: accepted.reduce(
        (sum, record) => sum + (record.final?.status === 'FULFILLED' ? record.quantity : 0),
        0,
      ),
      byStatus: byFinal,
    },
    payments: {
      captures: records.reduce((sum, record) => sum + record.captures, 0),
      uncertainCaptures: records.reduce((sum, record) => sum + record.uncertainCaptures, 0),
      paidIdr: records.reduce((sum, record) => sum + record.captures * (record.payment?.amountIdr ?? 0), 0),
      refundedIdr: accepted.reduce(
        (sum, record) =>
          sum + (record.final?.refund?.status === 'COMPLETED' ? record.final.refund.amountIdr : 0),
        0,
      ),
      latePaidOnTimeBecauseTtlTooLong: records.filter((record) => record.lateButPaidOnTime).length,
    },
    latencyMs: {
      intakeRequests: summarize(intakeLatencies),
      intakeAccepted: summarize(acceptedLatencies),
      intakeToAccepted: summarize(accepted.map((record) => record.acceptMs ?? 0)),
      acceptedToReserved: summarize(reserveTimes),
      histogram: histogram(intakeLatencies, [5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000]),
    },
    throughput: {
      requests: http.stats.requests,
      requestsPerSecond: round1(http.stats.requests / Math.max(0.001, (finishedAt.getTime() - t0) / 1000)),
      peakAcceptedPerSecond: perSecond.length > 0 ? Math.max(...perSecond) : 0,
      meanAcceptedPerSecond: round1(accepted.length / Math.max(0.001, options.durationSeconds)),
    },
    queue: {
      maxDepth: maxQueueDepth,
      drainedAtSeconds: queueDrainedAt === undefined ? null : round1((queueDrainedAt - surgeStart) / 1000),
      drainSecondsAfterArrivals:
        queueDrainedAt === undefined ? null : round1(Math.max(0, queueDrainedAt - arrivalsEnd) / 1000),
      ordersOutOfQueueSecondsAfterArrivals: accepted.every((record) => record.leftQueueAt !== undefined)
        ? round1(Math.max(0, ...accepted.map((record) => (record.leftQueueAt ?? 0) - arrivalsEnd)) / 1000)
        : null,
      drainSecondsAfterLastAccept:
        queueDrainedAt === undefined || lastAcceptAt === 0
          ? null
          : round1(Math.max(0, queueDrainedAt - lastAcceptAt) / 1000),
    },
    errors: { byStatus, fiveXx, networkErrors: http.stats.networkErrors, byRoute },
    vendors: checked.vendors,
    ledger,
    crash: crashReport,
    invariants: checked.invariants,
    violations: [...violations],
    warnings: [...warnings, ...checked.warnings],
    timeline,
  };
  return { report, violations };
};

const round1 = (value: number) => Math.round(value * 10) / 10;

export interface VendorRow {
  readonly resellerId: string;
  readonly allocated: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly refundedCount: number;
  readonly refundedIdr: number;
}

export type { HttpClient };
