import type { SurgeOptions } from './options.js';
import type { Behaviour } from './population.js';
import type { LatencySummary } from './stats.js';

/**
 * What a surge is pointed at: a running kuota, its base URL and credentials. The types of this module are
 * the surge's vocabulary (what it reports, what the client records of every order), apart from the engine
 * (./engine.ts) so that its phases and the invariant checks share them without importing the engine.
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
    /**
     * First POST to the QRIS payment in the applicant's hands (in the 201, or the first read that shows it),
     * retries after 429 included: every order that became payable.
     */
    timeToPayable: LatencySummary;
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

export interface VendorRow {
  readonly resellerId: string;
  readonly allocated: number;
  readonly onHand: number;
  readonly reserved: number;
  readonly sold: number;
  readonly refundedCount: number;
  readonly refundedIdr: number;
}

export interface LedgerVerdict {
  readonly balanced: boolean;
  readonly differences: readonly string[];
  /** Stamps sold per reseller as the stored shards say (absolute, not a difference). */
  readonly soldByReseller: Readonly<Record<string, number>>;
}

export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface VendorFigures {
  readonly resellerId: string;
  readonly soldBefore: number;
  readonly soldAfter: number;
  /** What the regulator says the surge sold. */
  readonly soldDelta: number;
  /** What the applicants received (FULFILLED orders, in stamps). */
  readonly clientSold: number;
  /** Stamps of orders the client could not see to their end (they may still sell). */
  readonly clientUnsettled: number;
  readonly ledgerSold: number | null;
  readonly reservedDelta: number;
  readonly clientStillReserved: number;
  readonly refundedIdrDelta: number;
  readonly clientRefundedIdr: number;
}
