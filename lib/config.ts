import { z } from 'zod';
import { DEFAULT_CLIENT_INTAKE_PER_MINUTE } from './infra/edge.js';
import { EnvVar } from './infra/resources.js';

/**
 * Configuration is parsed once, at cold start. A missing or malformed variable fails loudly with every
 * problem named, instead of surfacing later as an `undefined` deep inside a request.
 */
/** The local stack's civil-registry population (public: it is synthetic; README, "Sample people"). */
export const DEFAULT_CIVIL_REGISTRY_SEED = 'kuota-sandbox-population-1';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** A probability for an injected DynamoDB fault; unset means 0 (no faults). */
const faultRate = z.coerce
  .number()
  .min(0, 'must be between 0 and 1')
  .max(1, 'must be between 0 and 1')
  .default(0);

const ConfigSchema = z.object({
  stage: z.enum(['local', 'staging', 'production']).default('local'),
  region: z.string().min(1).default('ap-southeast-3'),
  mainTable: z.string().min(1),
  sandboxTable: z.string().min(1),
  allocationQueueUrl: z.url(),
  webhookDeliveryQueueUrl: z.url(),
  billingTtlSeconds: positiveInt(24 * 60 * 60),
  /** Stock shards per reseller; README "Stock shards" has the arithmetic. At most 90 (transaction limit). */
  stockShardCount: z.coerce.number().int().min(1).max(90).default(32),
  issuerStampsPerMinute: positiveInt(600_000),
  allocationChunkSize: positiveInt(10_000),
  storefrontOrderQueueUrl: z.url(),
  storefrontTimerQueueUrl: z.url(),
  resellerWebhookQueueUrl: z.url(),
  /** Reseller webhooks: first retry after this many seconds, doubling, for `resellerWebhookRetryWindowSeconds`. */
  resellerWebhookRetryBaseSeconds: positiveInt(10),
  resellerWebhookRetryWindowSeconds: positiveInt(24 * 60 * 60),
  /** The payment window, and the QR's lifetime (short: an unpaid reservation holds stock and the cap). */
  reservationTtlSeconds: positiveInt(10 * 60),
  nikDailyCap: positiveInt(5),
  /**
   * Holding without paying is bounded (on by default): one unpaid reservation per person at a time, and a
   * client whose reservations lapse unpaid `clientLapsesPerHour` times in an hour waits for the next hour.
   */
  oneUnpaidReservationPerPerson: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true'),
  clientLapsesPerHour: positiveInt(3),
  nikIntakePerMinute: positiveInt(10),
  /** The edge's per-client intake limit (WAF on AWS, the local gateway here: lib/infra/edge.ts). */
  clientIntakePerMinute: positiveInt(DEFAULT_CLIENT_INTAKE_PER_MINUTE),
  deadLetterQueueUrls: z.object({
    allocation: z.url(),
    storefrontOrders: z.url(),
    storefrontTimers: z.url(),
    webhookDelivery: z.url(),
    stamping: z.url(),
    resellerWebhooks: z.url(),
  }),
  documentsBucket: z.string().min(3),
  stampingQueueUrl: z.url(),
  s3Endpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** The issuer's KMS signing key on AWS; without it the sandbox key from the environment signs (local only). */
  signingKmsKeyId: z.string().min(1).optional(),
  /** A reservation is reconciled with the gateway this long after it was made (a lost webhook still fulfils). */
  reconcileAfterSeconds: positiveInt(60),
  /** The simulated civil registry's population follows from this seed (sandbox only; see lib/sandbox). */
  civilRegistrySeed: z.string().min(8).default(DEFAULT_CIVIL_REGISTRY_SEED),
  /** Time intake spends reserving at once before it queues the order instead (202). */
  intakeReserveBudgetMs: positiveInt(1_500),
  idleStockDays: z.coerce.number().positive().default(2),
  refundSlaSeconds: positiveInt(3_600),
  paymentWatchSeconds: positiveInt(3_600),
  maxBodyBytes: positiveInt(16 * 1024),
  // http(s) only: z.url() alone takes `localhost:8000` as a URL with the scheme `localhost:`.
  dynamoDbEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  sqsEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /**
   * Injected DynamoDB faults (lib/adapters/fault-injection.ts), for the local stack and its tests: the share
   * of requests throttled, of transactions cancelled by a conflict, of writes whose response is lost.
   */
  faults: z.object({
    throttleRate: faultRate,
    transactionConflictRate: faultRate,
    lostResponseRate: faultRate,
  }),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export const parseConfig = (env: NodeJS.ProcessEnv): Config => {
  const result = ConfigSchema.safeParse({
    stage: env[EnvVar.stage],
    region: env[EnvVar.awsRegion],
    mainTable: env[EnvVar.mainTable],
    sandboxTable: env[EnvVar.sandboxTable],
    allocationQueueUrl: env[EnvVar.allocationQueueUrl],
    webhookDeliveryQueueUrl: env[EnvVar.webhookDeliveryQueueUrl],
    billingTtlSeconds: env[EnvVar.billingTtlSeconds],
    stockShardCount: env[EnvVar.stockShardCount],
    issuerStampsPerMinute: env[EnvVar.issuerStampsPerMinute],
    allocationChunkSize: env[EnvVar.allocationChunkSize],
    storefrontOrderQueueUrl: env[EnvVar.storefrontOrderQueueUrl],
    storefrontTimerQueueUrl: env[EnvVar.storefrontTimerQueueUrl],
    resellerWebhookQueueUrl: env[EnvVar.resellerWebhookQueueUrl],
    resellerWebhookRetryBaseSeconds: env[EnvVar.resellerWebhookRetryBaseSeconds],
    resellerWebhookRetryWindowSeconds: env[EnvVar.resellerWebhookRetryWindowSeconds],
    reservationTtlSeconds: env[EnvVar.reservationTtlSeconds],
    nikDailyCap: env[EnvVar.nikDailyCap],
    oneUnpaidReservationPerPerson: env[EnvVar.oneUnpaidReservationPerPerson] || undefined,
    clientLapsesPerHour: env[EnvVar.clientLapsesPerHour],
    nikIntakePerMinute: env[EnvVar.nikIntakePerMinute],
    clientIntakePerMinute: env[EnvVar.clientIntakePerMinute],
    deadLetterQueueUrls: {
      allocation: env[EnvVar.allocationDlqUrl],
      storefrontOrders: env[EnvVar.storefrontOrderDlqUrl],
      storefrontTimers: env[EnvVar.storefrontTimerDlqUrl],
      webhookDelivery: env[EnvVar.webhookDeliveryDlqUrl],
      stamping: env[EnvVar.stampingDlqUrl],
      resellerWebhooks: env[EnvVar.resellerWebhookDlqUrl],
    },
    documentsBucket: env[EnvVar.documentsBucket],
    stampingQueueUrl: env[EnvVar.stampingQueueUrl],
    s3Endpoint: env[EnvVar.s3Endpoint] || undefined,
    signingKmsKeyId: env[EnvVar.signingKmsKeyId] || undefined,
    reconcileAfterSeconds: env[EnvVar.reconcileAfterSeconds],
    civilRegistrySeed: env[EnvVar.civilRegistrySeed] || undefined,
    intakeReserveBudgetMs: env[EnvVar.intakeReserveBudgetMs],
    idleStockDays: env[EnvVar.idleStockDays],
    refundSlaSeconds: env[EnvVar.refundSlaSeconds],
    paymentWatchSeconds: env[EnvVar.paymentWatchSeconds],
    maxBodyBytes: env[EnvVar.maxBodyBytes],
    dynamoDbEndpoint: env[EnvVar.dynamoDbEndpoint] || undefined,
    sqsEndpoint: env[EnvVar.sqsEndpoint] || undefined,
    faults: {
      throttleRate: env[EnvVar.faultThrottleRate] || undefined,
      transactionConflictRate: env[EnvVar.faultTransactionConflictRate] || undefined,
      lostResponseRate: env[EnvVar.faultLostResponseRate] || undefined,
    },
  });
  if (!result.success) {
    const envNames: Record<string, string> = {
      stage: EnvVar.stage,
      region: EnvVar.awsRegion,
      mainTable: EnvVar.mainTable,
      sandboxTable: EnvVar.sandboxTable,
      allocationQueueUrl: EnvVar.allocationQueueUrl,
      webhookDeliveryQueueUrl: EnvVar.webhookDeliveryQueueUrl,
      billingTtlSeconds: EnvVar.billingTtlSeconds,
      stockShardCount: EnvVar.stockShardCount,
      issuerStampsPerMinute: EnvVar.issuerStampsPerMinute,
      allocationChunkSize: EnvVar.allocationChunkSize,
      storefrontOrderQueueUrl: EnvVar.storefrontOrderQueueUrl,
      storefrontTimerQueueUrl: EnvVar.storefrontTimerQueueUrl,
      resellerWebhookQueueUrl: EnvVar.resellerWebhookQueueUrl,
      resellerWebhookRetryBaseSeconds: EnvVar.resellerWebhookRetryBaseSeconds,
      resellerWebhookRetryWindowSeconds: EnvVar.resellerWebhookRetryWindowSeconds,
      reconcileAfterSeconds: EnvVar.reconcileAfterSeconds,
      civilRegistrySeed: EnvVar.civilRegistrySeed,
      intakeReserveBudgetMs: EnvVar.intakeReserveBudgetMs,
      reservationTtlSeconds: EnvVar.reservationTtlSeconds,
      nikDailyCap: EnvVar.nikDailyCap,
      oneUnpaidReservationPerPerson: EnvVar.oneUnpaidReservationPerPerson,
      clientLapsesPerHour: EnvVar.clientLapsesPerHour,
      nikIntakePerMinute: EnvVar.nikIntakePerMinute,
      clientIntakePerMinute: EnvVar.clientIntakePerMinute,
      idleStockDays: EnvVar.idleStockDays,
      refundSlaSeconds: EnvVar.refundSlaSeconds,
      paymentWatchSeconds: EnvVar.paymentWatchSeconds,
      maxBodyBytes: EnvVar.maxBodyBytes,
      dynamoDbEndpoint: EnvVar.dynamoDbEndpoint,
      sqsEndpoint: EnvVar.sqsEndpoint,
      documentsBucket: EnvVar.documentsBucket,
      stampingQueueUrl: EnvVar.stampingQueueUrl,
      s3Endpoint: EnvVar.s3Endpoint,
      signingKmsKeyId: EnvVar.signingKmsKeyId,
    };
    const dlqNames: Record<string, string> = {
      allocation: EnvVar.allocationDlqUrl,
      storefrontOrders: EnvVar.storefrontOrderDlqUrl,
      storefrontTimers: EnvVar.storefrontTimerDlqUrl,
      webhookDelivery: EnvVar.webhookDeliveryDlqUrl,
      stamping: EnvVar.stampingDlqUrl,
      resellerWebhooks: EnvVar.resellerWebhookDlqUrl,
    };
    const faultNames: Record<string, string> = {
      throttleRate: EnvVar.faultThrottleRate,
      transactionConflictRate: EnvVar.faultTransactionConflictRate,
      lostResponseRate: EnvVar.faultLostResponseRate,
    };
    const nameOf = (path: readonly PropertyKey[]) =>
      path[0] === 'deadLetterQueueUrls'
        ? (dlqNames[String(path[1])] ?? path.join('.'))
        : path[0] === 'faults'
          ? (faultNames[String(path[1])] ?? path.join('.'))
          : (envNames[String(path[0])] ?? path.join('.'));
    const problems = result.error.issues.map((issue) => `${nameOf(issue.path)}: ${issue.message}`).join('; ');
    throw new ConfigurationError(`invalid configuration: ${problems}`);
  }
  const { faults, stage } = result.data;
  if (stage === 'production' && Object.values(faults).some((rate) => rate > 0)) {
    throw new ConfigurationError(
      `invalid configuration: ${EnvVar.faultThrottleRate}, ${EnvVar.faultTransactionConflictRate} and ${EnvVar.faultLostResponseRate} (fault injection) are refused in production`,
    );
  }
  return result.data;
};

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
