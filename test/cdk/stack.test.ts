import { beforeAll, describe, expect, it } from 'vitest';
import {
  AUTHORIZED_ROUTE_KINDS,
  MANAGED_RULE_GROUPS,
  STAGE_THROTTLING,
} from '../../cdk/constructs/kuota-api.js';
import { QUEUE_AGE_ALARM_SECONDS } from '../../cdk/constructs/operations.js';
import { GENERATED_SECRETS } from '../../cdk/constructs/secrets.js';
import { deadLetterEnvVarOf } from '../../cdk/stack.js';
import { isSandboxQueue, parseStage, planStage, type Stage } from '../../cdk/stage.js';
import { allRoutes, type RouteDefinition } from '../../lib/api/routes.js';
import { ConfigurationError, parseConfig } from '../../lib/config.js';
import { DEFAULT_CLIENT_INTAKE_PER_MINUTE, StorefrontIntakeRateRule } from '../../lib/infra/edge.js';
import {
  AUTHORIZER_CACHE_SECONDS,
  type BackgroundFunctionSpec,
  backgroundFunctions,
  type FunctionSpec,
  fallbackFunction,
} from '../../lib/infra/functions.js';
import { METRICS_NAMESPACE, OperationsMetric, ReconciliationMetric } from '../../lib/infra/metrics.js';
import {
  ACCOUNT_CONCURRENCY,
  Buckets,
  consumerMaxConcurrency,
  DLQ_RETENTION_DAYS,
  EnvVar,
  type IndexDefinition,
  LOCAL_ONLY_SECRETS,
  projectionOf,
  type QueueKey,
  Queues,
  SECRET_NAMES,
  secretArnEnvVar,
  type TableKey,
  Tables,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../../lib/infra/resources.js';
import {
  actionsOfFunction,
  apiMethods,
  type CfnResource,
  DYNAMODB_WRITE_ACTIONS,
  functionIdByName,
  mentions,
  ofType,
  type Resources,
  referencedId,
  renderJoin,
  statementsOfFunction,
  synthesizeStage,
} from './template-model.js';

const background = backgroundFunctions as readonly BackgroundFunctionSpec[];
const allFunctions: readonly FunctionSpec[] = [...allRoutes, ...background, fallbackFunction];
const propsOf = (resource: CfnResource | undefined) => resource?.Properties ?? {};

type Synthesized = ReturnType<typeof synthesizeStage>;

/**
 * The variables that carry table names and queue URLs, split by whether the stage deploys the resource:
 * a function's environment names exactly the deployed ones (config() needs the sandbox's only where the
 * stage deploys it).
 */
const resourceVariablesOf = (stage: Stage) => {
  const plan = planStage(stage);
  const queueVariables = (key: QueueKey) => [
    Queues[key].envVar,
    deadLetterEnvVarOf(Queues[key]) ?? Queues[key].envVar,
  ];
  const tableKeys = Object.keys(Tables) as TableKey[];
  const queueKeys = Object.keys(Queues) as QueueKey[];
  return {
    deployed: [
      ...tableKeys.filter((key) => plan.tables.includes(key)).map((key) => Tables[key].envVar),
      ...queueKeys.filter((key) => plan.queues.includes(key)).flatMap(queueVariables),
    ],
    absent: [
      ...tableKeys.filter((key) => !plan.tables.includes(key)).map((key) => Tables[key].envVar),
      ...queueKeys.filter((key) => !plan.queues.includes(key)).flatMap(queueVariables),
    ],
  };
};

/** The logical id of a manifest function in a stage's template, found by its physical name. */
const functionId = (resources: Resources, stage: string, spec: FunctionSpec): string => {
  const id = functionIdByName(resources, `kuota-${stage}-${spec.id}`);
  if (!id) throw new Error(`no function ${spec.id} in the ${stage} template`);
  return id;
};

const tableIdByName = (resources: Resources, name: string) =>
  ofType(resources, 'AWS::DynamoDB::Table').find(([, table]) => propsOf(table).TableName === name)?.[0];
const queueIdByName = (resources: Resources, name: string) =>
  ofType(resources, 'AWS::SQS::Queue').find(([, queue]) => propsOf(queue).QueueName === name)?.[0];

/** The parts of an AWS::WAFv2::WebACL the edge test reads. */
interface WebAclProperties {
  readonly Rules?: {
    Statement: {
      RateBasedStatement: {
        ScopeDownStatement: {
          AndStatement: {
            Statements: [
              { ByteMatchStatement: Record<string, unknown> },
              { RegexMatchStatement: { RegexString: string } },
            ];
          };
        };
      };
    };
    Action: { Block: { CustomResponse: Record<string, unknown> } };
  }[];
  readonly CustomResponseBodies: { RateLimited: { Content: string } };
}

/** The parts of an AWS::S3::Bucket the documents test reads. */
interface BucketProperties {
  readonly BucketEncryption: {
    ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
  };
  readonly PublicAccessBlockConfiguration: Record<string, boolean>;
  readonly LifecycleConfiguration: { Rules: Record<string, unknown>[] };
  readonly CorsConfiguration: { CorsRules: Record<string, unknown>[] };
  readonly LoggingConfiguration?: Record<string, unknown>;
}

describe('the stage to deploy', () => {
  it('must be named: no context, no stack (there is no default stage)', () => {
    // Act
    const unnamed = () => parseStage(undefined);
    const empty = () => parseStage('');

    // Assert
    expect(unnamed).toThrow(/explicit stage: -c stage=staging or -c stage=production/);
    expect(empty).toThrow(/explicit stage/);
    expect(parseStage('production')).toBe('production');
  });
});

describe('kuota stack, staging', () => {
  let staging: Synthesized;
  let resources: Resources;

  beforeAll(() => {
    staging = synthesizeStage('staging');
    resources = staging.resources;
  });

  it('puts every reseller and regulator route behind the API-key authorizer and leaves public and webhook routes open', () => {
    // Arrange
    const [authorizerId] = ofType(resources, 'AWS::ApiGateway::Authorizer').map(([id]) => id);
    const methods = apiMethods(resources);

    // Act
    const found = allRoutes.map((route) => ({
      route,
      method: methods.find((m) => m.httpMethod === route.method && m.path === route.path),
    }));

    // Assert
    expect(authorizerId).toBeDefined();
    for (const { route, method } of found) {
      expect(method, `${route.method} ${route.path}`).toBeDefined();
      expect(method?.integrationFunctionId).toBe(functionId(resources, 'staging', route));
      if (AUTHORIZED_ROUTE_KINDS.has(route.auth)) {
        expect(method?.authorizationType, route.id).toBe('CUSTOM');
        expect(method?.authorizerId, route.id).toBe(authorizerId);
      } else {
        expect(method?.authorizationType, route.id).toBe('NONE');
        expect(method?.authorizerId, route.id).toBeUndefined();
      }
    }
    expect(found.filter(({ route }) => route.auth === 'reseller').length).toBeGreaterThan(0);
    expect(found.filter(({ route }) => route.auth === 'webhook').length).toBeGreaterThan(0);
  });

  it('builds the REQUEST authorizer from the authorizer function, keyed and cached by the Authorization header', () => {
    // Arrange
    const authorizerSpec = background.find((spec) => spec.trigger.kind === 'authorizer');
    if (!authorizerSpec) throw new Error('the manifest has no authorizer');

    // Act
    const authorizers = ofType(resources, 'AWS::ApiGateway::Authorizer').map(([, a]) => propsOf(a));

    // Assert
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_SECONDS,
    });
    // A revoked key stops working once the cached answer lapses: within 10 s.
    expect(AUTHORIZER_CACHE_SECONDS).toBeLessThanOrEqual(10);
    expect(mentions(authorizers[0]?.AuthorizerUri, functionId(resources, 'staging', authorizerSpec))).toBe(
      true,
    );
  });

  it("sends any other method on a route's path, and every unknown path, to the fallback function without auth", () => {
    // Arrange
    const fallbackId = functionId(resources, 'staging', fallbackFunction);
    const methods = apiMethods(resources);
    const expectedPaths = new Set(['/', '/{proxy+}', ...allRoutes.map((route) => route.path)]);

    // Act
    const anyMethods = methods.filter((method) => method.httpMethod === 'ANY');
    const fallbackPermissions = ofType(resources, 'AWS::Lambda::Permission').filter(
      ([, permission]) => referencedId(propsOf(permission).FunctionName) === fallbackId,
    );

    // Assert
    expect(new Set(anyMethods.map((method) => method.path))).toEqual(expectedPaths);
    expect(anyMethods).toHaveLength(expectedPaths.size);
    for (const method of anyMethods) {
      expect(method.integrationFunctionId, method.path).toBe(fallbackId);
      expect(method.authorizationType, method.path).toBe('NONE');
    }
    expect(methods).toHaveLength(allRoutes.length + expectedPaths.size);
    // One invoke permission for the whole API, not one per method.
    expect(fallbackPermissions).toHaveLength(1);
    expect(renderJoin(propsOf(fallbackPermissions[0]?.[1]).SourceArn)).toMatch(
      /:execute-api:.*\/\*\/\*\/\*$/,
    );
  });

  it('stays well clear of the CloudFormation limit of 500 resources in the stack and in each nested stack', () => {
    // Act
    const parentCount = Object.keys(staging.parentResources).length;
    const nestedCounts = [...staging.nestedResourcesById].map(([id, nested]) => [
      id,
      Object.keys(nested).length,
    ]);

    // Assert: the API lives in its own nested stack, so routes and functions grow in different stacks.
    expect(parentCount).toBeLessThan(400);
    expect(nestedCounts.map(([id]) => id)).toContain('Edge');
    for (const [id, count] of nestedCounts) expect(count, String(id)).toBeLessThan(400);
    expect(ofType(staging.nestedResourcesById.get('Edge') ?? {}, 'AWS::ApiGateway::Method').length).toBe(
      apiMethods(resources).length,
    );
  });

  it("answers API Gateway's own rejections in the API's error shape", () => {
    // Arrange
    const sample = (template: string) =>
      template
        .replaceAll('$context.error.messageString', '"Unauthorized"')
        .replaceAll('$context.error.responseType', 'UNAUTHORIZED')
        .replaceAll('$context.requestId', 'req-1');

    // Act
    type Response = { status: unknown; body: { error: Record<string, unknown> } };
    const responses: Record<string, Response> = Object.fromEntries(
      ofType(resources, 'AWS::ApiGateway::GatewayResponse').map(([, response]) => {
        const p = propsOf(response);
        const templates = p.ResponseTemplates as Record<string, string>;
        return [
          p.ResponseType,
          { status: p.StatusCode, body: JSON.parse(sample(templates['application/json'] ?? '')) },
        ];
      }),
    );

    // Assert
    expect(responses.UNAUTHORIZED).toMatchObject({
      status: '401',
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(responses.ACCESS_DENIED).toMatchObject({ status: '403', body: { error: { code: 'FORBIDDEN' } } });
    // A bare path prefix (/v1) has no method; API Gateway's answer matches the fallback's 404.
    expect(responses.MISSING_AUTHENTICATION_TOKEN).toMatchObject({
      status: '404',
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(responses.DEFAULT_5XX).toMatchObject({ body: { error: { code: 'INTERNAL' } } });
    expect(responses.DEFAULT_4XX).toMatchObject({
      body: { error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } },
    });
    for (const response of Object.values(responses)) {
      expect(typeof response.body.error.code).toBe('string');
      expect(typeof response.body.error.message).toBe('string');
      expect(response.body.error.requestId).toBe('req-1');
    }
  });

  it("gives every queue a DLQ and a visibility timeout of at least six times its consumer's timeout", () => {
    // Arrange
    const mappings = ofType(resources, 'AWS::Lambda::EventSourceMapping').map(([, m]) => propsOf(m));
    const expectedQueues = Object.keys(Queues) as QueueKey[];

    // Act
    const queues = expectedQueues.map((key) => {
      const queueId = queueIdByName(resources, `kuota-staging-${Queues[key].logicalName}`);
      const queue = propsOf(queueId ? resources[queueId] : undefined);
      const mapping = mappings.find((m) => referencedId(m.EventSourceArn) === queueId);
      const consumer = mapping ? propsOf(resources[referencedId(mapping.FunctionName) ?? '']) : undefined;
      return { key, queueId, queue, mapping, consumer };
    });

    // Assert
    for (const { key, queueId, queue, mapping, consumer } of queues) {
      expect(queueId, key).toBeDefined();
      const redrive = queue.RedrivePolicy as { deadLetterTargetArn: unknown; maxReceiveCount: number };
      expect(redrive.maxReceiveCount, key).toBe(Queues[key].maxReceiveCount);
      const dlq = propsOf(resources[referencedId(redrive.deadLetterTargetArn) ?? '']);
      expect(dlq.MessageRetentionPeriod, key).toBe(DLQ_RETENTION_DAYS * 24 * 3600);
      expect(dlq.RedrivePolicy, key).toBeUndefined();
      expect(queue.VisibilityTimeout, key).toBe(
        VISIBILITY_TIMEOUT_FACTOR * Queues[key].consumerTimeoutSeconds,
      );
      // A queue may still lack its consumer while it is being built; the stack warns about it.
      if (!mapping) continue;
      expect(mapping, key).toMatchObject({
        BatchSize: Queues[key].batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: Queues[key].maxConcurrency },
      });
      expect(queue.VisibilityTimeout as number, key).toBeGreaterThanOrEqual(
        VISIBILITY_TIMEOUT_FACTOR * (consumer?.Timeout as number),
      );
    }
    expect(queues.filter(({ mapping }) => mapping !== undefined).length).toBeGreaterThan(0);
    // Every queue in the template is one of the manifest's queues or a DLQ of one.
    expect(ofType(resources, 'AWS::SQS::Queue')).toHaveLength(expectedQueues.length * 2);
  });

  it('bounds every queue consumer, so a backlog cannot take the concurrency the API needs', () => {
    // Arrange
    const mappings = ofType(resources, 'AWS::Lambda::EventSourceMapping').map(([, m]) => propsOf(m));

    // Act
    const maxima = mappings.map(
      (mapping) => (mapping.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
    );
    const queueTotal = maxima.reduce<number>(
      (sum, maximum) => sum + (maximum ?? Number.POSITIVE_INFINITY),
      0,
    );

    // Assert: every mapping is bounded (2 to 1,000 is Lambda's range), and together the queues may use at
    // most a fifth of the account's default concurrency; the rest is the API's headroom.
    expect(mappings.length).toBeGreaterThan(0);
    for (const maximum of maxima) {
      expect(maximum).toBeGreaterThanOrEqual(2);
      expect(maximum).toBeLessThanOrEqual(1_000);
    }
    expect(queueTotal).toBeLessThanOrEqual(ACCOUNT_CONCURRENCY / 5);
  });

  it('requires SSL and encrypts every queue', () => {
    // Act
    const queues = ofType(resources, 'AWS::SQS::Queue');
    const policies = ofType(resources, 'AWS::SQS::QueuePolicy').map(([, p]) => JSON.stringify(propsOf(p)));

    // Assert
    for (const [id, queue] of queues) {
      expect(propsOf(queue).SqsManagedSseEnabled, id).toBe(true);
      expect(
        policies.some((p) => p.includes(`"${id}"`) && p.includes('"aws:SecureTransport":"false"')),
        id,
      ).toBe(true);
    }
  });

  it('alarms, in the operations stack, on refunds past SLA, ledger mismatch, reconciliation backlog, queue age, 5xx and throttles, and has a dashboard', () => {
    // Arrange
    const operations = staging.nestedResourcesById.get('Operations') ?? {};

    // Act
    const alarms = ofType(operations, 'AWS::CloudWatch::Alarm').map(([, alarm]) => propsOf(alarm));
    const named = (suffix: string) => alarms.find((alarm) => alarm.AlarmName === `kuota-staging-${suffix}`);
    const dashboards = ofType(operations, 'AWS::CloudWatch::Dashboard');

    // Assert: kuota's own metrics, by the names and dimensions the jobs publish (lib/infra/metrics.ts).
    const kuotaDimensions = [
      { Name: 'service', Value: 'kuota' },
      { Name: 'stage', Value: 'staging' },
    ];
    for (const [alarmId, metricName] of [
      ['RefundsPastSla', OperationsMetric.refundsPastSla],
      ['LedgerMismatch', OperationsMetric.ledgerDifferences],
      ['ReconciliationBacklog', ReconciliationMetric.backlog],
    ] as const) {
      expect(named(alarmId), alarmId).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: kuotaDimensions,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
    // The sweeper publishes 0 every minute: silence means it stopped, which is itself an alarm.
    expect(named('RefundsPastSla')?.TreatMissingData).toBe('breaching');
    expect(named('Api5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
      Threshold: 1,
    });
    expect(named('ApiThrottled')?.Metrics).toBeDefined();
    expect(named('LambdaThrottles')).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Throttles' });
    for (const key of Object.keys(Queues) as QueueKey[]) {
      expect(named(`${key}QueueAge`), key).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: QUEUE_AGE_ALARM_SECONDS[key],
      });
    }
    for (const key of Object.keys(Tables)) expect(named(`${key}TableThrottles`), key).toBeDefined();
    for (const alarm of alarms)
      expect(String(alarm.AlarmDescription), String(alarm.AlarmName)).toContain('Deadline day');
    expect(dashboards).toHaveLength(1);
    const body = renderJoin(propsOf(dashboards[0]?.[1]).DashboardBody);
    for (const metricName of [
      OperationsMetric.refundsPastSla,
      OperationsMetric.ledgerDifferences,
      ReconciliationMetric.backlog,
    ])
      expect(body).toContain(metricName);
    // The hourly ledger check is a scheduled function of the stack, reading the main table only.
    expect(background.find((spec) => spec.id === 'ledgerCheck')).toMatchObject({
      trigger: { kind: 'schedule', everySeconds: 3600 },
      tables: { main: 'read' },
    });
  });

  it('alarms on the first message in every DLQ', () => {
    // Arrange
    const dlqIds = ofType(resources, 'AWS::SQS::Queue')
      .map(([, queue]) =>
        referencedId(
          (propsOf(queue).RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn,
        ),
      )
      .filter((id): id is string => id !== undefined);

    // Act
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => propsOf(alarm));

    // Assert
    expect(dlqIds).toHaveLength(Object.keys(Queues).length);
    for (const dlqId of dlqIds) {
      const watching = alarms.filter((alarm) =>
        ((alarm.Dimensions ?? []) as { Value: unknown }[]).some((d) => referencedId(d.Value) === dlqId),
      );
      expect(watching, dlqId).toHaveLength(1);
      expect(watching[0]).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it("creates every table on demand with point-in-time recovery and the manifest's keys, indexes and TTL", () => {
    // Arrange
    const keys = Object.keys(Tables) as TableKey[];

    // Act
    const tables = keys.map((key) => ({
      key,
      table: propsOf(resources[tableIdByName(resources, `kuota-staging-${Tables[key].logicalName}`) ?? '']),
    }));

    // Assert
    expect(ofType(resources, 'AWS::DynamoDB::Table')).toHaveLength(keys.length);
    for (const { key, table } of tables) {
      const definition = Tables[key];
      expect(table, key).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: definition.partitionKey, KeyType: 'HASH' },
          { AttributeName: definition.sortKey, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      });
      const indexes = (table.GlobalSecondaryIndexes ?? []) as { IndexName: string; Projection: unknown }[];
      expect(indexes.map((index) => index.IndexName)).toEqual(definition.indexes.map((i) => i.indexName));
      for (const [position, index] of indexes.entries())
        expect(index.Projection).toEqual(projectionOf(definition.indexes[position] as IndexDefinition));
    }
  });

  it('grants table access at the declared level only: read-only functions, like getQuotaOrder and the authorizer, cannot write', () => {
    // Arrange
    const tableIds = Object.fromEntries(
      (Object.keys(Tables) as TableKey[]).map((key) => [
        key,
        tableIdByName(resources, `kuota-staging-${Tables[key].logicalName}`) ?? '',
      ]),
    ) as Record<TableKey, string>;

    // Act
    const grants = allFunctions.map((spec) => ({
      spec,
      statements: statementsOfFunction(resources, functionId(resources, 'staging', spec)),
    }));

    // Assert
    for (const { spec, statements } of grants) {
      for (const key of Object.keys(Tables) as TableKey[]) {
        const onTable = statements.filter((s) => mentions(s.resource, tableIds[key]));
        const actions = new Set(onTable.flatMap((s) => s.actions));
        const declared = spec.tables[key];
        if (!declared) expect([...actions], `${spec.id} on ${key}`).toEqual([]);
        if (declared) expect(actions.has('dynamodb:GetItem'), `${spec.id} reads ${key}`).toBe(true);
        const writes = DYNAMODB_WRITE_ACTIONS.filter((action) => actions.has(action));
        if (declared === 'readwrite')
          expect(writes, `${spec.id} on ${key}`).toEqual([...DYNAMODB_WRITE_ACTIONS]);
        else expect(writes, `${spec.id} on ${key}`).toEqual([]);
      }
    }
    const getQuotaOrder = grants.find(({ spec }) => spec.id === 'getQuotaOrder');
    const authorizer = grants.find(({ spec }) => spec.id === 'authorizer');
    for (const grant of [getQuotaOrder, authorizer]) {
      const actions = grant?.statements.flatMap((s) => s.actions) ?? [];
      expect(actions).toContain('dynamodb:GetItem');
      expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
      expect(actions.filter((a) => a.startsWith('sqs:Send'))).toEqual([]);
      expect(actions.filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    }
  });

  it('grants nothing on "*" but the X-Ray actions, which have no resource-level permissions', () => {
    // Act
    const wildcardActions = allFunctions.flatMap((spec) =>
      statementsOfFunction(resources, functionId(resources, 'staging', spec))
        .filter((statement) => JSON.stringify(statement.resource).includes('"*"'))
        .flatMap((statement) => statement.actions),
    );

    // Assert
    expect(new Set(wildcardActions)).toEqual(new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  });

  it('lets a function send only to the queues it declares', () => {
    // Arrange
    const queueIds = Object.fromEntries(
      (Object.keys(Queues) as QueueKey[]).map((key) => [
        key,
        queueIdByName(resources, `kuota-staging-${Queues[key].logicalName}`) ?? '',
      ]),
    ) as Record<QueueKey, string>;

    // Act
    const senders = allFunctions.map((spec) => ({
      spec,
      sendStatements: statementsOfFunction(resources, functionId(resources, 'staging', spec)).filter((s) =>
        s.actions.includes('sqs:SendMessage'),
      ),
    }));

    // Assert
    for (const { spec, sendStatements } of senders) {
      for (const key of Object.keys(Queues) as QueueKey[]) {
        const allowed = sendStatements.some((s) => mentions(s.resource, queueIds[key]));
        expect(allowed, `${spec.id} may send to ${key}`).toBe(spec.sendsTo.includes(key));
      }
    }
  });

  it('narrows every function that declares keyPrefixes to those partition keys (dynamodb:LeadingKeys), with no Scan and no index', () => {
    // Arrange
    const mainId = tableIdByName(resources, `kuota-staging-${Tables.main.logicalName}`) ?? '';
    const narrowed = allFunctions.filter((spec) => spec.keyPrefixes?.main);

    // Act
    const grants = narrowed.map((spec) => ({
      spec,
      onMain: statementsOfFunction(resources, functionId(resources, 'staging', spec)).filter((s) =>
        mentions(s.resource, mainId),
      ),
    }));

    // Assert: the authorizer, the public order and stamp reads and the regulator's key and vendor actions.
    expect(narrowed.map((spec) => spec.id)).toEqual(
      expect.arrayContaining([
        'authorizer',
        'verifyStamp',
        'getStorefrontOrder',
        'revokeVendorKey',
        'suspendVendor',
      ]),
    );
    for (const { spec, onMain } of grants) {
      expect(onMain.length, spec.id).toBeGreaterThan(0);
      for (const statement of onMain) {
        expect(statement.condition, spec.id).toEqual({
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': (spec.keyPrefixes?.main ?? []).map((prefix) => `${prefix}*`),
          },
        });
        expect(statement.actions, spec.id).not.toContain('dynamodb:Scan');
        expect(JSON.stringify(statement.resource), spec.id).not.toContain('/index/');
      }
    }
    const authorizer = grants.find(({ spec }) => spec.id === 'authorizer');
    expect(
      authorizer?.onMain.flatMap((s) => s.condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']),
    ).toEqual(['API_KEY#*']);
  });

  it('gives each function the secrets its spec declares and no other: the grant and the ARN variable', () => {
    // Arrange
    const secretIds = new Map(
      SECRET_NAMES.flatMap((name) => {
        const found = ofType(resources, 'AWS::SecretsManager::Secret').find(
          ([, secret]) => propsOf(secret).Name === `kuota-staging/${name}`,
        );
        return found ? [[name, found[0]] as const] : [];
      }),
    );

    // Act
    const holdings = allFunctions.map((spec) => {
      const id = functionId(resources, 'staging', spec);
      const statements = statementsOfFunction(resources, id);
      const variables = (propsOf(resources[id]).Environment as { Variables: Record<string, unknown> })
        .Variables;
      return {
        spec,
        readable: [...secretIds]
          .filter(([, secretId]) =>
            statements.some(
              (s) => s.actions.includes('secretsmanager:GetSecretValue') && mentions(s.resource, secretId),
            ),
          )
          .map(([name]) => name),
        named: SECRET_NAMES.filter((name) => variables[secretArnEnvVar(name)] !== undefined),
        anySecretAccess: [...actionsOfFunction(resources, id)].some((a) => a.startsWith('secretsmanager:')),
      };
    });

    // Assert: every deployed secret exists; local-only ones do not.
    expect([...secretIds.keys()].sort()).toEqual(
      SECRET_NAMES.filter((name) => !LOCAL_ONLY_SECRETS.has(name)).sort(),
    );
    for (const { spec, readable, named, anySecretAccess } of holdings) {
      const declared = spec.secrets.filter((name) => !LOCAL_ONLY_SECRETS.has(name)).sort();
      expect(readable.sort(), spec.id).toEqual(declared);
      expect(named.sort(), spec.id).toEqual(declared);
      expect(anySecretAccess, spec.id).toBe(declared.length > 0);
    }
    // The public buyer-facing functions hold neither webhook secret.
    for (const id of ['placeOrder', 'getStorefrontOrder', 'verifyStamp', 'createStamping', 'recoverOrders']) {
      const holding = holdings.find((h) => h.spec.id === id);
      expect(holding?.spec.id).toBe(id);
      expect(holding?.readable, id).not.toContain('taxAuthorityWebhookSecret');
      expect(holding?.readable, id).not.toContain('paymentGatewayWebhookSecret');
    }
  });

  it('keeps documents private: encrypted, no public access, TLS only, deleted after a day, CORS for presigned PUT/GET', () => {
    // Arrange
    const [[bucketId, bucket] = ['', undefined]] = ofType(resources, 'AWS::S3::Bucket').filter(
      ([, candidate]) => propsOf(candidate).BucketName === `kuota-staging-${Buckets.documents.logicalName}`,
    );
    const props = propsOf(bucket) as unknown as BucketProperties;
    const policy = ofType(resources, 'AWS::S3::BucketPolicy').find(([, candidate]) =>
      mentions(propsOf(candidate).Bucket, bucketId),
    )?.[1];
    const statements = (propsOf(policy).PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

    // Assert
    expect(
      props.BucketEncryption.ServerSideEncryptionConfiguration[0]?.ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('AES256');
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ ExpirationInDays: Buckets.documents.expireAfterDays, Status: 'Enabled' }),
    ]);
    expect(props.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['content-type'] }),
    ]);
    expect(props.LoggingConfiguration).toBeDefined();
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('signs with an RSA KMS key only the stamping worker may use, and grants object actions one by one', () => {
    // Arrange
    const [[keyId, key] = ['', undefined]] = ofType(resources, 'AWS::KMS::Key');
    const signers = allFunctions.filter((spec) =>
      statementsOfFunction(resources, functionId(resources, 'staging', spec)).some(
        (statement) => statement.actions.includes('kms:Sign') && mentions(statement.resource, keyId),
      ),
    );
    const s3Actions = new Set(
      allFunctions.flatMap((spec) =>
        [...actionsOfFunction(resources, functionId(resources, 'staging', spec))].filter((action) =>
          action.startsWith('s3:'),
        ),
      ),
    );
    const documentReaders = allFunctions.filter((spec) =>
      actionsOfFunction(resources, functionId(resources, 'staging', spec)).has('s3:GetObject'),
    );

    // Assert
    expect(propsOf(key)).toMatchObject({ KeySpec: 'RSA_3072', KeyUsage: 'SIGN_VERIFY' });
    expect(signers.map((spec) => spec.id)).toEqual(['stamping']);
    expect([...s3Actions].sort()).toEqual(['s3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    expect(documentReaders.map((spec) => spec.id).sort()).toEqual(
      allFunctions
        .filter((spec) => spec.buckets?.documents)
        .map((spec) => spec.id)
        .sort(),
    );
  });

  it('generates every generated secret, at least 32 characters long, without a value in the template', () => {
    // Act
    const secrets = ofType(resources, 'AWS::SecretsManager::Secret').map(([, s]) => propsOf(s));

    // Assert
    for (const name of GENERATED_SECRETS) {
      const secret = secrets.find((s) => s.Name === `kuota-staging/${name}`);
      expect(
        (secret?.GenerateSecretString as { PasswordLength?: number } | undefined)?.PasswordLength,
        name,
      ).toBeGreaterThanOrEqual(32);
      expect(secret?.SecretString, name).toBeUndefined();
    }
    // The certificate chain starts as a marker the reader treats as absent, never a key.
    const chain = secrets.find((s) => s.Name === 'kuota-staging/signingCertificateChain');
    expect(String(chain?.SecretString)).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('runs every function on Node 24 arm64 with tracing, its own log group and the environment config() needs', () => {
    for (const spec of allFunctions) {
      // Arrange
      const id = functionId(resources, 'staging', spec);

      // Act
      const fn = propsOf(resources[id]);
      const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;

      // Assert
      expect(fn, spec.id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: spec.timeoutSeconds,
        MemorySize: spec.memoryMb,
        TracingConfig: { Mode: 'Active' },
      });
      const logGroup = propsOf(
        resources[referencedId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup) ?? ''],
      );
      expect(logGroup.RetentionInDays, spec.id).toBeGreaterThan(0);
      expect(variables).toMatchObject({
        [EnvVar.stage]: 'staging',
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      });
      const { deployed, absent } = resourceVariablesOf('staging');
      expect(absent).toEqual([]);
      for (const name of deployed) {
        expect(referencedId(variables[name]), `${spec.id} ${name}`).toBeDefined();
      }
    }
  });

  it('runs every scheduled function at its manifest period, below a minute as ticks within each minute', () => {
    // Arrange
    const scheduled = background.flatMap((spec) =>
      spec.trigger.kind === 'schedule' ? [{ spec, everySeconds: spec.trigger.everySeconds }] : [],
    );
    const rules = ofType(resources, 'AWS::Events::Rule').map(([, rule]) => propsOf(rule));
    const targetsOf = (rule: Record<string, unknown>) =>
      (rule.Targets as { Arn: unknown }[]).map((target) => referencedId(target.Arn));

    // Act
    const found = scheduled.map(({ spec, everySeconds }) => {
      const fnId = functionId(resources, 'staging', spec);
      const direct = rules.filter((rule) => targetsOf(rule).includes(fnId));
      const machines = ofType(resources, 'AWS::StepFunctions::StateMachine').filter(([, machine]) =>
        renderJoin(propsOf(machine).DefinitionString).includes(`<${fnId}>`),
      );
      const viaMachine = rules.filter((rule) => machines.some(([id]) => targetsOf(rule).includes(id)));
      const states = machines.map(
        ([, machine]) =>
          Object.values(
            (JSON.parse(renderJoin(propsOf(machine).DefinitionString)) as { States: Record<string, unknown> })
              .States,
          ) as {
            Type: string;
            Seconds?: number;
            Parameters?: { FunctionName?: string; InvocationType?: string };
          }[],
      );
      return { spec, fnId, everySeconds, direct, machines, viaMachine, states: states[0] ?? [] };
    });

    // Assert
    expect(found.length).toBeGreaterThan(0);
    for (const { spec, fnId, everySeconds, direct, machines, viaMachine, states } of found) {
      if (everySeconds % 60 === 0) {
        const minutes = everySeconds / 60;
        expect(direct, spec.id).toHaveLength(1);
        expect(machines, spec.id).toHaveLength(0);
        // EventBridge's rate in its largest whole unit, as CDK writes it (60 minutes is "rate(1 hour)").
        const hours = minutes / 60;
        expect(direct[0]?.ScheduleExpression, spec.id).toBe(
          Number.isInteger(hours)
            ? `rate(${hours} ${hours === 1 ? 'hour' : 'hours'})`
            : `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`,
        );
      } else {
        expect(direct, spec.id).toHaveLength(0);
        expect(machines, spec.id).toHaveLength(1);
        expect(viaMachine[0]?.ScheduleExpression, spec.id).toBe('rate(1 minute)');
        const tasks = states.filter((state) => state.Type === 'Task');
        const waits = states.filter((state) => state.Type === 'Wait');
        expect(tasks, spec.id).toHaveLength(60 / everySeconds);
        for (const task of tasks)
          expect(task.Parameters).toMatchObject({ FunctionName: `<${fnId}>`, InvocationType: 'Event' });
        expect(waits.map((wait) => wait.Seconds)).toEqual(Array(60 / everySeconds - 1).fill(everySeconds));
      }
    }
  });

  it('synthesizes with no construct error and no warning', () => {
    // Act
    const problems = staging.messages.filter((message) => message.level !== 'info');

    // Assert
    expect(problems.map((message) => `${message.id}: ${String(message.entry.data)}`)).toEqual([]);
  });

  it('logs API access and traces the stage, with throttling', () => {
    // Act
    const stages = ofType(staging.resources, 'AWS::ApiGateway::Stage').map(([, s]) => propsOf(s));

    // Assert
    expect(stages).toHaveLength(1);
    expect(stages[0]).toMatchObject({
      StageName: 'staging',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: expect.anything(),
        Format: expect.stringContaining('$context.requestId'),
      },
    });
    const settings = stages[0]?.MethodSettings as Record<string, unknown>[];
    expect(settings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        ThrottlingRateLimit: STAGE_THROTTLING.staging.rateLimit,
        ThrottlingBurstLimit: STAGE_THROTTLING.staging.burstLimit,
      }),
    );
    staging.template.hasOutput('ApiUrl', {});
  });

  it("runs AWS's managed rule groups after the intake rule; the common set's 8 KB body rule only counts", () => {
    // Act
    const [[, acl] = ['', undefined]] = ofType(staging.resources, 'AWS::WAFv2::WebACL');
    const rules = (propsOf(acl).Rules ?? []) as {
      Name: string;
      Priority: number;
      OverrideAction?: unknown;
      Statement: {
        ManagedRuleGroupStatement?: { VendorName: string; Name: string; RuleActionOverrides?: unknown[] };
      };
    }[];

    // Assert
    const managed = rules.filter((rule) => rule.Statement.ManagedRuleGroupStatement);
    expect(managed.map((rule) => [rule.Priority, rule.Statement.ManagedRuleGroupStatement?.Name])).toEqual(
      MANAGED_RULE_GROUPS.map((group, index) => [index + 1, group.name]),
    );
    for (const rule of managed) expect(rule.OverrideAction).toEqual({ None: {} });
    const common = managed.find((rule) => rule.Name === 'AWSManagedRulesCommonRuleSet');
    expect(common?.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    expect(rules.find((rule) => rule.Priority === 0)?.Name).toBe('storefront-intake-per-client');
  });

  it('caps the routes anyone can call below the stage rate, leaving room for webhooks and resellers', () => {
    // Arrange
    const settings = ofType(staging.resources, 'AWS::ApiGateway::Stage').flatMap(
      ([, stage]) => propsOf(stage).MethodSettings as Record<string, unknown>[],
    );
    const capOf = (route: RouteDefinition) =>
      settings.find(
        (setting) =>
          setting.HttpMethod === route.method &&
          setting.ResourcePath === (route.path === '/' ? '/' : `/${route.path.replace(/\//g, '~1')}`),
      );

    // Act
    const byRoute = allRoutes
      .filter((route) => !route.sandboxOnly)
      .map((route) => ({ route, cap: capOf(route)?.ThrottlingRateLimit as number | undefined }));

    // Assert
    const rate = STAGE_THROTTLING.staging.rateLimit;
    expect(byRoute.find(({ route }) => route.id === 'placeOrder')?.cap).toBe(rate * 0.5);
    for (const { route, cap } of byRoute) {
      if (route.auth === 'webhook' || route.auth === 'reseller') expect(cap, route.id).toBeUndefined();
      else expect(cap, route.id).toBeLessThan(rate);
    }
  });

  it("limits each client's storefront orders at the edge: a WAF rate rule on the stage, answering 429 with Retry-After", () => {
    // Act
    const acls = ofType(staging.resources, 'AWS::WAFv2::WebACL').map(
      ([id, acl]) => [id, propsOf(acl)] as const,
    );
    const associations = ofType(staging.resources, 'AWS::WAFv2::WebACLAssociation').map(([, a]) =>
      propsOf(a),
    );
    const [aclId, acl] = (acls[0] ?? ['', {}]) as unknown as [string, WebAclProperties];
    const rule = acl.Rules?.[0];

    // Assert
    expect(acls).toHaveLength(1);
    expect(acl).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    expect(rule?.Statement.RateBasedStatement).toMatchObject({
      AggregateKeyType: 'IP',
      EvaluationWindowSec: StorefrontIntakeRateRule.windowSeconds,
      Limit: DEFAULT_CLIENT_INTAKE_PER_MINUTE,
    });
    const [method, path] =
      rule?.Statement.RateBasedStatement.ScopeDownStatement.AndStatement.Statements ?? [];
    expect(method?.ByteMatchStatement).toMatchObject({ SearchString: 'POST', FieldToMatch: { Method: {} } });
    const pathRegex = new RegExp(path?.RegexMatchStatement.RegexString ?? '');
    for (const path of ['/v1/storefronts/R01/orders', '/staging/v1/storefronts/R26/orders'])
      expect(pathRegex.test(path)).toBe(true);
    for (const path of [
      '/v1/storefronts/R01/orders/SO_X',
      '/v1/storefronts/R01/offer',
      '/v1/wholesale/quota-orders',
    ])
      expect(pathRegex.test(path)).toBe(false);
    expect(rule?.Action.Block.CustomResponse).toMatchObject({
      ResponseCode: 429,
      ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }],
    });
    expect(JSON.parse(acl.CustomResponseBodies.RateLimited.Content)).toMatchObject({
      error: { code: 'RATE_LIMITED' },
    });
    expect(associations).toHaveLength(1);
    expect(associations[0]?.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
  });
});

