import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intFromEnv, shareFromEnv } from '../common/args.js';
import { bodyObject, requestJson } from '../common/http-client.js';
import { seededRandom } from '../common/random.js';
import { registeredNik } from '../surge/nik.js';

/**
 * What `npm run bench` (scripts/bench.ts) sends at both designs: its knobs (environment), the applicants
 * of a round, and the client they use.
 */
export const settings = {
  orders: Math.min(15_000, intFromEnv('BENCH_ORDERS', 1_000)),
  // At most 4: 26 resellers hold 5 a round, the warm-up's included, and the quiet pass's one.
  rounds: Math.min(4, intFromEnv('BENCH_ROUNDS', 2)),
  concurrency: intFromEnv('BENCH_CONCURRENCY', 200),
  hotShare: shareFromEnv('BENCH_HOT_SHARE', 0.6),
  hotStock: intFromEnv('BENCH_HOT_STOCK', 500),
  otherStock: intFromEnv('BENCH_OTHER_STOCK', 300),
  otherResellers: 4,
  scalperShare: shareFromEnv('BENCH_SCALPER_SHARE', 0.03),
  scalperPool: 15,
  pollMs: intFromEnv('BENCH_POLL_MS', 1_000),
  runTimeoutSeconds: intFromEnv('BENCH_RUN_TIMEOUT_SECONDS', 120),
  shards: intFromEnv('KUOTA_STOCK_SHARDS', 32),
  priceRegion: process.env.BENCH_PRICE_REGION ?? 'us-east-1',
};

export const CALIBRATION_ORDERS = 40;
export const BENCH_PAYMENT_WINDOW_SECONDS = 20;
export const CALIBRATION_CONCURRENCY = 4;
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '—';
export const tty = process.stdout.isTTY;
export const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

export type Design = 'kuota' | 'baseline';

/** NIKs that pass every rule (province 31, women's birth dates), distinct for n < 139,972. */
const validNik = (n: number): string => registeredNik(n);

export interface Applicant {
  readonly index: number;
  readonly resellerId: string;
  readonly nik: string;
  readonly quantity: number;
  readonly key: string;
}

export type Outcome = 'FULFILLED' | 'REFUSED' | 'REJECTED' | 'ERROR' | 'TIMEOUT';

export interface Journey {
  readonly applicant: Applicant;
  outcome?: Outcome;
  reason?: string;
  fulfilledAt?: number;
  /** Final intake status (after 429 retries). */
  intakeStatus?: number;
  /** When the first intake attempt was sent, and when the client first held a payable order (its QR). */
  startedAt?: number;
  payableAt?: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly ms: number;
  /** Retry-After in ms, when the answer carries one. */
  readonly retryAfterMs?: number;
  /** The server held the read until the order moved on or its wait ended (Prefer: wait). */
  readonly waited?: boolean;
  /** The order's version as answered (ETag), sent back as If-None-Match by kuota's page. */
  readonly etag?: string;
}

/** A request of a simulated applicant: a network error or a timeout answers status 0, never throws. */
export const call = async (
  url: string,
  method: 'GET' | 'POST',
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<HttpAnswer> => {
  const started = performance.now();
  try {
    const answer = await requestJson(method, url, { ...options, timeoutMs: 35_000 });
    const retryAfter = Number(answer.headers.get('retry-after'));
    return {
      status: answer.status,
      body: bodyObject(answer.body),
      ms: answer.ms,
      ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      ...(answer.headers.has('preference-applied') ? { waited: true } : {}),
      ...(answer.headers.get('etag') ? { etag: answer.headers.get('etag') as string } : {}),
    };
  } catch {
    return { status: 0, body: {}, ms: performance.now() - started };
  }
};

/** Requests by kind and status, for the error report. */
export class StatusTally {
  readonly counts: Record<string, Record<string, number>> = {};
  add(kind: string, status: number) {
    this.counts[kind] ??= {};
    const bucket = this.counts[kind] as Record<string, number>;
    bucket[String(status)] = (bucket[String(status)] ?? 0) + 1;
  }
  count(predicate: (status: number) => boolean): number {
    return Object.values(this.counts).reduce(
      (sum, byStatus) =>
        sum +
        Object.entries(byStatus).reduce(
          (inner, [status, count]) => inner + (predicate(Number(status)) ? count : 0),
          0,
        ),
      0,
    );
  }
}

/** A round's applicants: seeded by the round, so both designs get exactly the same ones. */
export const buildApplicants = (round: number, resellerIds: string[]): Applicant[] => {
  // Seeded by the round, so both designs get exactly the same workload in a round.
  const random = seededRandom(round + 1);
  const base = round * 20_000;
  return Array.from({ length: settings.orders }, (_, index) => {
    const hot = random() < settings.hotShare;
    const resellerId = hot
      ? (resellerIds[0] as string)
      : (resellerIds[1 + Math.floor(random() * settings.otherResellers)] as string);
    const scalper = random() < settings.scalperShare;
    const nik = scalper
      ? validNik(base + 15_000 + Math.floor(random() * settings.scalperPool))
      : validNik(base + index);
    const roll = random();
    const quantity = scalper ? 3 : roll < 0.25 ? 1 : roll < 0.75 ? 2 : 3;
    return { index, resellerId, nik, quantity, key: `bench-r${round}-${index}` };
  });
};
