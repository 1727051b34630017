import { z } from 'zod';
import { parseScriptArgs, type ScriptOptions, UsageError } from '../common/args.js';

/**
 * What a surge simulates, with the defaults of `npm run surge`. Every option is a flag of the same name
 * (`--pay-late 0.05`); `describeOptions` prints them at the start of a run.
 */
export interface WebhookFaultOptions {
  readonly duplicateRate: number;
  readonly dropRate: number;
  readonly delayMs: number;
  readonly reorder: boolean;
}

export interface SurgeOptions {
  /** Distinct applicants (people), honest and scalpers together. */
  readonly applicants: number;
  /** How many storefronts (R01..) take part. */
  readonly resellers: number;
  /** Stamps each taking-part reseller buys (and pays) through the wholesale API before the surge. */
  readonly stock: number;
  /** Seconds over which applicants arrive. */
  readonly durationSeconds: number;
  /** Seconds of the opening ramp (arrival rate rising from 0 to the base rate). */
  readonly rampSeconds: number;
  /** The spike: arrival rate times this factor ... */
  readonly spikeFactor: number;
  /** ... for this many seconds, right after the ramp (the deadline rush). */
  readonly spikeSeconds: number;
  /** Share of applicants who are scalpers: a few NIKs reused across many storefronts, maximum quantities. */
  readonly scalperShare: number;
  /** NIKs the scalpers share (0: one per four scalpers). */
  readonly scalperNiks: number;
  /** Shares of honest applicants who pay after the reservation expired / never pay / pay twice. */
  readonly payLate: number;
  readonly neverPay: number;
  readonly payTwice: number;
  /** Faults of the payment gateway's webhooks (POST /sandbox/faults); undefined leaves them as they are. */
  readonly webhookFaults?: WebhookFaultOptions;
  /** Most HTTP requests in flight at once. */
  readonly concurrency: number;
  /** Hard cap on HTTP requests; the surge stops issuing requests when reached (and says so). */
  readonly maxRequests: number;
  /** Hard cap on wall time, set-up and settling included. */
  readonly maxWallSeconds: number;
  /** Loopback source addresses (127.0.x.y) the applicants come from, as distinct clients; 1 = 127.0.0.1 only. */
  readonly clientAddresses: number;
  readonly seed: number;
  /** The national per-NIK daily cap the stack enforces (KUOTA_NIK_DAILY_CAP), checked from the outside. */
  readonly nikDailyCap: number;
  /** How often the stack's storefront sweeper runs (15 s in `npm start`): how long to wait for expiries. */
  readonly sweepIntervalSeconds: number;
  /**
   * The stack's KUOTA_PAYMENT_WATCH_SECONDS: how long after a QR expired it takes its last look at the
   * gateway for payments whose webhook was lost. The surge waits for that when it fits the run.
   */
  readonly paymentWatchSeconds: number;
  /**
   * Kill the whole stack (SIGKILL) once this many orders are accepted, restart it on the same state
   * directory and carry on; undefined: no crash. Only with the surge's own stack.
   */
  readonly crashAt?: number;
  /** The crash run's state directory (wiped at its start); `<out>/kuota-state` when undefined. */
  readonly stateDir?: string;
  readonly out: string;
}

const share = z.number().min(0).max(1);
const OptionsSchema = z
  .object({
    applicants: z.number().int().min(1).max(1_000_000),
    resellers: z.number().int().min(1).max(26),
    stock: z.number().int().min(0).max(100_000),
    durationSeconds: z.number().positive().max(3_600),
    rampSeconds: z.number().min(0).max(3_600),
    spikeFactor: z.number().min(1).max(1_000),
    spikeSeconds: z.number().min(0).max(3_600),
    scalperShare: share,
    scalperNiks: z.number().int().min(0),
    payLate: share,
    neverPay: share,
    payTwice: share,
    webhookFaults: z
      .object({
        duplicateRate: share,
        dropRate: share,
        delayMs: z.number().int().min(0).max(900_000),
        reorder: z.boolean(),
      })
      .optional(),
    concurrency: z.number().int().min(1).max(4_096),
    maxRequests: z.number().int().min(1),
    maxWallSeconds: z
      .number()
      .positive()
      .max(6 * 3_600),
    clientAddresses: z.number().int().min(1).max(65_000),
    seed: z.number().int().min(0),
    nikDailyCap: z.number().int().min(1),
    sweepIntervalSeconds: z.number().positive(),
    paymentWatchSeconds: z.number().min(0),
    crashAt: z.number().int().min(1).optional(),
    stateDir: z.string().min(1).optional(),
    out: z.string().min(1),
  })
  .refine((options) => options.payLate + options.neverPay + options.payTwice <= 1, {
    message: '--pay-late + --never-pay + --pay-twice must be at most 1',
  })
  .refine((options) => options.rampSeconds + options.spikeSeconds <= options.durationSeconds, {
    message: '--ramp + --spike-seconds must fit in --duration',
  });

