import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MetadataBearer, Pluggable } from '@smithy/types';
import { config } from '../config.js';
import { faultInjectionPlugin, setFaultPlan } from './fault-injection.js';
import { invocationDeadlinePlugin } from './invocation-deadline.js';
import { leadingKeysPlugin } from './invocation-grants.js';

/**
 * One client per service per process, created at cold start and reused across invocations (connection
 * reuse is most of a warm Lambda's latency budget). Each carries invocationDeadlinePlugin: in the local
 * runtime a timed-out invocation sends nothing more (inert on Lambda, which stops the invocation itself).
 */
let documentClient: DynamoDBDocumentClient | undefined;
let dynamoDbClient: DynamoDBClient | undefined;
let sqsClient: SQSClient | undefined;
let s3Client: S3Client | undefined;
let kmsClient: KMSClient | undefined;

type AnyPlugin = Pluggable<object, MetadataBearer>;

/**
 * Plugins that tools outside the product put on the handlers' DynamoDB and SQS clients (the benchmark's
 * capacity meter, in tools/bench): the product itself registers none, so no production bundle carries
 * them. A plugin registered after a client exists is added to it too.
 */
const toolPlugins: { dynamodb: AnyPlugin[]; sqs: AnyPlugin[] } = { dynamodb: [], sqs: [] };

export const useOnAwsClients = (service: 'dynamodb' | 'sqs', plugin: AnyPlugin): void => {
  if (toolPlugins[service].includes(plugin)) return;
  toolPlugins[service].push(plugin);
  if (service === 'dynamodb') dynamoDbClient?.middlewareStack.use(plugin);
  else sqsClient?.middlewareStack.use(plugin);
};

const LOOPBACK = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\/?$/;

/** The local stage must never talk to real AWS: an emulator endpoint on loopback is required. */
const assertLocalEndpoint = (service: string, endpoint: string | undefined): void => {
  if (config().stage !== 'local') return;
  if (!endpoint || !LOOPBACK.test(endpoint)) {
    throw new Error(`local stage refuses to use ${service} at ${endpoint ?? 'the AWS default endpoint'}`);
  }
};

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export const dynamo = (): DynamoDBDocumentClient => {
  if (!documentClient) {
    const { dynamoDbEndpoint, region, stage, faults } = config();
    assertLocalEndpoint('DynamoDB', dynamoDbEndpoint);
    // Faults by configuration (KUOTA_FAULT_*; parseConfig refuses them in production). Only a non-zero plan
    // is applied, so a plan a test set directly is not reset by the next client creation.
    if (Object.values(faults).some((rate) => rate > 0)) {
      if (stage === 'production') throw new Error('fault injection is refused in production');
      setFaultPlan(faults);
    }
    const client = new DynamoDBClient({
      region,
      ...(dynamoDbEndpoint ? { endpoint: dynamoDbEndpoint } : {}),
      ...(stage === 'local' ? { credentials: localCredentials } : {}),
      // One quick SDK retry per call (its throttling backoff doubles from 500 ms: four attempts could sleep
      // 7 s in one call, past an API function's timeout). withStoreRetries retries whole units within a budget.
      maxAttempts: 2,
    });
    client.middlewareStack.use(faultInjectionPlugin);
    // After the fault injector (added later at the same priority, so inside it): what tools measure is
    // what reaches the table.
    for (const plugin of toolPlugins.dynamodb) client.middlewareStack.use(plugin);
    dynamoDbClient = client;
    client.middlewareStack.use(invocationDeadlinePlugin);
    // Locally, a function's declared partition-key prefixes hold as its role's LeadingKeys would on AWS.
    client.middlewareStack.use(leadingKeysPlugin);
    documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }
  return documentClient;
};

export const sqs = (): SQSClient => {
  if (!sqsClient) {
    const { sqsEndpoint, region, stage } = config();
    assertLocalEndpoint('SQS', sqsEndpoint);
    sqsClient = new SQSClient({
      region,
      ...(sqsEndpoint ? { endpoint: sqsEndpoint, useQueueUrlAsEndpoint: false } : {}),
      ...(stage === 'local' ? { credentials: localCredentials } : {}),
    });
    for (const plugin of toolPlugins.sqs) sqsClient.middlewareStack.use(plugin);
    sqsClient.middlewareStack.use(invocationDeadlinePlugin);
  }
  return sqsClient;
};

export const s3 = (): S3Client => {
  if (!s3Client) {
    const { s3Endpoint, region, stage } = config();
    assertLocalEndpoint('S3', s3Endpoint);
    s3Client = new S3Client({
      region,
      ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
      ...(stage === 'local' ? { credentials: localCredentials } : {}),
      // A presigned PUT must not carry a checksum of an empty body (S3 would reject the real upload).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    s3Client.middlewareStack.use(invocationDeadlinePlugin);
  }
  return s3Client;
};

export const kms = (): KMSClient => {
  if (!kmsClient) {
    kmsClient = new KMSClient({ region: config().region, maxAttempts: 3 });
    kmsClient.middlewareStack.use(invocationDeadlinePlugin);
  }
  return kmsClient;
};

export const resetClientsForTests = (): void => {
  documentClient = undefined;
  dynamoDbClient = undefined;
  sqsClient = undefined;
  s3Client = undefined;
  kmsClient = undefined;
};
