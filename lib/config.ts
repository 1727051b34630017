import { z } from 'zod';
import { DEFAULT_CLIENT_INTAKE_PER_MINUTE } from './infra/edge.js';
import { EnvVar, type EnvVarName } from './infra/resources.js';

/** The local stack's civil-registry population (public: it is synthetic; README, "Sample people"). */
export const DEFAULT_CIVIL_REGISTRY_SEED = 'kuota-sandbox-population-1';

const STAGES = ['local', 'staging', 'production'] as const;
/** Powertools' levels (it reads them case-insensitively, and so does this). */
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;

/**
 * One environment variable: its name (from `EnvVar`, the one module of names), its zod rule with its
 * default, and the line that documents it (the README's Configuration table is generated from these).
 */
interface Variable<S extends z.ZodType = z.ZodType> {
  readonly name: EnvVarName;
  readonly schema: S;
  readonly doc: string;
  /**
   * A resource only the sandbox uses: required in the stages that deploy the sandbox, absent in production.
   * Reading it where it is absent throws a ConfigurationError that names the variable.
   */
  readonly sandboxOnly: boolean;
  /** What leaving an optional variable unset means, for the README (its default otherwise says it). */
  readonly unset?: string;
}

const variable = <S extends z.ZodType>(
  name: EnvVarName,
  schema: S,
  doc: string,
  options: { sandboxOnly?: boolean; unset?: string } = {},
): Variable<S> => ({ name, schema, doc, sandboxOnly: options.sandboxOnly ?? false, ...options });
const sandboxOnly = <S extends z.ZodType>(name: EnvVarName, schema: S, doc: string): Variable<S> =>
  variable(name, schema, doc, { sandboxOnly: true });

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
/** http(s) only: z.url() alone takes `localhost:8000` as a URL with the scheme `localhost:`. */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** A probability for an injected DynamoDB fault; unset means 0 (no faults). */
const faultRate = z.coerce
  .number()
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1')
  .default(0);

/**
 * Every variable, once, in the shape of `Config` (`config().deadLetterQueueUrls.allocation`, ...). An
 * empty variable counts as unset. Secrets are not here: lib/secrets.ts reads them.
 */
