import { fileURLToPath } from 'node:url';
import {
  Annotations,
  type CfnElement,
  CfnOutput,
  Duration,
  NestedStack,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import { type CfnRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../lib/infra/functions.js';
import {
  ACCOUNT_CONCURRENCY,
  type BucketKey,
  Buckets,
  consumerMaxConcurrency,
  EnvVar,
  type QueueDefinition,
  Queues,
  secretArnEnvVar,
  type TableKey,
  Tables,
} from '../lib/infra/resources.js';
import { KuotaBuckets, KuotaQueues, KuotaSigningKey, KuotaTables } from './constructs/data.js';
import { KuotaApi } from './constructs/kuota-api.js';
import { KuotaFunction } from './constructs/kuota-function.js';
import { KuotaOperations } from './constructs/operations.js';
import { KuotaSchedule } from './constructs/schedule.js';
import { KuotaSecrets } from './constructs/secrets.js';
import { functionsOf, planStage, type Stage, type StagePlan } from './stage.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The variable that carries a queue's DLQ URL, where the manifest names one. */
export const deadLetterEnvVarOf = (definition: QueueDefinition): string | undefined =>
  (definition as QueueDefinition & { deadLetterEnvVar?: string }).deadLetterEnvVar;

/** Item actions only: no Scan (it has no leading key, and `ForAllValues` would let it through), no index. */
export const LEADING_KEY_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
export const LEADING_KEY_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * A table grant narrowed to partition keys that start with one of `prefixes` (IAM's dynamodb:LeadingKeys):
 * the function may touch no other item of the table, whatever its code does.
 */
export const leadingKeysStatement = (
  tableArn: string,
  access: 'read' | 'readwrite',
  prefixes: readonly string[],
): PolicyStatement =>
  new PolicyStatement({
    actions: [...LEADING_KEY_READ_ACTIONS, ...(access === 'readwrite' ? LEADING_KEY_WRITE_ACTIONS : [])],
    resources: [tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((prefix) => `${prefix}*`) },
    },
  });

export interface KuotaStackProps extends StackProps {
  readonly stage: Stage;
  readonly repoRoot?: string;
  /** A REGIONAL WAFv2 web ACL to associate with the API stage. */
  readonly webAclArn?: string;
  /** An SNS topic the DLQ alarms notify. */
  readonly alarmTopicArn?: string;
  /**
   * The account's Lambda concurrency quota in the target Region (default 1,000): the queue consumers'
   * maximum concurrency scales with it (`consumerMaxConcurrency`). Set it only once the quota is raised.
   */
  readonly accountConcurrency?: number;
  /**
   * Stock shards per reseller (KUOTA_STOCK_SHARDS, default 32): one reseller sells at about 78 stamps/s per
   * shard (README, "Capacity on AWS"). Raise it, never lower it, on a live table: stock on a shard past the
   * count would no longer be sold.
   */
  readonly stockShards?: number;
}

/**
 * kuota on AWS, built from the manifest alone: tables and queues from lib/infra/resources.ts, functions and
 * their grants from lib/infra/functions.ts and lib/api/routes.ts, the REST API from the routes.
 */
export class KuotaStack extends Stack {
  readonly stage: Stage;
  readonly plan: StagePlan;
  readonly tables: KuotaTables;
  readonly queues: KuotaQueues;
  readonly secrets: KuotaSecrets;
  readonly buckets: KuotaBuckets;
  readonly signingKey: KuotaSigningKey;
  readonly functions: ReadonlyMap<string, KuotaFunction>;
  readonly api: KuotaApi;
  /**
   * The REST API (its resources, methods, invoke permissions, authorizer, gateway responses and web ACL)
   * lives in a nested stack: it is about 170 resources, and with the functions beside it one stack would
   * pass CloudFormation's 500. Functions pass in as references (nested-stack parameters).
   */
  readonly edgeStack: NestedStack;
  /** Alarms and the operations dashboard (README, "Deadline day"), in a nested stack of their own. */
  readonly operationsStack: NestedStack;
  readonly operations: KuotaOperations;

  constructor(scope: Construct, id: string, props: KuotaStackProps) {
    const {
      stage,
      repoRoot = REPO_ROOT,
      webAclArn,
      alarmTopicArn,
      accountConcurrency = ACCOUNT_CONCURRENCY,
      stockShards,
      ...stackProps
    } = props;
    super(scope, id, { description: `kuota (${stage}): serverless e-Meterai distribution`, ...stackProps });
    const prefix = `kuota-${stage}`;
    this.stage = stage;
    this.plan = planStage(stage);
    Tags.of(this).add('project', 'kuota');
    Tags.of(this).add('stage', stage);

    this.tables = new KuotaTables(this, 'Tables', { stage, prefix, tables: this.plan.tables });
    this.queues = new KuotaQueues(this, 'Queues', {
      stage,
      prefix,
      queues: this.plan.queues,
      ...(alarmTopicArn ? { alarmTopic: Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn) } : {}),
    });
    this.secrets = new KuotaSecrets(this, 'Secrets', { stage, prefix });
    this.buckets = new KuotaBuckets(this, 'Buckets', { stage, prefix });
    this.signingKey = new KuotaSigningKey(this, 'IssuerSigning', { stage, prefix });

    const environment: Record<string, string> = {
      [EnvVar.stage]: stage,
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      [EnvVar.signingKmsKeyId]: this.signingKey.key.keyArn,
      ...(stockShards ? { [EnvVar.stockShardCount]: String(stockShards) } : {}),
    };
    for (const [key, bucket] of this.buckets.byKey) environment[Buckets[key].envVar] = bucket.bucketName;
    // Only what the stage deploys: lib/config.ts requires the sandbox's table and queue only where the
    // stage deploys the sandbox, and a function that reads one where it is absent fails naming the variable.
    for (const [key, table] of this.tables.byKey) environment[Tables[key].envVar] = table.tableName;
    for (const [key, { queue, deadLetterQueue }] of this.queues.byKey) {
      const definition = Queues[key];
      environment[definition.envVar] = queue.queueUrl;
      const deadLetterEnvVar = deadLetterEnvVarOf(definition);
      if (deadLetterEnvVar) environment[deadLetterEnvVar] = deadLetterQueue.queueUrl;
    }

    const functionScope = new Construct(this, 'Functions');
    const functions = new Map<string, KuotaFunction>();
    for (const spec of functionsOf(this.plan)) {
      const kuotaFunction = new KuotaFunction(functionScope, spec.id, {
        spec,
        stage,
        prefix,
        repoRoot,
        environment: { ...environment, ...this.secretEnvironmentOf(spec) },
      });
      this.grant(kuotaFunction, spec);
      functions.set(spec.id, kuotaFunction);
    }
    this.functions = functions;
    const lambda = (id: string) => {
      const found = functions.get(id);
      if (!found) throw new Error(`no function ${id}`);
      return found.function;
    };

    const scheduleScope = new Construct(this, 'Schedules');
    for (const spec of this.plan.backgroundFunctions) {
      const trigger = spec.trigger;
      if (trigger.kind === 'queue') {
        const queue = Queues[trigger.queue];
        const deployed = this.queues.byKey.get(trigger.queue);
        if (!deployed) throw new Error(`${spec.id} consumes ${trigger.queue}, which is not deployed`);
        lambda(spec.id).addEventSource(
          new SqsEventSource(deployed.queue, {
            batchSize: queue.batchSize,
            ...(queue.maxBatchingWindowSeconds > 0
              ? { maxBatchingWindow: Duration.seconds(queue.maxBatchingWindowSeconds) }
              : {}),
            reportBatchItemFailures: true,
            maxConcurrency: consumerMaxConcurrency(queue, accountConcurrency),
          }),
        );
      } else if (trigger.kind === 'schedule') {
        // One run at a time: a slow sweep must not overlap the next tick (its steps are idempotent anyway).
        (lambda(spec.id).node.defaultChild as CfnFunction).reservedConcurrentExecutions = 1;
        new KuotaSchedule(scheduleScope, spec.id, {
          stage,
          functionId: spec.id,
          target: lambda(spec.id),
          everySeconds: trigger.everySeconds,
        });
      }
    }

    const consumed = new Set(
      this.plan.backgroundFunctions.flatMap((spec) =>
        spec.trigger.kind === 'queue' ? [spec.trigger.queue] : [],
      ),
    );
    for (const [key, { queue }] of this.queues.byKey) {
      if (consumed.has(key)) continue;
      Annotations.of(queue).addWarningV2(
        'kuota:queue-without-consumer',
        `queue "${key}" has no consumer in stage ${stage}: its messages wait until retention ends and never ` +
          'reach the DLQ; add a function with trigger { kind: "queue", queue: "' +
          key +
          '" }',
      );
    }

    const authorizerSpec = this.plan.backgroundFunctions.find((spec) => spec.trigger.kind === 'authorizer');
    this.edgeStack = new NestedStack(this, 'Edge', {
      description: `kuota (${stage}): the REST API, its authorizer and its web ACL`,
    });
    this.api = new KuotaApi(this.edgeStack, 'Api', {
      stage,
      prefix,
      routes: this.plan.routes,
      functionFor: (route) => lambda(route.id),
      authorizerFunction: authorizerSpec ? lambda(authorizerSpec.id) : undefined,
      fallbackFunction: lambda(this.plan.fallbackFunction.id),
      ...(webAclArn ? { webAclArn } : {}),
    });

    this.operationsStack = new NestedStack(this, 'Operations', {
      description: `kuota (${stage}): alarms and the operations dashboard`,
    });
    const alarmTopic = alarmTopicArn
      ? Topic.fromTopicArn(this.operationsStack, 'AlarmTopic', alarmTopicArn)
      : undefined;
    this.operations = new KuotaOperations(this.operationsStack, 'Operations', {
      stage,
      prefix,
      api: this.api.api,
      queues: this.queues.byKey,
      tables: this.tables.byKey,
      ...(alarmTopic ? { alarmTopic } : {}),
    });

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the kuota API', value: this.api.api.url });
    for (const [name, secret] of this.secrets.byName)
      new CfnOutput(this, `Secret-${name}`, { description: `The secret ${name}`, value: secret.secretArn });
    for (const [key, table] of this.tables.byKey) {
      new CfnOutput(this, `${key}TableName`, { value: table.tableName });
    }
    this.acknowledgeFunctionFindings(functionScope);
    this.inlineFunctionPolicies();
  }

  /**
   * Moves each function role's grants from its separate AWS::IAM::Policy into the role itself (an inline
   * policy of the AWS::IAM::Role): the same statements, one resource fewer per function, which keeps the
   * stack well under CloudFormation's 500 resources. Runs last, once every grant (tables, queues, event
   * sources, buckets, keys, tracing, logs) has been added.
   */
  private inlineFunctionPolicies(): void {
    for (const kuotaFunction of this.functions.values()) {
      const role = kuotaFunction.role;
      const policy = role.node.tryFindChild('DefaultPolicy');
      if (!(policy instanceof Policy)) continue;
      (role.node.defaultChild as CfnRole).policies = [
        { policyName: 'access', policyDocument: policy.document },
      ];
      role.node.tryRemoveChild('DefaultPolicy');
    }
  }

  /** IAM from the spec and nothing else: table access level, queues it sends to, the secret if it reads it. */
  private grant(kuotaFunction: KuotaFunction, spec: FunctionSpec): void {
    const fn = kuotaFunction.function;
    for (const [key, access] of Object.entries(spec.tables) as [TableKey, 'read' | 'readwrite'][]) {
      const table = this.tables.byKey.get(key);
      if (!table) {
        Annotations.of(kuotaFunction).addWarningV2(
          'kuota:table-not-deployed',
          `${spec.id} declares ${access} access to table "${key}", which stage ${this.stage} does not deploy; ` +
            'no grant is made and any call to it fails',
        );
        continue;
      }
      const prefixes = spec.keyPrefixes?.[key];
      if (prefixes) {
        fn.addToRolePolicy(leadingKeysStatement(table.tableArn, access, prefixes));
        continue;
      }
      if (access === 'readwrite') table.grantReadWriteData(fn);
      else table.grantReadData(fn);
    }
    for (const key of spec.sendsTo) {
      const queue = this.queues.byKey.get(key);
      if (!queue) {
        Annotations.of(kuotaFunction).addWarningV2(
          'kuota:queue-not-deployed',
          `${spec.id} declares it sends to queue "${key}", which stage ${this.stage} does not deploy; ` +
            'no grant is made and any send fails',
        );
        continue;
      }
      queue.queue.grantSendMessages(fn);
    }
    for (const key of spec.sendsToDeadLetter ?? []) {
      this.queues.byKey.get(key)?.deadLetterQueue.grantSendMessages(fn);
    }
    for (const key of spec.readsQueueDepth ?? []) {
      this.queues.byKey.get(key)?.queue.grant(fn, 'sqs:GetQueueAttributes');
    }
    if (spec.inspectsDeadLetters) {
      for (const { deadLetterQueue } of this.queues.byKey.values())
        deadLetterQueue.grant(fn, 'sqs:GetQueueAttributes');
    }
    for (const [key, access] of Object.entries(spec.buckets ?? {}) as [BucketKey, 'read' | 'readwrite'][]) {
      const bucket = this.buckets.byKey.get(key);
      if (!bucket) continue;
      // Object actions only, named one by one (no Get*/Put* wildcards, no bucket-level actions).
      fn.addToRolePolicy(
        new PolicyStatement({
          actions:
            access === 'readwrite' ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : ['s3:GetObject'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
    }
    if (spec.signsDocuments) this.signingKey.key.grant(fn, 'kms:Sign');
    for (const name of spec.secrets) this.secrets.byName.get(name)?.grantRead(fn);
  }

  /** The ARNs of the secrets the function declares, and of no other. */
  private secretEnvironmentOf(spec: FunctionSpec): Record<string, string> {
    return Object.fromEntries(
      spec.secrets.flatMap((name) => {
        const secret = this.secrets.byName.get(name);
        return secret ? [[secretArnEnvVar(name), secret.secretArn]] : [];
      }),
    );
  }

  private acknowledgeFunctionFindings(functionScope: Construct): void {
    Validations.of(functionScope).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level ' +
        'permissions; they are the only actions granted on "*".',
    });
    for (const bucket of this.buckets.byKey.values()) {
      const logicalId = this.getLogicalId(bucket.node.defaultChild as CfnElement);
      Validations.of(functionScope).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/*]`,
        reason:
          'Objects of the documents bucket are named by random stamping and check ids created per request, ' +
          'so grants range over the objects of this one bucket; the actions are listed one by one.',
      });
    }
    for (const [key, table] of this.tables.byKey) {
      if (Tables[key].indexes.length === 0) continue;
      const logicalId = this.getLogicalId(table.node.defaultChild as CfnElement);
      Validations.of(functionScope).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason:
          'DynamoDB read grants cover the indexes of this one table (e.g. the work index gsi1); the ' +
          'wildcard ranges over its index names only, never over other tables.',
      });
    }
  }
}
