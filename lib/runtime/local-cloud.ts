import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { resetClientsForTests } from '../adapters/aws-clients.js';
import { resetConfigForTests } from '../config.js';
import { mintSandboxSigningMaterial, type SandboxSigningMaterial } from '../documents/pki.js';
import { Buckets, EnvVar, type QueueKey, Queues } from '../infra/resources.js';
import { resetSecretsForTests, type Secrets } from '../secrets.js';
import { resetIssuerSigningForTests } from '../usecases/signing.js';
import { type LocalRuntime, startLocalRuntime } from './local-runtime.js';
import { type ProvisionedQueue, provisionBuckets, provisionQueues, provisionTables } from './provision.js';
import { startS3CorsProxy } from './s3-cors.js';

/**
 * Provisions tables and queues on running emulators, points the handlers' environment at them and starts
 * the local runtime. Used by `npm start` and, with a unique prefix per test file, by the tests.
 */
export const LOCAL_REGION = 'ap-southeast-3';
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const newLocalSecrets = (): Secrets => ({
  taxAuthorityWebhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
  paymentGatewayWebhookSecret: `whsec_${randomBytes(24).toString('base64url')}`,
  nikHmacKey: randomBytes(32).toString('base64url'),
  serialKey: randomBytes(32).toString('base64url'),
  orderTokenKey: randomBytes(32).toString('base64url'),
});

export interface LocalCloudOptions {
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly prefix: string;
  readonly port: number;
  readonly secrets: Secrets;
  /** The sandbox CA's issuer key and chain; minted afresh when absent (`npm start` keeps them in .kuota/). */
  readonly signing?: SandboxSigningMaterial;
  readonly runSchedules: boolean;
  /** Queues a test drains by hand (e.g. the order timers), instead of polling them. */
  readonly manualQueues?: readonly QueueKey[];
  readonly visibilityTimeoutSeconds?: number;
  readonly extraEnv?: Record<string, string>;
}

export interface LocalCloud {
  readonly runtime: LocalRuntime;
  readonly queues: Record<QueueKey, ProvisionedQueue>;
  readonly tables: Record<string, string>;
  readonly buckets: Record<string, string>;
  readonly signing: SandboxSigningMaterial;
  readonly sqs: SQSClient;
  readonly dynamo: DynamoDBClient;
  stop(): Promise<void>;
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;

export const bootLocalCloud = async (options: LocalCloudOptions): Promise<LocalCloud> => {
  for (const endpoint of [options.dynamoDbEndpoint, options.sqsEndpoint]) {
    if (!LOOPBACK.test(endpoint))
      throw new Error(`the local cloud only runs against loopback emulators, not ${endpoint}`);
  }
  // Locally no log agent turns Powertools' EMF lines into metrics: they stay off the terminal (and the
  // benchmark's CPU) unless asked for with POWERTOOLS_METRICS_DISABLED=false.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const dynamo = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: options.dynamoDbEndpoint,
    credentials: localCredentials,
  });
  const sqs = new SQSClient({
    region: LOCAL_REGION,
    endpoint: options.sqsEndpoint,
    useQueueUrlAsEndpoint: false,
    credentials: localCredentials,
  });
  // fauxqs serves S3 on the SQS emulator's port.
  const s3 = new S3Client({
    region: LOCAL_REGION,
    endpoint: options.sqsEndpoint,
    forcePathStyle: true,
    credentials: localCredentials,
  });
  const tables = await provisionTables(dynamo, options.prefix);
  const buckets = await provisionBuckets(s3, options.prefix);
  s3.destroy();
  const signing = options.signing ?? (await mintSandboxSigningMaterial());
  const s3Proxy = await startS3CorsProxy(options.sqsEndpoint);
  const queues = await provisionQueues(sqs, options.prefix, {
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
  });

  const env: Record<string, string> = {
    [EnvVar.stage]: 'local',
    [EnvVar.awsRegion]: LOCAL_REGION,
    [EnvVar.dynamoDbEndpoint]: options.dynamoDbEndpoint,
    [EnvVar.sqsEndpoint]: options.sqsEndpoint,
    [EnvVar.mainTable]: tables.main,
    [EnvVar.sandboxTable]: tables.sandbox,
    [EnvVar.taxAuthorityWebhookSecret]: options.secrets.taxAuthorityWebhookSecret,
    [EnvVar.paymentGatewayWebhookSecret]: options.secrets.paymentGatewayWebhookSecret,
    [EnvVar.nikHmacKey]: options.secrets.nikHmacKey,
    [EnvVar.serialKey]: options.secrets.serialKey,
    [EnvVar.orderTokenKey]: options.secrets.orderTokenKey,
    [EnvVar.s3Endpoint]: s3Proxy.endpoint,
    [EnvVar.signingPrivateKey]: signing.issuerPrivateKeyPem,
    [EnvVar.signingCertificateChain]: signing.issuerCertificatePem + signing.rootCertificatePem,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    ...options.extraEnv,
  };
  for (const [key, queue] of Object.entries(queues) as [QueueKey, ProvisionedQueue][]) {
    env[Queues[key].envVar] = queue.url;
    env[Queues[key].deadLetterEnvVar] = queue.deadLetterUrl;
  }
  for (const [key, bucket] of Object.entries(buckets))
    env[Buckets[key as keyof typeof Buckets].envVar] = bucket;
  Object.assign(process.env, env);
  resetConfigForTests();
  resetSecretsForTests();
  resetIssuerSigningForTests();
  resetClientsForTests();

  const runtime = await startLocalRuntime({
    port: options.port,
    sqs,
    queueUrls: Object.fromEntries(Object.entries(queues).map(([key, queue]) => [key, queue.url])) as Record<
      QueueKey,
      string
    >,
    includeSandbox: true,
    runSchedules: options.runSchedules,
    manualQueues: options.manualQueues ?? [],
    pollers: { concurrency: 2, waitTimeSeconds: 1 },
  });
  return {
    runtime,
    queues,
    tables,
    buckets,
    signing,
    sqs,
    dynamo,
    stop: async () => {
      await runtime.stop();
      await s3Proxy.stop();
      sqs.destroy();
      dynamo.destroy();
    },
  };
};