const Variables = {
  stage: variable(
    EnvVar.stage,
    z.enum(STAGES).default('local'),
    '`local`, `staging` or `production` (production deploys no sandbox)',
  ),
  region: variable(
    EnvVar.awsRegion,
    z.string().min(1).default('ap-southeast-3'),
    'region of the tables and queues',
  ),
  mainTable: variable(EnvVar.mainTable, z.string().min(1), 'the main table (set by CDK / `npm start`)'),
  sandboxTable: sandboxOnly(
    EnvVar.sandboxTable,
    z.string().min(1),
    "the sandbox table: the simulated parties' state (set by CDK / `npm start`)",
  ),
  documentsBucket: variable(
    EnvVar.documentsBucket,
    z.string().min(3),
    'the documents bucket (uploads, stamped PDFs, checks)',
  ),
  allocationQueueUrl: variable(
    EnvVar.allocationQueueUrl,
    z.url(),
    'queue of paid quota orders awaiting minting',
  ),
  storefrontOrderQueueUrl: variable(
    EnvVar.storefrontOrderQueueUrl,
    z.url(),
    'queue of storefront orders intake could not reserve at once',
  ),
  storefrontTimerQueueUrl: variable(
    EnvVar.storefrontTimerQueueUrl,
    z.url(),
    "queue of storefront orders' timers",
  ),
  stampingQueueUrl: variable(EnvVar.stampingQueueUrl, z.url(), 'queue of submitted stampings'),
  resellerWebhookQueueUrl: variable(
    EnvVar.resellerWebhookQueueUrl,
    z.url(),
    'queue of webhooks to resellers',
  ),
  webhookDeliveryQueueUrl: sandboxOnly(
    EnvVar.webhookDeliveryQueueUrl,
    z.url(),
    "queue of the simulated parties' webhooks still to deliver",
  ),
  /** For alerts; the reseller webhook sender also dead-letters into its own. */
  deadLetterQueueUrls: {
    allocation: variable(EnvVar.allocationDlqUrl, z.url(), 'dead-letter queue of the allocation queue'),
    storefrontOrders: variable(
      EnvVar.storefrontOrderDlqUrl,
      z.url(),
      'dead-letter queue of the storefront order queue',
    ),
    storefrontTimers: variable(
      EnvVar.storefrontTimerDlqUrl,
      z.url(),
      'dead-letter queue of the storefront timer queue',
    ),
    stamping: variable(EnvVar.stampingDlqUrl, z.url(), 'dead-letter queue of the stamping queue'),
    resellerWebhooks: variable(
      EnvVar.resellerWebhookDlqUrl,
      z.url(),
      'dead-letter queue of the reseller webhook queue (its sender dead-letters there when retries run out)',
    ),
    webhookDelivery: sandboxOnly(
      EnvVar.webhookDeliveryDlqUrl,
      z.url(),
      'dead-letter queue of the webhook delivery queue',
    ),
  },
  signingKmsKeyId: variable(
    EnvVar.signingKmsKeyId,
    z.string().min(1).optional(),
    "on AWS: the issuer's asymmetric KMS signing key (set by CDK); its certificate chain is the secret `kuota-<stage>/signingCertificateChain`",
    { unset: 'the sandbox key from the environment signs (local only)' },
  ),
  resellerWebhookRetryBaseSeconds: variable(
    EnvVar.resellerWebhookRetryBaseSeconds,
    positiveInt(10),
    'first retry of a failed webhook to a reseller; each next one waits twice as long (at most 6 h)',
  ),
  resellerWebhookRetryWindowSeconds: variable(
    EnvVar.resellerWebhookRetryWindowSeconds,
    positiveInt(24 * 60 * 60),
    'how long a webhook to a reseller is retried before it is dead-lettered',
  ),
  billingTtlSeconds: variable(
    EnvVar.billingTtlSeconds,
    positiveInt(24 * 60 * 60),
    'validity of a tax billing code',
  ),
  stockShardCount: variable(
    EnvVar.stockShardCount,
    z.coerce.number().int().min(1).max(90).default(32),
    'stock shards per reseller, 1–90 (a transaction holds at most 100 items; see "Stock shards")',
  ),
  issuerStampsPerMinute: variable(
    EnvVar.issuerStampsPerMinute,
    positiveInt(600_000),
    "the issuer's minting rate",
  ),
  allocationChunkSize: variable(
    EnvVar.allocationChunkSize,
    positiveInt(10_000),
    'stamps minted per allocation step',
  ),
  reservationTtlSeconds: variable(
    EnvVar.reservationTtlSeconds,
    positiveInt(10 * 60),
    "how long a reservation (its QR) waits for payment: short, since an unpaid reservation holds stock and the buyer's cap",
  ),
  oneUnpaidReservationPerPerson: variable(
    EnvVar.oneUnpaidReservationPerPerson,
    z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('true')
      .transform((value) => value === 'true'),
    'a person holds at most one unpaid reservation (tests of other rules may turn it off)',
  ),
  clientLapsesPerHour: variable(
    EnvVar.clientLapsesPerHour,
    positiveInt(3),
    'a client whose reservations lapse unpaid this often in an hour gets 429 until the hour ends',
  ),
  civilRegistrySeed: variable(
    EnvVar.civilRegistrySeed,
    z.string().min(8).default(DEFAULT_CIVIL_REGISTRY_SEED),
    "the sandbox civil registry's synthetic population (local/staging only)",
  ),
  reconcileAfterSeconds: variable(
    EnvVar.reconcileAfterSeconds,
    positiveInt(60),
    "a reservation's timer asks the gateway this long after it was made (a lost webhook still fulfils)",
  ),
  abandonedHoldAfterSeconds: variable(
    EnvVar.abandonedHoldAfterSeconds,
    positiveInt(30),
    "a new order's timer settles a hold whose order intake never wrote this long after intake began (past the intake function's 10 s timeout)",
  ),
  intakeReserveBudgetMs: variable(
    EnvVar.intakeReserveBudgetMs,
    positiveInt(1_500),
    'time intake spends reserving at once (throttled or conflicting) before it queues the order (202)',
  ),
  nikDailyCap: variable(EnvVar.nikDailyCap, positiveInt(5), 'stamps per NIK per day, nationally'),
  nikIntakePerMinute: variable(
    EnvVar.nikIntakePerMinute,
    positiveInt(10),
    'storefront orders per NIK per minute',
  ),
  clientIntakePerMinute: variable(
    EnvVar.clientIntakePerMinute,
    positiveInt(DEFAULT_CLIENT_INTAKE_PER_MINUTE),
    'storefront orders per client IP per minute, enforced at the edge (WAF rule; the local gateway: `lib/infra/edge.ts`)',
  ),
  idleStockDays: variable(
    EnvVar.idleStockDays,
    z.coerce.number().positive().default(2),
    'days without a sale before stock counts as idle (alert)',
  ),
  refundSlaSeconds: variable(
    EnvVar.refundSlaSeconds,
    positiveInt(3_600),
    'a refund unconfirmed for longer raises an alert',
  ),
  paymentWatchSeconds: variable(
    EnvVar.paymentWatchSeconds,
    positiveInt(3_600),
    "after a QR expires (or the order settles, if later), how long until the order timer's last look for lost payment webhooks",
  ),
  maxBodyBytes: variable(EnvVar.maxBodyBytes, positiveInt(16 * 1024), 'request body limit (413 above)'),
  dynamoDbEndpoint: variable(
    EnvVar.dynamoDbEndpoint,
    httpUrl().optional(),
    'DynamoDB emulator endpoint (local only; must be loopback)',
    { unset: 'the AWS endpoint' },
  ),
  sqsEndpoint: variable(
    EnvVar.sqsEndpoint,
    httpUrl().optional(),
    'SQS emulator endpoint (local only; must be loopback)',
    { unset: 'the AWS endpoint' },
  ),
  s3Endpoint: variable(
    EnvVar.s3Endpoint,
    httpUrl().optional(),
    'S3 emulator endpoint (local only; must be loopback)',
    {
      unset: 'the AWS endpoint',
    },
  ),
  /** Injected DynamoDB faults (lib/adapters/fault-injection.ts), for the local stack and its tests. */
  faults: {
    throttleRate: variable(
      EnvVar.faultThrottleRate,
      faultRate,
      'injected DynamoDB fault (0–1): share of requests throttled; refused in production',
    ),
    transactionConflictRate: variable(
      EnvVar.faultTransactionConflictRate,
      faultRate,
      'injected DynamoDB fault (0–1): share of transactions cancelled by a conflict; refused in production',
    ),
    lostResponseRate: variable(
      EnvVar.faultLostResponseRate,
      faultRate,
      'injected DynamoDB fault (0–1): share of writes whose response is lost; refused in production',
    ),
  },
  logLevel: variable(
    EnvVar.logLevel,
    z
      .string()
      .toUpperCase()
      .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
      .default('INFO'),
    'Powertools log level',
  ),
  publicBaseUrl: variable(
    EnvVar.publicBaseUrl,
    httpUrl().optional(),
    'sandbox only: where the simulated parties send their webhooks',
    { unset: "the API's own address (its domain and stage)" },
  ),
} as const;

