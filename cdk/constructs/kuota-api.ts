import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  type IResource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { needsApiKey, type RouteDefinition } from '../../lib/api/routes.js';
import {
  DEFAULT_CLIENT_INTAKE_PER_MINUTE,
  ROUTE_THROTTLE_SHARES,
  StorefrontIntakeRateRule,
  throttleClassOf,
} from '../../lib/infra/edge.js';
import { AUTHORIZER_CACHE_SECONDS } from '../../lib/infra/functions.js';
import type { Stage } from '../stage.js';

export { AUTHORIZED_ROUTE_KINDS } from '../../lib/api/routes.js';

export const STAGE_THROTTLING: Readonly<Record<Stage, { rateLimit: number; burstLimit: number }>> = {
  local: { rateLimit: 100, burstLimit: 200 },
  staging: { rateLimit: 1000, burstLimit: 500 },
  production: { rateLimit: 10_000, burstLimit: 5_000 },
};

export interface KuotaApiProps {
  readonly stage: Stage;
  readonly prefix: string;
  readonly routes: readonly RouteDefinition[];
  readonly functionFor: (route: RouteDefinition) => IFunction;
  readonly authorizerFunction: IFunction | undefined;
  readonly fallbackFunction: IFunction;
  /**
   * A WAFv2 web ACL (REGIONAL) owned outside this stack, to associate instead of the stack's own (which
   * carries the edge limits of lib/infra/edge.ts); the owner must carry those limits too.
   */
  readonly webAclArn?: string;
  /** The per-client storefront intake limit per window (the WAF rate-based rule). */
  readonly clientIntakePerMinute?: number;
}

/**
 * AWS's managed rule groups, after the intake rule: addresses on Amazon's reputation list, known bad
 * inputs (Log4Shell-style payloads, exploitable paths), and the common rule set (OWASP-style checks). The
 * common set's 8 KB body limit only counts: the API answers over-size bodies itself (413, at 16 KB).
 */