describe('kuota stack, production', () => {
  let production: Synthesized;
  let resources: Resources;

  beforeAll(() => {
    production = synthesizeStage('production');
    resources = production.resources;
  });

  it('deploys no sandbox route, function, table or queue', () => {
    // Arrange
    const sandboxRoutes = allRoutes.filter((route) => route.sandboxOnly);
    const sandboxFunctions = allFunctions.filter((spec) => spec.sandboxOnly);
    const methods = apiMethods(resources);

    // Act
    const functionNames = ofType(resources, 'AWS::Lambda::Function').map(
      ([, fn]) => propsOf(fn).FunctionName,
    );
    const tableNames = ofType(resources, 'AWS::DynamoDB::Table').map(([, t]) => propsOf(t).TableName);
    const queueNames = ofType(resources, 'AWS::SQS::Queue').map(([, q]) => propsOf(q).QueueName);

    // Assert
    expect(sandboxRoutes.length).toBeGreaterThan(0);
    for (const route of sandboxRoutes) {
      expect(
        methods.some((m) => m.httpMethod === route.method && m.path === route.path),
        route.id,
      ).toBe(false);
    }
    expect(methods.some((m) => m.path.startsWith('/sandbox'))).toBe(false);
    for (const spec of sandboxFunctions) expect(functionNames).not.toContain(`kuota-production-${spec.id}`);
    expect(functionNames).toHaveLength(allFunctions.length - sandboxFunctions.length);
    expect(tableNames).toEqual(['kuota-production-main']);
    const productionQueues = (Object.keys(Queues) as QueueKey[]).filter((key) => !isSandboxQueue(key));
    expect(productionQueues).not.toContain('webhookDelivery');
    expect(queueNames.sort()).toEqual(
      productionQueues
        .flatMap((key) => [
          `kuota-production-${Queues[key].logicalName}`,
          `kuota-production-${Queues[key].logicalName}-dlq`,
        ])
        .sort(),
    );
  });

  it('keeps the authorizer on every non-sandbox reseller and regulator route', () => {
    // Act
    const methods = apiMethods(resources);

    // Assert
    for (const route of allRoutes.filter((r) => !r.sandboxOnly)) {
      const method = methods.find((m) => m.httpMethod === route.method && m.path === route.path);
      expect(method?.authorizationType, route.id).toBe(
        AUTHORIZED_ROUTE_KINDS.has(route.auth) ? 'CUSTOM' : 'NONE',
      );
    }
  });

  it('retains and deletion-protects the tables', () => {
    // Act
    const tables = ofType(resources, 'AWS::DynamoDB::Table');

    // Assert
    for (const [id, table] of tables) {
      expect(table.DeletionPolicy, id).toBe('Retain');
      expect(propsOf(table).DeletionProtectionEnabled, id).toBe(true);
    }
  });

  it('gives functions an environment lib/config.ts accepts, naming only the tables and queues production deploys', () => {
    // Arrange: the values CloudFormation resolves at deploy time, with plausible shapes.
    const resolved = (value: unknown, name: string) =>
      typeof value === 'string'
        ? value
        : name.endsWith('_URL')
          ? 'https://sqs.ap-southeast-3.amazonaws.com/123456789012/kuota-production-allocation'
          : 'kuota-production-main';
    const { deployed, absent } = resourceVariablesOf('production');
    expect(absent.sort()).toEqual(
      [EnvVar.sandboxTable, EnvVar.webhookDeliveryQueueUrl, EnvVar.webhookDeliveryDlqUrl].sort(),
    );

    for (const spec of allFunctions.filter((s) => !s.sandboxOnly)) {
      const variables = (
        propsOf(resources[functionId(resources, 'production', spec)]).Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, resolved(v, k)]));

      // Act
      const config = parseConfig(env);

      // Assert
      expect(config.stage, spec.id).toBe('production');
      for (const name of deployed) expect(referencedId(variables[name]), `${spec.id} ${name}`).toBeDefined();
      for (const name of absent) expect(variables[name], `${spec.id} ${name}`).toBeUndefined();
      expect(JSON.stringify(variables)).not.toMatch(/not-deployed|\.invalid/);
      expect(() => config.sandboxTable).toThrow(ConfigurationError);
      expect(() => config.sandboxTable).toThrow(EnvVar.sandboxTable);
      expect(() => config.webhookDeliveryQueueUrl).toThrow(EnvVar.webhookDeliveryQueueUrl);
      expect(() => config.deadLetterQueueUrls.webhookDelivery).toThrow(EnvVar.webhookDeliveryDlqUrl);
      expect(Object.keys(config.deadLetterQueueUrls)).not.toContain('webhookDelivery');
    }
  });

  it('warns about every sandbox table or queue a production function declares, and grants nothing on it', () => {
    // Arrange
    const deployed = allFunctions.filter((spec) => !spec.sandboxOnly);
    const expected = deployed.flatMap((spec) => [
      ...(Object.keys(spec.tables) as TableKey[])
        .filter((key) => !tableIdByName(resources, `kuota-production-${Tables[key].logicalName}`))
        .map((key) => `${spec.id} table "${key}"`),
      ...spec.sendsTo
        .filter((key) => !queueIdByName(resources, `kuota-production-${Queues[key].logicalName}`))
        .map((key) => `${spec.id} queue "${key}"`),
    ]);

    // Act
    const warned = production.messages
      .filter((message) => message.level === 'warning')
      .map((message) => ({ path: message.id, text: String(message.entry.data) }))
      .filter(({ text }) => text.includes('which stage production does not deploy'))
      .map(({ path, text }) => `${path.split('/').pop()} ${/(table|queue) "[^"]+"/.exec(text)?.[0]}`);
    const statements = deployed.flatMap((spec) =>
      statementsOfFunction(resources, functionId(resources, 'production', spec)),
    );

    // Assert
    expect(expected.length).toBeGreaterThan(0);
    expect(warned.sort()).toEqual(expected.sort());
    expect(JSON.stringify(statements)).not.toMatch(/sandbox|webhook-?delivery/i);
  });
});