interface Variables {
  readonly [key: string]: Variable | Variables;
}
type ConfigOf<T> = {
  -readonly [K in keyof T]: T[K] extends Variable<infer S> ? z.output<S> : ConfigOf<T[K]>;
};
/**
 * The parsed configuration. `sandboxTable`, `webhookDeliveryQueueUrl` and `deadLetterQueueUrls.webhookDelivery`
 * exist only where the stage deploys the sandbox: elsewhere reading one throws a ConfigurationError naming
 * its variable, and `deadLetterQueueUrls` lists only the queues that exist.
 */
export type Config = ConfigOf<typeof Variables>;

const isVariable = (node: Variable | Variables): node is Variable => 'schema' in node && 'name' in node;
const leavesOf = (tree: Variables): Variable[] =>
  Object.values(tree).flatMap((node) => (isVariable(node) ? [node] : leavesOf(node)));
const ALL: readonly Variable[] = leavesOf(Variables);

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

const deploysSandbox = (stage: unknown): boolean => stage !== 'production';

/** The env-keyed schema: a zod issue's path is the variable's name. */
const environmentSchema = (sandbox: boolean) =>
  z.object(
    Object.fromEntries(
      ALL.map((v) => [v.name, v.sandboxOnly && !sandbox ? v.schema.optional() : v.schema]),
    ) as Record<EnvVarName, z.ZodType>,
  );