export const MANAGED_RULE_GROUPS: readonly {
  readonly name: string;
  readonly countOnly: readonly string[];
}[] = [
  { name: 'AWSManagedRulesAmazonIpReputationList', countOnly: [] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', countOnly: [] },
  { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY'] },
];

/**
 * Method throttling from each route's class (lib/infra/edge.ts): the public and the regulator's routes
 * are capped at their share of the stage's rate, so a surge of buyers leaves room for webhooks and
 * resellers. Keys are `<resource path>/<method>`, as API Gateway's method settings name them.
 */
export const routeThrottles = (
  routes: readonly RouteDefinition[],
  stage: { rateLimit: number; burstLimit: number },
): Record<string, MethodDeploymentOptions> =>
  Object.fromEntries(
    routes.flatMap((route) => {
      const throttleClass = throttleClassOf(route);
      if (!throttleClass) return [];
      const share = ROUTE_THROTTLE_SHARES[throttleClass];
      return [
        [
          `${route.path}/${route.method}`,
          {
            throttlingRateLimit: Math.max(1, Math.floor(stage.rateLimit * share)),
            throttlingBurstLimit: Math.max(1, Math.floor(stage.burstLimit * share)),
          },
        ],
      ];
    }),
  );

/** API Gateway's error body in the API's own error shape (see lib/http/middleware.ts). */
const errorTemplate = (code: string, message: string): string =>
  `{"error":{"code":${code},"message":${message},"requestId":"$context.requestId"}}`;
const quoted = (text: string): string => JSON.stringify(text);

/**
 * The REST API: one resource per path segment of the routes, one method per route, an ANY method on every
 * route's resource, on the root and on a root `{proxy+}` that sends everything else to the fallback
 * function, which answers 405 with Allow or 404 from the same route table. API Gateway's own rejections
 * (401, 403, 404 for a bare path prefix, 429, ...) answer in the API's error shape.
 */
export class KuotaApi extends Construct {
  readonly api: RestApi;
  readonly authorizer: RequestAuthorizer | undefined;
  /** The method of each route, by route id. */
  readonly methods: ReadonlyMap<string, Method>;
  /** The fallback ANY methods, by resource path. */
  readonly fallbackMethods: ReadonlyMap<string, Method>;
  /** The stack's own web ACL (absent when one owned elsewhere is passed as `webAclArn`). */
  readonly webAcl: CfnWebACL | undefined;

  constructor(scope: Construct, id: string, props: KuotaApiProps) {
    super(scope, id);
    const production = props.stage === 'production';
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const throttling = STAGE_THROTTLING[props.stage];
    this.api = new RestApi(this, 'Api', {
      restApiName: props.prefix,
      description: `kuota ${props.stage}: e-Meterai distribution API`,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        tracingEnabled: true,
        metricsEnabled: true,
        // Errors only, and never request/response bodies: they carry NIKs and API keys.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        methodOptions: routeThrottles(props.routes, throttling),
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            extendedRequestId: AccessLogField.contextExtendedRequestId(),
            time: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            userAgent: AccessLogField.contextIdentityUserAgent(),
            method: AccessLogField.contextHttpMethod(),
            resourcePath: AccessLogField.contextResourcePath(),
            path: AccessLogField.contextPath(),
            status: AccessLogField.contextStatus(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            principalId: AccessLogField.contextAuthorizerPrincipalId(),
            authorizerStatus: AccessLogField.contextAuthorizerStatus(),
            errorType: AccessLogField.contextErrorResponseType(),
            errorMessage: AccessLogField.contextErrorMessage(),
            xrayTraceId: AccessLogField.contextXrayTraceId(),
          }),
        ),
      },
    });
    this.addGatewayResponses();

    const needsAuthorizer = props.routes.some((route) => needsApiKey(route.auth));
    if (needsAuthorizer && !props.authorizerFunction)
      throw new Error('routes need the authorizer, but no function has trigger { kind: "authorizer" }');
    this.authorizer = props.authorizerFunction
      ? new RequestAuthorizer(this, 'Authorizer', {
          authorizerName: `${props.prefix}-api-key`,
          handler: props.authorizerFunction,
          identitySources: [IdentitySource.header('Authorization')],
          resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
        })
      : undefined;

    // One API-scoped invoke permission for the fallback instead of one per method: it serves every
    // unmatched request of this API, and per-method permissions would cost a resource each (500 max).
    const fallback = new LambdaIntegration(props.fallbackFunction, { scopePermissionToMethod: false });
    const fallbackMethods = new Map<string, Method>();
    const addFallback = (resource: IResource) => {
      fallbackMethods.set(
        resource.path,
        resource.addMethod('ANY', fallback, { authorizationType: AuthorizationType.NONE }),
      );
    };
    addFallback(this.api.root);
    addFallback(this.api.root.addResource('{proxy+}'));

    const resourceFor = (routePath: string) => {
      let resource: IResource = this.api.root;
      for (const segment of routePath.split('/').filter(Boolean)) {
        const existing = resource.getResource(segment);
        if (existing) {
          resource = existing;
          continue;
        }
        const parameter = /^\{(.+)\}$/.exec(segment)?.[1];
        const sibling = resource.node.children.find(
          (child) => /^\{.+\}$/.test(child.node.id) && child.node.id !== '{proxy+}',
        );
        if (parameter && sibling)
          throw new Error(
            `${routePath}: API Gateway allows one path parameter per level; ${resource.path} already has ${sibling.node.id}`,
          );
        resource = resource.addResource(segment);
      }
      return resource;
    };

    const methods = new Map<string, Method>();
    const routeResources = new Set<IResource>();
    for (const route of props.routes) {
      const authorized = needsApiKey(route.auth);
      const resource = resourceFor(route.path);
      routeResources.add(resource);
      methods.set(
        route.id,
        resource.addMethod(
          route.method,
          new LambdaIntegration(props.functionFor(route), { allowTestInvoke: false }),
          authorized && this.authorizer
            ? {
                authorizer: this.authorizer,
                authorizationType: AuthorizationType.CUSTOM,
                operationName: route.id,
              }
            : { authorizationType: AuthorizationType.NONE, operationName: route.id },
        ),
      );
    }
    // Other methods on a route's path answer 405 with Allow from the fallback. Paths that are only a
    // prefix of routes (/v1, /v1/wholesale) have no method: API Gateway answers those itself with
    // MISSING_AUTHENTICATION_TOKEN, mapped to the same 404 below, at no resource cost.
    for (const resource of routeResources) if (!fallbackMethods.has(resource.path)) addFallback(resource);
    this.methods = methods;
    this.fallbackMethods = fallbackMethods;

    this.webAcl = props.webAclArn ? undefined : this.edgeWebAcl(props);
    new CfnWebACLAssociation(this, 'WebAcl', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: props.webAclArn ?? this.webAcl?.attrArn ?? '',
    });
    this.acknowledgeFindings(props);
  }

  /**
   * The edge limits (lib/infra/edge.ts) as a WAF web ACL: per source IP, at most `clientIntakePerMinute`
   * storefront orders per 60 s, answered 429 with Retry-After in the API's error shape (counted by WAF, so
   * the limit costs no Lambda and no DynamoDB write), then AWS's managed rule groups.
   */
  private edgeWebAcl(props: KuotaApiProps): CfnWebACL {
    const rule = StorefrontIntakeRateRule;
    const limit = Math.max(
      rule.minimumLimit,
      props.clientIntakePerMinute ?? DEFAULT_CLIENT_INTAKE_PER_MINUTE,
    );
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    return new CfnWebACL(this, 'EdgeAcl', {
      name: `${props.prefix}-edge`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${props.prefix}-edge`),
      customResponseBodies: {
        RateLimited: { contentType: 'APPLICATION_JSON', content: rule.response.body },
      },
      rules: [
        {
          name: rule.name,
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: rule.response.statusCode,
                customResponseBodyKey: 'RateLimited',
                responseHeaders: [{ name: 'Retry-After', value: String(rule.response.retryAfterSeconds) }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              evaluationWindowSec: rule.windowSeconds,
              limit,
              scopeDownStatement: {
                andStatement: {
                  statements: [
                    {
                      byteMatchStatement: {
                        fieldToMatch: { method: {} },
                        positionalConstraint: 'EXACTLY',
                        searchString: rule.method,
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                    {
                      regexMatchStatement: {
                        fieldToMatch: { uriPath: {} },
                        regexString: rule.pathRegex,
                        textTransformations: [{ priority: 0, type: 'NONE' }],
                      },
                    },
                  ],
                },
              },
            },
          },
          visibilityConfig: visibility(rule.name),
        },
        ...MANAGED_RULE_GROUPS.map((group, index) => ({
          name: group.name,
          priority: index + 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ...(group.countOnly.length > 0
                ? {
                    ruleActionOverrides: group.countOnly.map((name) => ({
                      name,
                      actionToUse: { count: {} },
                    })),
                  }
                : {}),
            },
          },
          visibilityConfig: visibility(group.name),
        })),
      ],
    });
  }

  private addGatewayResponses(): void {
    const json = (message: string, code: string) => ({
      'application/json': errorTemplate(quoted(code), quoted(message)),
    });
    const fixed: readonly {
      id: string;
      type: ResponseType;
      statusCode: string;
      code: string;
      message: string;
      headers?: Record<string, string>;
    }[] = [
      {
        id: 'Unauthorized',
        type: ResponseType.UNAUTHORIZED,
        statusCode: '401',
        code: 'UNAUTHENTICATED',
        message: 'Missing or invalid API key; send Authorization: Bearer <apiKey>',
        headers: { 'WWW-Authenticate': "'Bearer'" },
      },
      {
        id: 'AccessDenied',
        type: ResponseType.ACCESS_DENIED,
        statusCode: '403',
        code: 'FORBIDDEN',
        message: 'This API key may not call this route',
      },
      {
        id: 'MissingAuthenticationToken',
        type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
        statusCode: '404',
        code: 'NOT_FOUND',
        message: 'No such route',
      },
      {
        id: 'Throttled',
        type: ResponseType.THROTTLED,
        statusCode: '429',
        code: 'SERVICE_BUSY',
        message: 'Too many requests; retry after the Retry-After seconds',
        headers: { 'Retry-After': "'1'" },
      },
      {
        id: 'RequestTooLarge',
        type: ResponseType.REQUEST_TOO_LARGE,
        statusCode: '413',
        code: 'PAYLOAD_TOO_LARGE',
        message: 'Body larger than the limit',
      },
    ];
    for (const response of fixed) {
      this.api.addGatewayResponse(response.id, {
        type: response.type,
        statusCode: response.statusCode,
        ...(response.headers ? { responseHeaders: response.headers } : {}),
        templates: json(response.message, response.code),
      });
    }
    this.api.addGatewayResponse('Default4xx', {
      type: ResponseType.DEFAULT_4XX,
      templates: {
        'application/json': errorTemplate('"$context.error.responseType"', '$context.error.messageString'),
      },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: ResponseType.DEFAULT_5XX,
      templates: json('Internal error', 'INTERNAL'),
    });
  }

  /** Findings that are decisions, each with its reason, on the narrowest construct that carries them. */
  private acknowledgeFindings(props: KuotaApiProps): void {
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Requests are validated by the handlers with the zod schemas of lib/api/routes.ts, the single ' +
        'source of the API contract; they answer 400 in the API error shape with every failing field named. ' +
        'A gateway validator would duplicate the schemas as JSON Schema models and answer in another shape.',
    });
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Callers are resellers and regulators (machine clients) authenticating with API keys, which the ' +
        'REQUEST Lambda authorizer resolves against hashed keys in DynamoDB. There are no end users and so no ' +
        'Cognito user pool; webhooks authenticate by HMAC signature and public routes are open by design.',
    });
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-wide role API Gateway uses to write execution and access logs; AWS maintains this ' +
          'managed policy for exactly that purpose and it grants CloudWatch Logs writes only.',
      });
    }
    for (const route of props.routes) {
      if (needsApiKey(route.auth)) continue;
      const method = this.methods.get(route.id);
      if (!method) continue;
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          route.auth === 'webhook'
            ? `${route.method} ${route.path} is a webhook: the sender has no API key; the handler verifies ` +
              'the HMAC signature over the raw body and timestamp and answers 401 otherwise.'
            : `${route.method} ${route.path} is open by design (auth 'public' in lib/api/routes.ts: ` +
              `${route.summary}); a route that serves reseller or regulator data declares that role instead.`,
      });
    }
    for (const method of this.fallbackMethods.values()) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Fallback ANY method: invoked only for a method or path no route defines, it answers 404 or 405 ' +
          'with Allow from the public route table (the same facts /openapi.json publishes) and touches no data.',
      });
    }
  }
}
