/**
 * The single description of kuota's cloud resources: tables, their keys and indexes, queues, and the
 * environment variable names that carry their physical names to the handlers.
 *
 * `cdk/` builds the AWS stack from this module and `lib/runtime/` builds the local cloud from it, so the
 * infrastructure and the code that uses it cannot drift apart.
 */

/**
 * The name of every environment variable, and only the name: what each means, its rule and its default are
 * in lib/config.ts (and the README table generated from it), or lib/secrets.ts for the secrets. All are
 * `KUOTA_`-prefixed except AWS's own `AWS_REGION` (test/unit/config.test.ts).
 */
export const EnvVar = {
  stage: 'KUOTA_STAGE',
  mainTable: 'KUOTA_MAIN_TABLE',
  sandboxTable: 'KUOTA_SANDBOX_TABLE',
  allocationQueueUrl: 'KUOTA_ALLOCATION_QUEUE_URL',
  webhookDeliveryQueueUrl: 'KUOTA_WEBHOOK_DELIVERY_QUEUE_URL',
  taxAuthorityWebhookSecret: 'KUOTA_TAX_AUTHORITY_WEBHOOK_SECRET',
  paymentGatewayWebhookSecret: 'KUOTA_PAYMENT_GATEWAY_WEBHOOK_SECRET',
  nikHmacKey: 'KUOTA_NIK_HMAC_KEY',
  serialKey: 'KUOTA_SERIAL_KEY',
  orderTokenKey: 'KUOTA_ORDER_TOKEN_KEY',
  billingTtlSeconds: 'KUOTA_BILLING_TTL_SECONDS',
  stockShardCount: 'KUOTA_STOCK_SHARDS',
  issuerStampsPerMinute: 'KUOTA_ISSUER_STAMPS_PER_MINUTE',
  allocationChunkSize: 'KUOTA_ALLOCATION_CHUNK',
  storefrontOrderQueueUrl: 'KUOTA_STOREFRONT_ORDER_QUEUE_URL',
  storefrontTimerQueueUrl: 'KUOTA_STOREFRONT_TIMER_QUEUE_URL',
  storefrontTimerDlqUrl: 'KUOTA_STOREFRONT_TIMER_DLQ_URL',
  allocationDlqUrl: 'KUOTA_ALLOCATION_DLQ_URL',
  storefrontOrderDlqUrl: 'KUOTA_STOREFRONT_ORDER_DLQ_URL',
  webhookDeliveryDlqUrl: 'KUOTA_WEBHOOK_DELIVERY_DLQ_URL',
  resellerWebhookQueueUrl: 'KUOTA_RESELLER_WEBHOOK_QUEUE_URL',
  resellerWebhookDlqUrl: 'KUOTA_RESELLER_WEBHOOK_DLQ_URL',
  resellerWebhookRetryBaseSeconds: 'KUOTA_RESELLER_WEBHOOK_RETRY_BASE_SECONDS',
  resellerWebhookRetryWindowSeconds: 'KUOTA_RESELLER_WEBHOOK_RETRY_WINDOW_SECONDS',
  idleStockDays: 'KUOTA_IDLE_STOCK_DAYS',
  refundSlaSeconds: 'KUOTA_REFUND_SLA_SECONDS',
  paymentWatchSeconds: 'KUOTA_PAYMENT_WATCH_SECONDS',
  reservationTtlSeconds: 'KUOTA_RESERVATION_TTL_SECONDS',
  reconcileAfterSeconds: 'KUOTA_RECONCILE_AFTER_SECONDS',
  abandonedHoldAfterSeconds: 'KUOTA_ABANDONED_HOLD_AFTER_SECONDS',
  civilRegistrySeed: 'KUOTA_CIVIL_REGISTRY_SEED',
  oneUnpaidReservationPerPerson: 'KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON',
  clientLapsesPerHour: 'KUOTA_CLIENT_LAPSES_PER_HOUR',
  intakeReserveBudgetMs: 'KUOTA_INTAKE_RESERVE_BUDGET_MS',
  nikDailyCap: 'KUOTA_NIK_DAILY_CAP',
  nikIntakePerMinute: 'KUOTA_NIK_INTAKE_PER_MINUTE',
  clientIntakePerMinute: 'KUOTA_CLIENT_INTAKE_PER_MINUTE',
  maxBodyBytes: 'KUOTA_MAX_BODY_BYTES',
  dynamoDbEndpoint: 'KUOTA_DYNAMODB_ENDPOINT',
  sqsEndpoint: 'KUOTA_SQS_ENDPOINT',
  faultThrottleRate: 'KUOTA_FAULT_THROTTLE_RATE',
  faultTransactionConflictRate: 'KUOTA_FAULT_TRANSACTION_CONFLICT_RATE',
  faultLostResponseRate: 'KUOTA_FAULT_LOST_RESPONSE_RATE',
  awsRegion: 'AWS_REGION',
  logLevel: 'KUOTA_LOG_LEVEL',
  documentsBucket: 'KUOTA_DOCUMENTS_BUCKET',
  stampingQueueUrl: 'KUOTA_STAMPING_QUEUE_URL',
  stampingDlqUrl: 'KUOTA_STAMPING_DLQ_URL',
  s3Endpoint: 'KUOTA_S3_ENDPOINT',
  signingKmsKeyId: 'KUOTA_SIGNING_KMS_KEY_ID',
  /** Local sandbox only: the issuer's certificate chain and private key, generated at first start. */
  signingCertificateChain: 'KUOTA_SIGNING_CERTIFICATE_CHAIN',
  signingPrivateKey: 'KUOTA_SIGNING_PRIVATE_KEY',
  publicBaseUrl: 'KUOTA_PUBLIC_BASE_URL',
} as const;
export type EnvVarName = (typeof EnvVar)[keyof typeof EnvVar];

