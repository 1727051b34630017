import { type BucketKey, type QueueKey, Queues, type SecretName, type TableKey } from './resources.js';

/**
 * What a Lambda function is and may touch. The CDK stack turns `access` into IAM grants (and nothing
 * more), the local runtime turns `trigger` into an HTTP route, an SQS poller or a timer.
 */
export type TableAccess = 'read' | 'readwrite';

export interface FunctionSpec {
  readonly id: string;
  /** Source file relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly tables: Partial<Record<TableKey, TableAccess>>;
  /**
   * Where the access pattern allows, the partition-key prefixes it may touch in a table (its role's
   * `dynamodb:LeadingKeys` condition on AWS; the local runtime refuses the same). Absent: the whole table.
   */
  readonly keyPrefixes?: Partial<Record<TableKey, readonly string[]>>;
  readonly sendsTo: readonly QueueKey[];
  /** Queues whose dead-letter queue it sends to itself (a retry budget it spent, not a poison message). */
  readonly sendsToDeadLetter?: readonly QueueKey[];
  /** Queues whose depth it reads (GetQueueAttributes), e.g. for the queue ETA shown to buyers. */
  readonly readsQueueDepth?: readonly QueueKey[];
  /** Reads the depth of every dead-letter queue (the regulator's alerts). */
  readonly inspectsDeadLetters?: boolean;
  /**
   * The secrets it reads, and so the only ones it holds: on AWS its role may read these and its environment
   * names only these; locally the runtime refuses any other (lib/secrets.ts).
   */
  readonly secrets: readonly SecretName[];
  /** Buckets it reads (GetObject) or reads and writes (also PutObject, DeleteObject, presigned URLs). */
  readonly buckets?: Partial<Record<BucketKey, TableAccess>>;
  /** Packages installed beside the bundle instead of bundled (assets a handler reads from the package). */
  readonly nodeModules?: readonly string[];
  /** Signs documents with the issuer's key (kms:Sign on that one key). */
  readonly signsDocuments?: boolean;
  /** Sandbox functions simulate external parties; they are never deployed to production. */
  readonly sandboxOnly: boolean;
}

export type BackgroundTrigger =
  | { readonly kind: 'queue'; readonly queue: QueueKey }
  | { readonly kind: 'schedule'; readonly everySeconds: number }
  | { readonly kind: 'authorizer' };

export interface BackgroundFunctionSpec extends FunctionSpec {
  readonly trigger: BackgroundTrigger;
}

/** Short, so a revoked key stops working within 10 s (API Gateway caches the authorizer's answer per key). */
/**
 * The instruction set every function runs on: Graviton (arm64), about 20% cheaper per GB-second than x86_64
 * for the same duration, and nothing here is native code. The bench prices kuota's compute with it.
 */
export type LambdaArchitecture = 'arm64' | 'x86_64';
export const LAMBDA_ARCHITECTURE: LambdaArchitecture = 'arm64';

export const AUTHORIZER_CACHE_SECONDS = 10;

/** A function holds no secret, sends to no queue and is deployed to every stage unless its spec says so. */
const unprivileged: Pick<FunctionSpec, 'secrets' | 'sendsTo' | 'sandboxOnly'> = {
  secrets: [],
  sendsTo: [],
  sandboxOnly: false,
};

type BackgroundSpec = Omit<FunctionSpec, keyof typeof unprivileged> & Partial<typeof unprivileged>;

/**
 * A queue's consumer. It runs as long as its queue allows (`consumerTimeoutSeconds`, which sets the
 * queue's visibility timeout), so a message is never handed to a second consumer while the first still works.
 */
const queueConsumer = <const S extends Omit<BackgroundSpec, 'timeoutSeconds'>>(queue: QueueKey, spec: S) => ({
  ...unprivileged,
  timeoutSeconds: Queues[queue].consumerTimeoutSeconds,
  ...spec,
  trigger: { kind: 'queue', queue } as const,
});

const scheduledJob = <const S extends BackgroundSpec>(everySeconds: number, spec: S) => ({
  ...unprivileged,
  ...spec,
  trigger: { kind: 'schedule', everySeconds } as const,
});