export const DEFAULT_OPTIONS: SurgeOptions = {
  applicants: 2_000,
  resellers: 26,
  stock: 200,
  durationSeconds: 30,
  rampSeconds: 10,
  spikeFactor: 5,
  spikeSeconds: 5,
  scalperShare: 0.05,
  scalperNiks: 0,
  payLate: 0.05,
  neverPay: 0.05,
  payTwice: 0.03,
  webhookFaults: undefined,
  concurrency: 256,
  maxRequests: 300_000,
  maxWallSeconds: 900,
  clientAddresses: process.platform === 'linux' ? 128 : 1,
  seed: 0,
  nikDailyCap: 5,
  sweepIntervalSeconds: 15,
  paymentWatchSeconds: 3_600,
  out: 'test-artifacts/surge',
};

export { UsageError };

export const validateOptions = (options: SurgeOptions): SurgeOptions => {
  const result = OptionsSchema.safeParse(options);
  if (!result.success) {
    throw new UsageError(
      result.error.issues
        .map(
          (issue) => `${issue.path.length > 0 ? `--${kebab(issue.path.join('.'))}: ` : ''}${issue.message}`,
        )
        .join('; '),
    );
  }
  return options;
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** `0.2` (duplicates and drops at 20%), or `duplicate=0.3,drop=0.1,delay=500,reorder`, or `none`. */
export const parseWebhookFaults = (text: string): WebhookFaultOptions => {
  const trimmed = text.trim();
  if (trimmed === 'none' || trimmed === '0')
    return { duplicateRate: 0, dropRate: 0, delayMs: 0, reorder: false };
  if (/^[0-9.]+$/.test(trimmed)) {
    const rate = Number(trimmed);
    return { duplicateRate: rate, dropRate: rate, delayMs: 0, reorder: false };
  }
  const faults = { duplicateRate: 0, dropRate: 0, delayMs: 0, reorder: false };
  for (const part of trimmed.split(',')) {
    const [key = '', value] = part.split('=').map((piece) => piece.trim());
    if (key === 'duplicate' || key === 'dup') faults.duplicateRate = Number(value);
    else if (key === 'drop') faults.dropRate = Number(value);
    else if (key === 'delay') faults.delayMs = Number(value);
    else if (key === 'reorder') faults.reorder = value === undefined || value === 'true';
    else throw new UsageError(`--webhook-faults: unknown part "${part}"`);
  }
  return faults;
};

const numberFlag = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text.replace(/x$/i, ''));
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`--${name} must be a number, not "${text}"`);
  return value;
};