const problemOf = (issue: z.core.$ZodIssue, raw: Record<string, unknown>): string => {
  const name = String(issue.path[0]);
  const v = ALL.find((candidate) => candidate.name === name);
  if (!v || raw[name] !== undefined) return `${issue.path.join('.')}: ${issue.message}`;
  return v.sandboxOnly
    ? `${name}: required where the stage deploys the sandbox (every stage but production)`
    : `${name}: required`;
};

/** Builds `Config` from the env-keyed values, in the shape of the tree; absent sandbox resources throw on read. */
const shape = (tree: Variables, values: Record<string, unknown>): Record<string, unknown> => {
  const result: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) {
    if (!isVariable(node)) {
      result[key] = shape(node, values);
      continue;
    }
    const value = values[node.name];
    if (value !== undefined || !node.sandboxOnly) {
      result[key] = value;
      continue;
    }
    Object.defineProperty(result, key, {
      enumerable: false,
      get: () => {
        throw new ConfigurationError(
          `${node.name} is not set (stage ${String(values[EnvVar.stage])} deploys no sandbox), yet this code reads it`,
        );
      },
    });
  }
  return result;
};

export const parseConfig = (env: NodeJS.ProcessEnv): Config => {
  const raw: Record<string, string | undefined> = Object.fromEntries(
    ALL.map((v) => [v.name, env[v.name] === '' ? undefined : env[v.name]]),
  );
  const result = environmentSchema(deploysSandbox(raw[EnvVar.stage])).safeParse(raw);
  const problems = result.success ? [] : result.error.issues.map((issue) => problemOf(issue, raw));
  if (raw[EnvVar.stage] === 'production')
    for (const { name } of Object.values(Variables.faults))
      if (Number(raw[name]) > 0) problems.push(`${name}: fault injection is refused in production`);
  if (!result.success || problems.length > 0)
    throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`);
  return shape(Variables, result.data) as Config;
};

/** One documented variable, as the README's Configuration table shows it (test/unit/readme.test.ts). */
export interface VariableDoc {
  readonly name: EnvVarName;
  /** The value an unset variable takes, as text; undefined when it has none. */
  readonly default: string | undefined;
  readonly requirement: 'required' | 'sandbox' | 'optional';
  readonly unset?: string;
  readonly doc: string;
}

/** Every variable `config()` reads, with its default and its line of documentation, in definition order. */
export const configurationVariables = (): readonly VariableDoc[] =>
  ALL.map((v) => {
    const fallback = v.schema.safeParse(undefined);
    const value = fallback.success ? fallback.data : undefined;
    return {
      name: v.name,
      default: value === undefined ? undefined : String(value),
      requirement: v.sandboxOnly ? 'sandbox' : fallback.success ? 'optional' : 'required',
      ...(v.unset ? { unset: v.unset } : {}),
      doc: v.doc,
    };
  });

let cached: Config | undefined;

/** The process-wide configuration, parsed on first use (cold start). */
export const config = (): Config => {
  cached ??= parseConfig(process.env);
  return cached;
};

/** Tests and the local runtime re-read the environment after changing it. */
export const resetConfigForTests = (): void => {
  cached = undefined;
};