export const backgroundFunctions = [
  {
    ...unprivileged,
    id: 'authorizer',
    entry: 'functions/auth/authorizer.ts',
    description: 'Resolves a Bearer API key to a reseller or the regulator',
    timeoutSeconds: 5,
    memoryMb: 512,
    tables: { main: 'read' },
    // One GetItem of the key's hash: nothing else of the table.
    keyPrefixes: { main: ['API_KEY#'] },
    trigger: { kind: 'authorizer' },
  },
  scheduledJob(60, {
    id: 'quotaReconciliation',
    entry: 'functions/jobs/quota-reconciliation.ts',
    description:
      'Asks the tax authority about billings awaiting payment; credits paid ones, expires lapsed ones',
    timeoutSeconds: 60,
    memoryMb: 512,
    tables: { main: 'readwrite', sandbox: 'read' },
    sendsTo: ['allocation', 'resellerWebhooks'],
  }),
  queueConsumer('allocation', {
    id: 'allocation',
    entry: 'functions/queue/allocation.ts',
    description: 'The issuer: mints paid quota into resellers’ stock, one bounded chunk per message',
    memoryMb: 1024,
    tables: { main: 'readwrite' },
    sendsTo: ['allocation', 'resellerWebhooks'],
  }),
  scheduledJob(120, {
    id: 'allocationSweeper',
    entry: 'functions/jobs/allocation-sweeper.ts',
    description: 'Re-enqueues paid quota orders whose allocation has stalled',
    timeoutSeconds: 60,
    memoryMb: 512,
    tables: { main: 'read' },
    sendsTo: ['allocation'],
  }),
  queueConsumer('storefrontOrders', {
    id: 'reservation',
    entry: 'functions/queue/reservation.ts',
    description: 'Reserves stock for queued storefront orders within the national per-NIK cap',
    memoryMb: 1024,
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['storefrontTimers', 'resellerWebhooks'],
    secrets: ['orderTokenKey', 'serialKey'],
  }),
  queueConsumer('storefrontTimers', {
    id: 'storefrontTimers',
    entry: 'functions/queue/storefront-timers.ts',
    description: 'Order timers: reconciles reservations with the gateway, expires them, ends payment watches',
    memoryMb: 1024,
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['storefrontOrders', 'storefrontTimers', 'webhookDelivery', 'resellerWebhooks'],
    secrets: ['orderTokenKey', 'serialKey'],
  }),
  scheduledJob(60, {
    id: 'storefrontSweeper',
    entry: 'functions/jobs/storefront-sweeper.ts',
    description:
      'Asks the gateway again about refunds it has not confirmed; re-sends reseller webhook events whose message was lost',
    timeoutSeconds: 60,
    memoryMb: 512,
    tables: { main: 'readwrite', sandbox: 'readwrite' },
    sendsTo: ['webhookDelivery', 'resellerWebhooks'],
    secrets: ['orderTokenKey', 'serialKey'],
  }),
  scheduledJob(3600, {
    id: 'ledgerCheck',
    entry: 'functions/jobs/ledger-check.ts',
    description:
      'Audits stock shards, ledger entries and quota orders against each other every hour and publishes the differences (the ledger-mismatch alarm)',
    // One consistent Scan of the stock, ledger and reseller partitions: minutes at national scale.
    timeoutSeconds: 900,
    memoryMb: 1769,
    tables: { main: 'read' },
  }),
  scheduledJob(60, {
    id: 'saleFold',
    entry: 'functions/jobs/sale-fold.ts',
    description:
      "Folds paid storefront sales into their stock shards' sold counts (reserved -> sold), each shard from its own mark",
    timeoutSeconds: 60,
    memoryMb: 512,
    tables: { main: 'readwrite' },
  }),
  scheduledJob(60, {
    id: 'statsSnapshot',
    entry: 'functions/jobs/stats-snapshot.ts',
    description:
      'Writes a minute snapshot of every vendor’s stock and sales for dashboards; sends stock.low to resellers below their days of cover',
    timeoutSeconds: 30,
    memoryMb: 512,
    tables: { main: 'readwrite' },
    sendsTo: ['resellerWebhooks'],
  }),
  queueConsumer('stamping', {
    id: 'stamping',
    entry: 'functions/queue/stamping.ts',
    description:
      'Stamps uploaded PDFs: draws the e-Meterai, signs it (PAdES), binds the serial to the document',
    // PDF parsing is CPU-bound: 1,769 MB is one full vCPU on Lambda.
    memoryMb: 1769,
    tables: { main: 'readwrite' },
    sendsTo: ['resellerWebhooks'],
    buckets: { documents: 'readwrite' },
    signsDocuments: true,
    secrets: ['serialKey', 'signingCertificateChain', 'signingPrivateKey'],
  }),
  queueConsumer('resellerWebhooks', {
    id: 'resellerWebhookSender',
    entry: 'functions/queue/reseller-webhooks.ts',
    description:
      'Signs and delivers events to resellers’ endpoints; retries with backoff for 24 h, then the DLQ',
    memoryMb: 512,
    tables: { main: 'readwrite' },
    sendsTo: ['resellerWebhooks'],
    sendsToDeadLetter: ['resellerWebhooks'],
  }),
  queueConsumer('webhookDelivery', {
    id: 'sandboxWebhookDelivery',
    entry: 'functions/sandbox/webhook-delivery.ts',
    description: 'Sandbox: delivers signed webhooks of the simulated tax authority and payment gateway',
    memoryMb: 256,
    tables: {},
    secrets: ['taxAuthorityWebhookSecret', 'paymentGatewayWebhookSecret'],
    sandboxOnly: true,
  }),
] as const satisfies readonly BackgroundFunctionSpec[];

/** Answers 404 / 405 for requests that match no route. */
export const fallbackFunction: FunctionSpec = {
  ...unprivileged,
  id: 'fallback',
  entry: 'functions/public/fallback.ts',
  description: 'Answers 404 and 405 for requests that match no route',
  timeoutSeconds: 3,
  memoryMb: 256,
  tables: {},
};