describe('kuota stack, production, deployed for a deadline with the Lambda quota raised', () => {
  const RAISED = 10_000;
  let resources: Resources;

  beforeAll(() => {
    resources = synthesizeStage('production', { accountConcurrency: String(RAISED) }).resources;
  });

  it('scales every queue consumer with the account, keeping the consumers to a fifth and the API the rest', () => {
    // Arrange: each deployed queue with a consumer, and what its mapping should allow
    const consumed = backgroundFunctions
      .filter((spec) => !spec.sandboxOnly && spec.trigger.kind === 'queue')
      .map((spec) => (spec.trigger as { queue: QueueKey }).queue);
    const expected = consumed.map((key) => consumerMaxConcurrency(Queues[key], RAISED)).sort((a, b) => a - b);

    // Act
    const maxima = ofType(resources, 'AWS::Lambda::EventSourceMapping')
      .map(([, m]) => (propsOf(m).ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency)
      .sort((a, b) => a - b);

    // Assert: ten times the default account's share each (Lambda caps a mapping at 1,000)
    expect(maxima).toEqual(expected);
    for (const key of consumed)
      expect(consumerMaxConcurrency(Queues[key], RAISED)).toBe(
        Math.min(1_000, Queues[key].maxConcurrency * (RAISED / ACCOUNT_CONCURRENCY)),
      );
    expect(maxima.reduce((sum, maximum) => sum + maximum, 0)).toBeLessThanOrEqual(RAISED / 5);
    expect(Math.max(...maxima)).toBeGreaterThan(
      Math.max(...consumed.map((key) => Queues[key].maxConcurrency)),
    );
  });

  it('refuses an account concurrency that is not a whole number, naming the context key', () => {
    expect(() => synthesizeStage('production', { accountConcurrency: 'lots' })).toThrow(/accountConcurrency/);
  });
});

describe('kuota stack, production, deployed with more stock shards for a hot reseller', () => {
  it('gives every function the shard count, and refuses one outside 1–90, naming the context key', () => {
    // Act
    const { resources } = synthesizeStage('production', { stockShards: '72' });
    const shardCounts = ofType(resources, 'AWS::Lambda::Function').map(
      ([, fn]) =>
        (propsOf(fn).Environment as { Variables: Record<string, unknown> }).Variables.KUOTA_STOCK_SHARDS,
    );

    // Assert
    expect(shardCounts.length).toBeGreaterThan(10);
    expect(new Set(shardCounts)).toEqual(new Set(['72']));
    expect(() => synthesizeStage('production', { stockShards: '91' })).toThrow(/stockShards/);
    expect(() => synthesizeStage('production', { stockShards: 'many' })).toThrow(/stockShards/);
  });
});