/**
 * The secrets, each its own Secrets Manager secret on AWS, so a function holds only those it declares
 * (`secrets` in its spec). Locally each comes from the environment variable of the same name in `EnvVar`.
 */
export const SECRET_NAMES = [
  'taxAuthorityWebhookSecret',
  'paymentGatewayWebhookSecret',
  'nikHmacKey',
  'serialKey',
  'orderTokenKey',
  'signingCertificateChain',
  'signingPrivateKey',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** Secrets that exist only in the local sandbox (on AWS the private key is in KMS). */
export const LOCAL_ONLY_SECRETS: ReadonlySet<SecretName> = new Set(['signingPrivateKey']);

/** On AWS, the variable that carries a granted secret's ARN: `KUOTA_SECRET_ARN_NIK_HMAC_KEY` and so on. */
export const secretArnEnvVar = (name: SecretName): string =>
  `KUOTA_SECRET_ARN_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /**
   * What the index copies of each item. KEYS_ONLY: an index write only when the item enters or leaves the
   * index (a small item, one write unit); readers fetch the items themselves. ALL: every update of a
   * projected item is written to the index again, at the item's full size.
   */
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** INCLUDE: the item attributes the index copies besides the keys (an index write when one changes). */
  readonly nonKeyAttributes?: readonly string[];
}

/** An index's projection as DynamoDB's API takes it and describes it (CreateTable, DescribeTable). */
export const projectionOf = (index: IndexDefinition) => ({
  ProjectionType: index.projection,
  ...(index.projection === 'INCLUDE' ? { NonKeyAttributes: [...(index.nonKeyAttributes ?? [])] } : {}),
});

/** Every table, queue and bucket: its name, and the variable that carries it to the handlers. */
export interface ResourceDefinition {
  /** Logical name; the physical name is `<prefix>-<logicalName>` (`physicalName`). */
  readonly logicalName: string;
  /** Carries the physical name (a queue's URL) to the functions that use it. */
  readonly envVar: EnvVarName;
}

export interface TableDefinition extends ResourceDefinition {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly indexes: readonly IndexDefinition[];
  /** Housekeeping only: business expiry is application-driven, DynamoDB TTL can lag by days. */
  readonly timeToLiveAttribute?: string;
}

export const Index = {
  /** Sparse index of items in a state that a scheduled job must revisit (e.g. billings awaiting payment). */
  work: { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
  /**
   * A reseller's own records by time: its storefront and own-channel orders (spread over
   * `RESELLER_ORDER_BUCKETS` partitions, sorted by creation) and its completed refunds (one partition per
   * Asia/Jakarta day). Written with the record itself. Keys only: an order is updated several times on the
   * sale path (reserved, paid, fulfilled) and a webhook event on every delivery attempt, and none of those
   * updates should be written to the index again; listings read the items by key (one BatchGet a page).
   */
  byReseller: { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'KEYS_ONLY' },
  /**
   * A reseller's ledger by time, sharded like its stock (`MainKeys.ledgerPartition`): each MINT entry item,
   * and each sold order, which is its own SELL entry (`saleEntryOf`). The sale's index entry comes with the
   * order's own write: the fulfilment's transaction writes no second item for the ledger, and an index
   * write is billed as a standard write, outside the transaction's double rate. The keys, and the two
   * attributes the sale fold needs (`stockStore.foldSales`, `readStock`), so it reads the index alone:
   * both are written with the entry and never change, while a sold order is updated again (stamping,
   * refunds) and none of that is written to the index. The listing reads the items by key.
   */
  ledger: {
    indexName: 'gsi3',
    partitionKey: 'gsi3pk',
    sortKey: 'gsi3sk',
    projection: 'INCLUDE',
    nonKeyAttributes: ['quantity', 'foldShard'],
  },
} as const satisfies Record<string, IndexDefinition>;

export const Tables = {
  main: {
    logicalName: 'main',
    envVar: EnvVar.mainTable,
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [Index.work, Index.byReseller, Index.ledger],
    timeToLiveAttribute: 'purgeAt',
  },
  /** State of the simulated external parties (tax authority, payment gateway). Never deployed to production. */
  sandbox: {
    logicalName: 'sandbox',
    envVar: EnvVar.sandboxTable,
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [],
    timeToLiveAttribute: 'purgeAt',
  },
} as const satisfies Record<string, TableDefinition>;
export type TableKey = keyof typeof Tables;

export interface QueueDefinition extends ResourceDefinition {
  /** Carries the dead-letter queue's URL, so the regulator's alerts can report messages stuck there. */
  readonly deadLetterEnvVar: EnvVarName;
  /** Lambda timeout of the consumer; the queue's visibility timeout is six times this, as AWS advises. */
  readonly consumerTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /**
   * At most this many concurrent invocations of its consumer (the event source's maximum concurrency), so a
   * backlog on one queue can never take the Lambda concurrency the API and the other queues need.
   */
  readonly maxConcurrency: number;
}

/** Lambda's default account concurrency (soft); the queues' consumers together stay well below it. */
export const ACCOUNT_CONCURRENCY = 1_000;

/** Lambda's range for an SQS event source's maximum concurrency. */
const EVENT_SOURCE_MAX_CONCURRENCY = 1_000;

/**
 * A queue consumer's maximum concurrency in an account whose Lambda concurrency quota is
 * `accountConcurrency` (context `accountConcurrency`, once Service Quotas raised it for a deadline): each
 * queue keeps its share of the default account (`maxConcurrency` of 1,000), so together the consumers keep
 * to the same fifth and the API keeps the rest, at any quota. Lambda caps a mapping at 1,000.
 */
export const consumerMaxConcurrency = (
  queue: Pick<QueueDefinition, 'maxConcurrency'>,
  accountConcurrency: number = ACCOUNT_CONCURRENCY,
): number =>
  Math.min(
    EVENT_SOURCE_MAX_CONCURRENCY,
    Math.max(2, Math.floor((queue.maxConcurrency * accountConcurrency) / ACCOUNT_CONCURRENCY)),
  );

export const VISIBILITY_TIMEOUT_FACTOR = 6;
export const DLQ_RETENTION_DAYS = 14;

export const Queues = {
  /** PAID quota orders waiting for the issuer to mint and credit stamps. */
  allocation: {
    logicalName: 'allocation',
    envVar: EnvVar.allocationQueueUrl,
    deadLetterEnvVar: EnvVar.allocationDlqUrl,
    consumerTimeoutSeconds: 30,
    maxReceiveCount: 8,
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 10,
  },
  /** Storefront orders intake could not reserve at once (saturated path), waiting for their reservation. */
  storefrontOrders: {
    logicalName: 'storefront-orders',
    envVar: EnvVar.storefrontOrderQueueUrl,
    deadLetterEnvVar: EnvVar.storefrontOrderDlqUrl,
    consumerTimeoutSeconds: 30,
    maxReceiveCount: 10,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 100,
  },
  /**
   * Storefront orders' timers: each message brings one order back at a time (SQS delay, at most 900 s a
   * hop): reconcile a reservation with the gateway, expire it, end its payment watch, re-send a queued
   * order. Durable messages, not a scan of an index, so the work scales with the sales.
   */
  storefrontTimers: {
    logicalName: 'storefront-timers',
    envVar: EnvVar.storefrontTimerQueueUrl,
    deadLetterEnvVar: EnvVar.storefrontTimerDlqUrl,
    consumerTimeoutSeconds: 30,
    maxReceiveCount: 10,
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    maxConcurrency: 50,
  },
  /**
   * Stampings submitted by applicants, waiting for the stamping worker (PDF work and one KMS signature
   * each). A message that fails every attempt ends the stamping FAILED, never the stamp (see stamping.ts).
   */
  stamping: {
    logicalName: 'stamping',
    envVar: EnvVar.stampingQueueUrl,
    deadLetterEnvVar: EnvVar.stampingDlqUrl,
    consumerTimeoutSeconds: 60,
    maxReceiveCount: 5,
    batchSize: 5,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 20,
  },
  /**
   * Webhooks to resellers' own systems (the outbox's relay): one message per delivery attempt of an event
   * recorded with its state change; retries are re-sent with a growing delay (hops of at most 900 s).
   */
  resellerWebhooks: {
    logicalName: 'reseller-webhooks',
    envVar: EnvVar.resellerWebhookQueueUrl,
    deadLetterEnvVar: EnvVar.resellerWebhookDlqUrl,
    consumerTimeoutSeconds: 30,
    maxReceiveCount: 5,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
  },
  /** Sandbox only: webhooks the simulated tax authority / payment gateway still has to deliver. */
  webhookDelivery: {
    logicalName: 'webhook-delivery',
    envVar: EnvVar.webhookDeliveryQueueUrl,
    deadLetterEnvVar: EnvVar.webhookDeliveryDlqUrl,
    consumerTimeoutSeconds: 10,
    maxReceiveCount: 10,
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxConcurrency: 10,
  },
} as const satisfies Record<string, QueueDefinition>;
export type QueueKey = keyof typeof Queues;

export interface BucketDefinition extends ResourceDefinition {
  /** Objects are deleted this many days after they are written (lifecycle rule; S3 counts whole days). */
  readonly expireAfterDays: number;
}

export const Buckets = {
  /**
   * Applicants' documents: uploads, stamped outputs and documents sent for checking. Private, encrypted,
   * TLS only, gone after a day. Keys name only random ids (`DocumentKeys`), never a person.
   */
  documents: { logicalName: 'documents', envVar: EnvVar.documentsBucket, expireAfterDays: 1 },
} as const satisfies Record<string, BucketDefinition>;
export type BucketKey = keyof typeof Buckets;

/**
 * Cross-origin rule of the documents bucket: the pages PUT and GET documents through presigned URLs from
 * the API's origin. The presigned signature, not the origin, grants access, so any origin may ask.
 */
export const DOCUMENTS_CORS = {
  allowedMethods: ['PUT', 'GET'],
  allowedHeaders: ['content-type'],
  maxAgeSeconds: 3600,
} as const;

/** Object keys of the documents bucket. */
export const DocumentKeys = {
  upload: (stampingId: string) => `uploads/${stampingId}.pdf`,
  stamped: (stampingId: string) => `stamped/${stampingId}.pdf`,
  check: (checkId: string) => `checks/${checkId}.pdf`,
} as const;

/** Buckets of the storefront work index (see MainKeys.storefrontWork). */
export const STOREFRONT_WORK_BUCKETS = 64;

/**
 * Partitions of one reseller's order index: a reseller selling 1,000 orders a second writes each order about
 * three times (created, reserved, fulfilled), 2 WCU each; 8 partitions keep each under 1,000 WCU/s.
 */
export const RESELLER_ORDER_BUCKETS = 8;

export const visibilityTimeoutSeconds = (queue: QueueDefinition): number =>
  queue.consumerTimeoutSeconds * VISIBILITY_TIMEOUT_FACTOR;

export const physicalName = (prefix: string, logicalName: string): string => `${prefix}-${logicalName}`;
export const deadLetterName = (logicalName: string): string => `${logicalName}-dlq`;

/** Item keys of the main table. Every key the code reads or writes is built here. */
export const MainKeys = {
  resellerProfile: (resellerId: string) => ({ pk: `RESELLER#${resellerId}`, sk: 'PROFILE' }),
  quotaOrder: (resellerId: string, orderId: string) => ({
    pk: `RESELLER#${resellerId}`,
    sk: `QUOTA_ORDER#${orderId}`,
  }),
  quotaOrderPrefix: 'QUOTA_ORDER#',
  billing: (billingCode: string) => ({ pk: `BILLING#${billingCode}`, sk: 'BILLING' }),
  ntpn: (ntpn: string) => ({ pk: `NTPN#${ntpn}`, sk: 'NTPN' }),
  apiKey: (apiKeyHash: string) => ({ pk: `API_KEY#${apiKeyHash}`, sk: 'API_KEY' }),
  /** A reseller's key by its public id: the regulator lists, rotates and revokes by it (holds the hash). */
  resellerApiKey: (resellerId: string, keyId: string) => ({
    pk: `RESELLER#${resellerId}`,
    sk: `API_KEY#${keyId}`,
  }),
  resellerApiKeyPrefix: 'API_KEY#',
  alert: (day: string, sortKey: string) => ({ pk: `ALERTS#${day}`, sk: sortKey }),
  alertsOfDay: (day: string) => `ALERTS#${day}`,
  /**
   * Work-index partition of quota orders awaiting payment written before reconciliation went per reseller
   * (no new order enters it; reconciliation drains it as one more lane), sorted by billing expiry.
   */
  awaitingPaymentWork: 'WORK#QUOTA_ORDER#AWAITING_PAYMENT',
  /**
   * Work-index partition of one reseller's quota orders awaiting payment, sorted by billing expiry: the tax
   * reconciliation takes a fair share from each reseller's partition per run.
   */
  awaitingPaymentWorkOf: (resellerId: string) => `WORK#QUOTA_ORDER#AWAITING_PAYMENT#${resellerId}`,
  /** Where the tax reconciliation left off in each awaiting-payment partition (one small item). */
  reconciliationCursor: { pk: 'JOB#QUOTA_RECONCILIATION', sk: 'CURSOR' },
  /** Work-index partition of paid quota orders not yet fully allocated, sorted by payment time. */
  allocationWork: 'WORK#QUOTA_ORDER#PAID',
  /**
   * One item per stock shard, each its own partition key, so a hot reseller's sales spread over
   * `shardCount` partitions (see README, "Stock shards").
   */
  stockShard: (resellerId: string, shard: number) => ({
    pk: `STOCK#${resellerId}#${String(shard).padStart(2, '0')}`,
    sk: 'SHARD',
  }),
  /** Ledger partitions are sharded like stock: entries are written in the same transaction as the shard. */
  ledgerPartition: (resellerId: string, shard: number) =>
    `LEDGER#${resellerId}#${String(shard).padStart(2, '0')}`,
  ledgerEntrySortKey: (at: string, entryId: string) => `${at}#${entryId}`,
  /** An item's place in its reseller's ledger (`Index.ledger`): a MINT entry's, or a sold order's. */
  ledgerPlace: (entry: { resellerId: string; shard: number; at: string; entryId: string }) => ({
    gsi3pk: MainKeys.ledgerPartition(entry.resellerId, entry.shard),
    gsi3sk: MainKeys.ledgerEntrySortKey(entry.at, entry.entryId),
  }),
  issuerCapacity: { pk: 'ISSUER', sk: 'CAPACITY' },
  storefrontOrder: (orderId: string) => ({ pk: `SORDER#${orderId}`, sk: 'ORDER' }),
  storefrontCapture: (orderId: string, eventId: string) => ({
    pk: `SORDER#${orderId}`,
    sk: `CAPTURE#${eventId}`,
  }),
  storefrontOrderPartition: (orderId: string) => `SORDER#${orderId}`,
  /** Index partition (`Index.byReseller`) of one bucket of a reseller's orders; sorted by `createdAt#orderId`. */
  resellerOrders: (resellerId: string, bucket: number) => `RORDERS#${resellerId}#${bucket}`,
  resellerOrderSortKey: (createdAt: string, orderId: string) => `${createdAt}#${orderId}`,
  /** Index partition (`Index.byReseller`) of a reseller's refunds completed on one Asia/Jakarta day. */
  resellerRefunds: (resellerId: string, day: string) => `RREFUNDS#${resellerId}#${day}`,
  refundLookup: (refundId: string) => ({ pk: `REFUND#${refundId}`, sk: 'REFUND' }),
  /** The buyer's national counter for one Asia/Jakarta day; the NIK appears only as its HMAC. */
  nikDay: (nikHash: string, day: string) => ({ pk: `NIKDAY#${nikHash}#${day}`, sk: 'COUNTER' }),
  /**
   * One NIK's intake today: its per-minute order count (the per-NIK limit) and the storefronts it ordered
   * from (scalper evidence for the regulator), in one item so an order costs one write for both.
   */
  /** A client's unpaid reservations that lapsed in one hour (`YYYY-MM-DDTHH`): its slowdown. */
  clientLapses: (clientHash: string, hour: string) => ({ pk: `LAPSES#${clientHash}#${hour}`, sk: 'CLIENT' }),
  /**
   * Work-index partitions of refunds awaiting the gateway's confirmation, spread over buckets. (Orders
   * themselves are not indexed: their timers are durable messages.)
   */
  storefrontWork: (state: 'REFUND', bucket: number) => `WORK#SORDER#${state}#${bucket}`,
  auditOfDay: (day: string) => `AUDIT#${day}`,
  /** Orders the reservation queue settled in one minute: its measured drain rate, for the queue ETA. */
  queueDrain: (minute: string, shard: number) => ({ pk: `QUEUE_DRAIN#${minute}#${shard}`, sk: 'COUNT' }),
  /** One stamping (pembubuhan) of one serial onto one uploaded document. */
  stamping: (stampingId: string) => ({ pk: `STAMPING#${stampingId}`, sk: 'STAMPING' }),
  /** A reseller's webhook endpoint (one per reseller: URL, event types, signing secrets). */
  webhookEndpoint: (resellerId: string) => ({ pk: `RESELLER#${resellerId}`, sk: 'WEBHOOK_ENDPOINT' }),
  /** A reseller's low-stock state (stock.low is sent when it becomes LOW). */
  lowStockState: (resellerId: string) => ({ pk: `RESELLER#${resellerId}`, sk: 'STOCK_LOW' }),
  /** One event for a reseller's systems: its body, delivery state and attempt log. */
  webhookEvent: (eventId: string) => ({ pk: `WHEVENT#${eventId}`, sk: 'EVENT' }),
  /** Index partition (`Index.byReseller`) of one bucket of a reseller's webhook events; sorted by `createdAt#eventId`. */
  resellerWebhookEvents: (resellerId: string, bucket: number) => `RWEBHOOKS#${resellerId}#${bucket}`,
  /** Work-index partition of events not yet delivered or dead-lettered (the sweeper re-sends lost messages). */
  webhookWork: (bucket: number) => `WORK#WHEVENT#${bucket}`,
  /** Minute-by-minute national snapshots of every reseller's stock, written by a job, read by dashboards. */
  statsOfDay: (day: string) => `STATS#${day}`,
} as const;

/** Item keys of the sandbox table (the simulated external parties). */
export const SandboxKeys = {
  taxBilling: (billingCode: string) => ({ pk: `TA_BILLING#${billingCode}`, sk: 'BILLING' }),
  taxBillingReference: (reference: string) => ({ pk: `TA_REFERENCE#${reference}`, sk: 'REFERENCE' }),
  faults: { pk: 'FAULTS', sk: 'CONFIG' },
  /** A person created in the simulated civil registry, keyed by a keyed hash of the NIK. */
  civilPerson: (key: string) => ({ pk: `CR_PERSON#${key}`, sk: 'PERSON' }),
  /** The simulated notification provider's outbox of one address (a hash of it), one item per notice. */
  outbox: (mailbox: string, noticeId: string) => ({ pk: `OUTBOX#${mailbox}`, sk: noticeId }),
} as const;