export const USAGE = `npm run surge -- [options]

Reproduces a deadline day over HTTP only: against a stack of its own (the default: in-memory emulators,
20 s payment windows, a 10 s payment watch, every schedule and timer running), or with --target running
against the stack \`npm start\` runs.

  --target running      drive the running \`npm start\` stack instead of starting one

  --applicants N        distinct applicants                                  (${DEFAULT_OPTIONS.applicants})
  --resellers N         storefronts taking part, R01..                        (${DEFAULT_OPTIONS.resellers})
  --stock N             stamps each of them buys and pays first               (${DEFAULT_OPTIONS.stock})
  --duration S          seconds over which applicants arrive                  (${DEFAULT_OPTIONS.durationSeconds})
  --ramp S              opening ramp, seconds                                 (${DEFAULT_OPTIONS.rampSeconds})
  --spike Fx            arrival rate times F right after the ramp             (${DEFAULT_OPTIONS.spikeFactor}x)
  --spike-seconds S     how long the spike lasts                              (${DEFAULT_OPTIONS.spikeSeconds})
  --scalper-share P     share of applicants who are scalpers                  (${DEFAULT_OPTIONS.scalperShare})
  --scalper-niks N      NIKs the scalpers share (0: one per four scalpers)    (auto)
  --pay-late P          share who pay after the reservation expired           (${DEFAULT_OPTIONS.payLate})
  --never-pay P         share who never pay                                   (${DEFAULT_OPTIONS.neverPay})
  --pay-twice P         share who pay twice                                   (${DEFAULT_OPTIONS.payTwice})
  --webhook-faults F    payment-gateway webhook faults: 0.2, or
                        duplicate=0.3,drop=0.1,delay=500,reorder, or none     (left as they are)
  --concurrency N       requests to kuota in flight at most (not payments)      (${DEFAULT_OPTIONS.concurrency})
  --max-requests N      hard cap on HTTP requests                             (${DEFAULT_OPTIONS.maxRequests})
  --max-wall S          hard cap on wall time, seconds                        (${DEFAULT_OPTIONS.maxWallSeconds})
  --client-addresses N  loopback source addresses = distinct clients          (${DEFAULT_OPTIONS.clientAddresses})
  --nik-cap N           the stack's per-NIK daily cap (KUOTA_NIK_DAILY_CAP)   (${DEFAULT_OPTIONS.nikDailyCap})
  --sweep-interval S    the stack's storefront sweeper period                 (${DEFAULT_OPTIONS.sweepIntervalSeconds})
  --payment-watch S     the stack's KUOTA_PAYMENT_WATCH_SECONDS               (${DEFAULT_OPTIONS.paymentWatchSeconds})
  --seed N              reproduce a population                                (random)
  --out DIR             report directory                                      (${DEFAULT_OPTIONS.out})

  --crash-at N          kill the stack (SIGKILL) after N accepted orders      (no crash)
                        and restart it on the same state directory mid-surge: the stack runs as
                        \`npm start\` in a child process; every check as usual, plus that the crash
                        happened with orders in flight
  --state-dir DIR       the crash run's state directory, wiped at its start   (<out>/kuota-state)

With --target running, late and unpaid orders only resolve within the run when the stack reserves
briefly, and a payment whose webhook was lost after the order settled only when its payment watch is short;
start it with e.g. KUOTA_RESERVATION_TTL_SECONDS=20 KUOTA_PAYMENT_WATCH_SECONDS=20 npm start -- --fresh and pass
the same watch: npm run surge -- --target running --payment-watch 20. The surge waits for the stack's own
timers and sweeper; it triggers nothing itself.
Exit code: 0 no invariant violated, 1 violations (each printed), 2 the stack is not running or bad options.`;

