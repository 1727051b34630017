import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type BucketKey,
  Buckets,
  DLQ_RETENTION_DAYS,
  DOCUMENTS_CORS,
  deadLetterName,
  physicalName,
  type QueueKey,
  Queues,
  type TableKey,
  Tables,
  visibilityTimeoutSeconds,
} from '../../lib/infra/resources.js';
import type { Stage } from '../stage.js';

const removalPolicyFor = (stage: Stage): RemovalPolicy =>
  stage === 'production' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

export interface KuotaTablesProps {
  readonly stage: Stage;
  readonly prefix: string;
  readonly tables: readonly TableKey[];
}

/** One on-demand table per `Tables` entry the stage deploys, keys and indexes as the manifest says. */
export class KuotaTables extends Construct {
  readonly byKey: ReadonlyMap<TableKey, Table>;

  constructor(scope: Construct, id: string, props: KuotaTablesProps) {
    super(scope, id);
    const production = props.stage === 'production';
    const byKey = new Map<TableKey, Table>();
    for (const key of props.tables) {
      const definition = Tables[key];
      const table = new Table(this, key, {
        tableName: physicalName(props.prefix, definition.logicalName),
        partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
        sortKey: { name: definition.sortKey, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: production,
        removalPolicy: removalPolicyFor(props.stage),
        ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          sortKey: { name: index.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType[index.projection],
          ...(index.projection === 'INCLUDE'
            ? { nonKeyAttributes: [...(index.nonKeyAttributes ?? [])] }
            : {}),
        });
      }
      byKey.set(key, table);
    }
    this.byKey = byKey;
  }
}

export interface KuotaQueuesProps {
  readonly stage: Stage;
  readonly prefix: string;
  readonly queues: readonly QueueKey[];
  /** Where DLQ alarms notify; without one the alarms still show in the CloudWatch console. */
  readonly alarmTopic?: ITopic;
}

export interface KuotaQueue {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
}

/**
 * One queue per `Queues` entry the stage deploys, each with its own DLQ and an alarm on the first message
 * that lands there: a DLQ message is a stamp purchase or webhook that needs a human.
 */
export class KuotaQueues extends Construct {
  readonly byKey: ReadonlyMap<QueueKey, KuotaQueue>;

  constructor(scope: Construct, id: string, props: KuotaQueuesProps) {
    super(scope, id);
    const byKey = new Map<QueueKey, KuotaQueue>();
    for (const key of props.queues) {
      const definition = Queues[key];
      const deadLetterQueue = new Queue(this, `${key}Dlq`, {
        queueName: physicalName(props.prefix, deadLetterName(definition.logicalName)),
        retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: removalPolicyFor(props.stage),
      });
      const queue = new Queue(this, key, {
        queueName: physicalName(props.prefix, definition.logicalName),
        visibilityTimeout: Duration.seconds(visibilityTimeoutSeconds(definition)),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        removalPolicy: removalPolicyFor(props.stage),
      });
      const deadLetterAlarm = new Alarm(this, `${key}DlqAlarm`, {
        alarmName: `${physicalName(props.prefix, deadLetterName(definition.logicalName))}-not-empty`,
        alarmDescription: `Messages of ${definition.logicalName} failed ${definition.maxReceiveCount} times and wait in its DLQ`,
        metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
      byKey.set(key, { queue, deadLetterQueue, deadLetterAlarm });
    }
    this.byKey = byKey;
  }
}

export interface KuotaBucketsProps {
  readonly stage: Stage;
  readonly prefix: string;
}

/**
 * The documents bucket: applicants' PDFs (uploads, stamped outputs, documents sent for checking). Private
 * (every public access blocked, bucket-owner ownership, no ACLs), encrypted at rest, TLS only, and emptied
 * by a lifecycle rule a day after each write. Browsers PUT and GET through presigned URLs, hence the CORS
 * rule; the presigned signature, not the origin, is what grants access.
 */
export class KuotaBuckets extends Construct {
  readonly byKey: ReadonlyMap<BucketKey, Bucket>;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: KuotaBucketsProps) {
    super(scope, id);
    // Kept when the stack goes: a bucket empties itself (lifecycle rules), and no auto-delete custom
    // resource (a Lambda function and a role) is spent on a stack close to CloudFormation's size limit.
    const removalPolicy = RemovalPolicy.RETAIN;
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });
    const byKey = new Map<BucketKey, Bucket>();
    for (const [key, definition] of Object.entries(Buckets) as [BucketKey, (typeof Buckets)[BucketKey]][]) {
      byKey.set(
        key,
        new Bucket(this, key, {
          bucketName: physicalName(props.prefix, definition.logicalName),
          encryption: BucketEncryption.S3_MANAGED,
          blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
          objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
          enforceSSL: true,
          versioned: false,
          serverAccessLogsBucket: this.accessLogs,
          serverAccessLogsPrefix: `${definition.logicalName}/`,
          lifecycleRules: [
            {
              expiration: Duration.days(definition.expireAfterDays),
              abortIncompleteMultipartUploadAfter: Duration.days(1),
            },
          ],
          cors: [
            {
              allowedMethods: DOCUMENTS_CORS.allowedMethods.map((method) => HttpMethods[method]),
              allowedOrigins: ['*'],
              allowedHeaders: [...DOCUMENTS_CORS.allowedHeaders],
              maxAge: DOCUMENTS_CORS.maxAgeSeconds,
            },
          ],
          removalPolicy,
        }),
      );
    }
    this.byKey = byKey;
  }
}

/**
 * The issuer's signing key for e-Meterai signatures: asymmetric RSA 3072 in KMS, SIGN_VERIFY only. The
 * private key never leaves KMS; each stamping is one kms:Sign. Its certificate (issued by the CA for this
 * key's public key) goes into the secrets bundle as `signingCertificateChain`.
 */
export class KuotaSigningKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { readonly stage: Stage; readonly prefix: string }) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      alias: `alias/${props.prefix}-issuer-signing`,
      description: `${props.prefix}: the e-Meterai issuer's document signing key`,
      keySpec: KeySpec.RSA_3072,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