/** The flags of `npm run surge`; USAGE above says what each means and its default. */
const SURGE_FLAGS = {
  target: { type: 'string' },
  applicants: { type: 'string' },
  resellers: { type: 'string' },
  stock: { type: 'string' },
  duration: { type: 'string' },
  ramp: { type: 'string' },
  spike: { type: 'string' },
  'spike-seconds': { type: 'string' },
  'scalper-share': { type: 'string' },
  'scalper-niks': { type: 'string' },
  'pay-late': { type: 'string' },
  'never-pay': { type: 'string' },
  'pay-twice': { type: 'string' },
  'webhook-faults': { type: 'string' },
  concurrency: { type: 'string' },
  'max-requests': { type: 'string' },
  'max-wall': { type: 'string' },
  'client-addresses': { type: 'string' },
  'nik-cap': { type: 'string' },
  'sweep-interval': { type: 'string' },
  'payment-watch': { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  'crash-at': { type: 'string' },
  'state-dir': { type: 'string' },
} as const satisfies ScriptOptions;

export interface SurgeArgs {
  readonly options: SurgeOptions;
  /** `--target running`: drive the stack `npm start` runs instead of one of its own. */
  readonly targetRunning: boolean;
  /** Whether the command line named this flag (so a stack's own setting does not override it). */
  readonly given: (flag: keyof typeof SURGE_FLAGS) => boolean;
}

export const parseSurgeArgs = (argv: readonly string[]): SurgeArgs | 'HELP' => {
  const { values, help } = parseScriptArgs(SURGE_FLAGS, argv);
  if (help) return 'HELP';
  if (values.target !== undefined && values.target !== 'running')
    throw new UsageError(`--target takes "running" (the stack \`npm start\` runs), not "${values.target}"`);
  return {
    options: surgeOptionsOf(values),
    targetRunning: values.target === 'running',
    given: (flag) => values[flag] !== undefined,
  };
};

const surgeOptionsOf = (values: { readonly [K in keyof typeof SURGE_FLAGS]?: string }): SurgeOptions => {
  const d = DEFAULT_OPTIONS;
  const n = (name: keyof typeof values, fallback: number) =>
    numberFlag(name, values[name] as string | undefined) ?? fallback;
  return validateOptions({
    applicants: n('applicants', d.applicants),
    resellers: n('resellers', d.resellers),
    stock: n('stock', d.stock),
    durationSeconds: n('duration', d.durationSeconds),
    rampSeconds: n('ramp', d.rampSeconds),
    spikeFactor: n('spike', d.spikeFactor),
    spikeSeconds: n('spike-seconds', d.spikeSeconds),
    scalperShare: n('scalper-share', d.scalperShare),
    scalperNiks: n('scalper-niks', d.scalperNiks),
    payLate: n('pay-late', d.payLate),
    neverPay: n('never-pay', d.neverPay),
    payTwice: n('pay-twice', d.payTwice),
    webhookFaults:
      values['webhook-faults'] === undefined ? undefined : parseWebhookFaults(values['webhook-faults']),
    concurrency: n('concurrency', d.concurrency),
    maxRequests: n('max-requests', d.maxRequests),
    maxWallSeconds: n('max-wall', d.maxWallSeconds),
    clientAddresses: n('client-addresses', d.clientAddresses),
    nikDailyCap: n('nik-cap', d.nikDailyCap),
    sweepIntervalSeconds: n('sweep-interval', d.sweepIntervalSeconds),
    paymentWatchSeconds: n('payment-watch', d.paymentWatchSeconds),
    seed: n('seed', Math.floor(Math.random() * 2 ** 31)),
    crashAt: numberFlag('crash-at', values['crash-at']),
    stateDir: values['state-dir'],
    out: values.out ?? d.out,
  });
};

export const describeOptions = (options: SurgeOptions): string => {
  const faults = options.webhookFaults
    ? `duplicate ${options.webhookFaults.duplicateRate}, drop ${options.webhookFaults.dropRate}, delay ${options.webhookFaults.delayMs} ms${options.webhookFaults.reorder ? ', reorder' : ''}`
    : 'left as configured';
  return [
    `  applicants       ${options.applicants} (scalpers ${Math.round(options.applicants * options.scalperShare)}, sharing ${options.scalperNiks || 'auto'} NIKs)`,
    `  storefronts      ${options.resellers}, each stocked with ${options.stock} stamps first`,
    `  arrivals         ${options.durationSeconds} s: ramp ${options.rampSeconds} s, then a ${options.spikeFactor}x spike for ${options.spikeSeconds} s`,
    `  payment          late ${options.payLate}, never ${options.neverPay}, twice ${options.payTwice} (of honest applicants)`,
    `  webhook faults   ${faults}`,
    `  bounds           ${options.concurrency} in flight, at most ${options.maxRequests} requests and ${options.maxWallSeconds} s`,
    `  clients          ${options.clientAddresses} loopback source address(es)`,
    `  checks           per-NIK cap ${options.nikDailyCap}, sweeper every ${options.sweepIntervalSeconds} s, payment watch ${options.paymentWatchSeconds} s`,
    `  seed             ${options.seed}`,
    ...(options.crashAt === undefined
      ? []
      : [
          `  crash            the stack is killed after ${options.crashAt} accepted orders and restarted on ${options.stateDir ?? `${options.out}/kuota-state`}`,
        ]),
  ].join('\n');
};
