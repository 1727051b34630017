import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { type LeadingKeyGrants, runWithLeadingKeyGrants } from '../adapters/invocation-grants.js';
import { routeMatcher } from '../api/route-match.js';
import { allRoutes, needsApiKey, type RouteDefinition } from '../api/routes.js';
import { config } from '../config.js';
import { headerValue } from '../http/headers.js';
import { fixedWindowLimiter, StorefrontIntakeRateRule } from '../infra/edge.js';
import {
  AUTHORIZER_CACHE_SECONDS,
  type BackgroundFunctionSpec,
  backgroundFunctions,
  type FunctionSpec,
  fallbackFunction,
} from '../infra/functions.js';
import { type QueueKey, Queues, type TableKey, Tables } from '../infra/resources.js';
import { runWithSecretGrants } from '../secrets.js';
import { InvocationTimeout, invokeWithTimeout } from './lambda-context.js';

/** The partition-key prefixes a function's spec declares, by the table names of this runtime. */
const leadingKeyGrantsOf = (spec: FunctionSpec): LeadingKeyGrants => ({
  functionId: spec.id,
  prefixesByTable: new Map(
    (Object.entries(spec.keyPrefixes ?? {}) as [TableKey, readonly string[]][]).flatMap(
      ([table, prefixes]) => {
        const name = process.env[Tables[table].envVar];
        return name ? [[name, prefixes] as const] : [];
      },
    ),
  ),
});
/**
 * A small stand-in for API Gateway (REST API, Lambda proxy integration + REQUEST authorizer), Lambda's
 * SQS event source mapping and EventBridge schedules, running the real handlers in this process.
 */
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** API Gateway REST APIs refuse payloads over 10 MB before any Lambda runs. */
const API_GATEWAY_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Lambda's limit on a synchronous invocation's response (its request limit is the same). */
const LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
const API_GATEWAY_TIMEOUT_SECONDS = 29;
/** The local gateway's authorizer cache holds at most this many keys (API Gateway's is bounded too). */
const AUTHORIZER_CACHE_ENTRIES = 10_000;

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalRuntimeOptions {
  readonly port: number;
  /** Needed when a mounted function consumes a queue. */
  readonly sqs?: SQSClient;
  readonly queueUrls?: Record<QueueKey, string>;
  readonly includeSandbox: boolean;
  readonly runSchedules: boolean;
  readonly pollers?: { concurrency?: number; waitTimeSeconds?: number };
  /**
   * Queues whose consumer is not polled continuously: `drainQueue` delivers what is due on them, so a test
   * decides when timers fire (as `runJob` decides when a schedule runs).
   */
  readonly manualQueues?: readonly QueueKey[];
  /** What to mount; kuota's own routes and background functions unless told otherwise (the benchmark's baseline). */
  readonly routes?: readonly RouteDefinition[];
  readonly background?: readonly BackgroundFunctionSpec[];
}

export interface LocalRuntime {
  readonly url: string;
  readonly invocations: Map<string, number>;
  /** Runs a scheduled job now (tests do not wait a minute). */
  runJob(functionId: string): Promise<unknown>;
  /** Delivers every message visible now on a manual queue to its consumer; the number delivered. */
  drainQueue(queue: QueueKey): Promise<number>;
  stop(): Promise<void>;
}

const loadHandler = async (spec: FunctionSpec): Promise<AnyHandler> => {
  const module = (await import(pathToFileURL(resolve(repositoryRoot, spec.entry)).href)) as {
    handler?: AnyHandler;
  };
  if (typeof module.handler !== 'function') throw new Error(`${spec.entry} exports no handler`);
  return module.handler;
};

const readBody = (request: IncomingMessage): Promise<Buffer | 'TOO_LARGE'> =>
  new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_GATEWAY_MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolveBody(tooLarge ? 'TOO_LARGE' : Buffer.concat(chunks)));
    request.on('error', reject);
  });

/** The local stack answers loopback host names only: a request naming another host is refused. */
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

/**
 * API Gateway's own rejections, in the API's error shape with the request id (as the stack's gateway
 * responses carry `$context.requestId`): the request's id once its event exists, a fresh one before.
 */
const gatewayError = (
  statusCode: number,
  code: string,
  message: string,
  requestId: string = randomUUID(),
): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code, message, requestId } }),
});

/**
 * Sockets listening on the API's one port (SO_REUSEPORT; the kernel spreads new connections over them).
 * Node takes about one new connection per listening socket per turn of its event loop, so while this one
 * process was busy running the handlers it took new connections at 14 to 26 a second: in `npm run bench`,
 * new applicants' POSTs waited 6 to 7 s in the kernel's accept queue before any handler saw them, most of
 * both designs' intake p99. API Gateway's front end has no such limit. One socket where the platform has no
 * SO_REUSEPORT (macOS).
 */
const API_LISTENERS = 16;

export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  const routes = (options.routes ?? allRoutes).filter(
    (route) => options.includeSandbox || !route.sandboxOnly,
  );
  const background: readonly BackgroundFunctionSpec[] = options.background ?? backgroundFunctions;
  const match = routeMatcher(routes);
  const handlers = new Map<string, AnyHandler>();
  for (const spec of [...routes, ...background, fallbackFunction]) {
    if (spec.sandboxOnly && !options.includeSandbox) continue;
    handlers.set(spec.id, await loadHandler(spec));
  }
  const invocations = new Map<string, number>();
  const invoke = async <T>(spec: FunctionSpec, event: unknown): Promise<T> => {
    const handler = handlers.get(spec.id);
    if (!handler) throw new Error(`no handler loaded for ${spec.id}`);
    invocations.set(spec.id, (invocations.get(spec.id) ?? 0) + 1);
    // Each invocation holds only the secrets and key prefixes its spec declares, as its role would on AWS.
    return (await runWithLeadingKeyGrants(leadingKeyGrantsOf(spec), () =>
      runWithSecretGrants(spec.secrets, () => invokeWithTimeout((context) => handler(event, context), spec)),
    )) as T;
  };

  const authorizerSpec = background.find((fn) => fn.trigger.kind === 'authorizer');
  const authorizerCache = new Map<
    string,
    { expires: number; result: APIGatewayAuthorizerResult | 'DENIED' }
  >();

  const authorize = async (
    authorization: string | undefined,
    event: APIGatewayProxyEvent,
  ): Promise<APIGatewayProxyResult | Record<string, unknown>> => {
    // As on API Gateway: a missing identity source is refused without calling the authorizer.
    if (!authorization)
      return gatewayError(
        401,
        'UNAUTHENTICATED',
        'an API key is required (Authorization: Bearer <key>)',
        event.requestContext.requestId,
      );
    const cached = authorizerCache.get(authorization);
    let result: APIGatewayAuthorizerResult | 'DENIED';
    if (cached && cached.expires > Date.now()) result = cached.result;
    else {
      const authorizerEvent: APIGatewayRequestAuthorizerEvent = {
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:local:000000000000:local/local/${event.httpMethod}${event.resource}`,
        resource: event.resource,
        path: event.path,
        httpMethod: event.httpMethod,
        headers: event.headers,
        multiValueHeaders: event.multiValueHeaders,
        pathParameters: event.pathParameters,
        queryStringParameters: event.queryStringParameters,
        multiValueQueryStringParameters: event.multiValueQueryStringParameters,
        stageVariables: null,
        requestContext: { ...event.requestContext, authorizer: undefined },
      };
      if (!authorizerSpec)
        return gatewayError(500, 'INTERNAL', 'no authorizer is mounted', event.requestContext.requestId);
      try {
        result = await invoke<APIGatewayAuthorizerResult>(authorizerSpec, authorizerEvent);
      } catch (error) {
        if (error instanceof Error && error.message === 'Unauthorized') result = 'DENIED';
        else return gatewayError(500, 'INTERNAL', 'authorizer failed', event.requestContext.requestId);
      }
      // Bounded: a flood of made-up keys evicts the oldest entries instead of growing the process.
      if (authorizerCache.size >= AUTHORIZER_CACHE_ENTRIES) {
        const oldest = authorizerCache.keys().next().value;
        if (oldest !== undefined) authorizerCache.delete(oldest);
      }
      authorizerCache.set(authorization, { expires: Date.now() + AUTHORIZER_CACHE_SECONDS * 1000, result });
    }
    if (result === 'DENIED')
      return gatewayError(401, 'UNAUTHENTICATED', 'the API key is not valid', event.requestContext.requestId);
    const allowed = result.policyDocument.Statement.some(
      (statement) => 'Effect' in statement && statement.Effect === 'Allow',
    );
    if (!allowed) return gatewayError(403, 'FORBIDDEN', 'access denied', event.requestContext.requestId);
    return { ...(result.context ?? {}), principalId: result.principalId };
  };

  // The stage's WAF rate-based rule, as the gateway in front of the functions (see lib/infra/edge.ts).
  const intakeRule = new RegExp(StorefrontIntakeRateRule.pathRegex);
  let intakeLimiter: ReturnType<typeof fixedWindowLimiter> | undefined;
  const edgeRefusal = (method: string, path: string, sourceIp: string): APIGatewayProxyResult | undefined => {
    if (method !== StorefrontIntakeRateRule.method || !intakeRule.test(path)) return undefined;
    intakeLimiter ??= fixedWindowLimiter(
      Math.max(StorefrontIntakeRateRule.minimumLimit, config().clientIntakePerMinute),
      StorefrontIntakeRateRule.windowSeconds,
    );
    const retryAfter = intakeLimiter.admit(sourceIp, Date.now());
    if (retryAfter === undefined) return undefined;
    const { response } = StorefrontIntakeRateRule;
    return {
      statusCode: response.statusCode,
      headers: { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfter) },
      body: response.body,
    };
  };

  let ownDomain = (): string => 'localhost';

  const handleHttp = async (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (result: APIGatewayProxyResult) => {
      response.writeHead(result.statusCode, {
        ...(result.headers as Record<string, string>),
        'x-kuota-latency-ms': String(Date.now() - started),
      });
      response.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    };
    if (!LOOPBACK_HOST.test(request.headers.host ?? '')) {
      return send(gatewayError(403, 'FORBIDDEN', 'this local stack answers loopback host names only'));
    }
    const body = await readBody(request);
    if (body === 'TOO_LARGE') return send(gatewayError(413, 'PAYLOAD_TOO_LARGE', 'Request Too Long'));

    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i] ?? '';
      const value = request.rawHeaders[i + 1] ?? '';
      headers[name] = value;
      // Own properties only: a header or query key named `constructor` or `toString` is data, not a method.
      multiValueHeaders[name] = [
        ...(Object.hasOwn(multiValueHeaders, name) ? (multiValueHeaders[name] ?? []) : []),
        value,
      ];
    }
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) {
      query[name] = value;
      multiQuery[name] = [...(Object.hasOwn(multiQuery, name) ? (multiQuery[name] ?? []) : []), value];
    }
    const method = request.method ?? 'GET';
    const matched = match(method, url.pathname);
    const route: RouteDefinition | undefined = matched.kind === 'route' ? matched.route : undefined;
    const now = new Date();
    const event: APIGatewayProxyEvent = {
      resource: route?.path ?? '/{proxy+}',
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
      pathParameters:
        matched.kind === 'route' && Object.keys(matched.params).length > 0 ? matched.params : null,
      stageVariables: null,
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        authorizer: undefined,
        // The API's own address, as on API Gateway (where a request reaches a stage only through its
        // domain): never the Host a caller wrote, which sandbox webhooks would otherwise be sent to.
        domainName: ownDomain(),
        httpMethod: method,
        identity: {
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: request.headers['user-agent'] ?? null,
        } as APIGatewayProxyEvent['requestContext']['identity'],
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        requestId: randomUUID(),
        requestTimeEpoch: now.getTime(),
        resourceId: 'local',
        resourcePath: route?.path ?? '/{proxy+}',
        stage: 'local',
      },
    };
    const refused = edgeRefusal(method, url.pathname, event.requestContext.identity.sourceIp);
    if (refused) return send(refused);
    if (!route) return send(await invoke<APIGatewayProxyResult>(fallbackFunction, event));
    if (needsApiKey(route.auth)) {
      const authorization = headerValue(headers, 'authorization');
      const outcome = await authorize(authorization, event);
      if ('statusCode' in outcome && typeof outcome.statusCode === 'number')
        return send(outcome as APIGatewayProxyResult);
      event.requestContext.authorizer = outcome;
    }
    try {
      const result = await invoke<APIGatewayProxyResult>(
        { ...route, timeoutSeconds: Math.min(route.timeoutSeconds, API_GATEWAY_TIMEOUT_SECONDS) },
        event,
      );
      // Over Lambda's 6 MB a function's answer never reaches API Gateway, which answers 502 instead.
      if (Buffer.byteLength(result.body ?? '') > LAMBDA_MAX_RESPONSE_BYTES)
        return send(gatewayError(502, 'INTERNAL', 'Internal server error', event.requestContext.requestId));
      send(result);
    } catch (error) {
      // API Gateway's answers when the integration itself fails.
      if (error instanceof InvocationTimeout)
        send(gatewayError(504, 'INTERNAL', 'Endpoint request timed out', event.requestContext.requestId));
      else send(gatewayError(502, 'INTERNAL', 'Internal server error', event.requestContext.requestId));
    }
  };

  const serve = (request: IncomingMessage, response: ServerResponse) => {
    handleHttp(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(gatewayError(502, 'INTERNAL', 'Internal server error').body);
    });
  };
  const listen = (server: Server, port: number, reusePort: boolean) =>
    new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen({ port, host: '127.0.0.1', backlog: 4_096, reusePort }, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  const reusePort = API_LISTENERS > 1 && process.platform === 'linux';
  if (reusePort && options.port !== 0) {
    // Sockets that all ask for SO_REUSEPORT share a port: make sure no other process holds it first, so a
    // second `npm start` fails on its port as it would without them.
    const probe = createServer();
    await listen(probe, options.port, false);
    await new Promise<void>((resolveClose) => probe.close(() => resolveClose()));
  }
  const servers: Server[] = [];
  for (let listener = 0; listener < (reusePort ? API_LISTENERS : 1); listener += 1) {
    const server = createServer(serve);
    server.keepAliveTimeout = 65_000;
    const first = servers[0]?.address();
    await listen(server, typeof first === 'object' && first ? first.port : options.port, reusePort);
    servers.push(server);
  }
  const address = servers[0]?.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  ownDomain = () => `127.0.0.1:${port}`;

  // SQS event source mappings, scaled as Lambda scales them (approximately): each consumer starts with
  // `pollers.concurrency` pollers and adds one whenever a poll brings a full batch, up to its queue's maximum
  // concurrency, and retires one whenever a poll comes back empty. With a fixed two, a queue of a thousand
  // orders drained two batches at a time, where Lambda runs up to the queue's maximum concurrency.
  let running = true;
  const loops = new Set<Promise<void>>();
  const pollOnce = async (
    sqs: SQSClient,
    spec: BackgroundFunctionSpec,
    queueUrl: string,
    batchSize: number,
    waitTimeSeconds = options.pollers?.waitTimeSeconds ?? 1,
  ): Promise<number> => {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: batchSize,
        WaitTimeSeconds: waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return 0;
    const event: SQSEvent = {
      Records: messages.map((message) => ({
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: {
          ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
          SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
          SenderId: message.Attributes?.SenderId ?? 'local',
          ApproximateFirstReceiveTimestamp:
            message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: message.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:local:000000000000:${queueUrl.split('/').pop()}`,
        awsRegion: 'local',
      })),
    };
    let failed = new Set<string>(event.Records.map((record) => record.messageId));
    try {
      const result = await invoke<SQSBatchResponse | undefined>(spec, event);
      failed = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch {
      // A failed invocation returns the whole batch to the queue, as Lambda does.
    }
    const done = event.Records.filter((record) => !failed.has(record.messageId));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
    return messages.length;
  };
  const manualConsumers = new Map<QueueKey, BackgroundFunctionSpec>();
  for (const spec of background) {
    if (spec.trigger.kind !== 'queue' || !handlers.has(spec.id)) continue;
    const queueKey = spec.trigger.queue;
    if (options.manualQueues?.includes(queueKey)) {
      manualConsumers.set(queueKey, spec);
      continue;
    }
    const { sqs } = options;
    const queueUrl = options.queueUrls?.[queueKey];
    if (!sqs || !queueUrl)
      throw new Error(`${spec.id} consumes ${queueKey}: the runtime needs an SQS client and its URL`);
    const batchSize = Queues[queueKey].batchSize;
    const fewest = options.pollers?.concurrency ?? 2;
    const most = Math.max(fewest, Queues[queueKey].maxConcurrency);
    let pollers = 0;
    const startPoller = () => {
      pollers += 1;
      const loop = (async () => {
        while (running) {
          let received = 0;
          try {
            received = await pollOnce(sqs, spec, queueUrl, batchSize);
          } catch {
            if (running) await new Promise((r) => setTimeout(r, 500));
          }
          // A full batch: more are waiting, so the event source adds a poller; an empty one: it retires one.
          if (received >= batchSize && pollers < most) startPoller();
          else if (received === 0 && pollers > fewest) break;
        }
        pollers -= 1;
      })();
      loops.add(loop);
      loop.finally(() => loops.delete(loop));
    };
    for (let poller = 0; poller < fewest; poller += 1) startPoller();
  }

  // EventBridge schedules: never two runs of one job at a time.
  const timers: NodeJS.Timeout[] = [];
  const jobRuns = new Map<string, Promise<unknown>>();
  const runJob = (functionId: string): Promise<unknown> => {
    const spec = background.find((fn) => fn.id === functionId);
    if (spec?.trigger.kind !== 'schedule') throw new Error(`${functionId} is not a scheduled job`);
    const current = jobRuns.get(functionId);
    if (current) return current;
    const event: ScheduledEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'local',
      resources: [`arn:aws:events:local:000000000000:rule/${functionId}`],
      detail: {},
    };
    const run = invoke(spec, event).finally(() => jobRuns.delete(functionId));
    jobRuns.set(functionId, run);
    return run;
  };
  if (options.runSchedules) {
    for (const spec of background) {
      if (spec.trigger.kind !== 'schedule' || !handlers.has(spec.id)) continue;
      timers.push(
        setInterval(() => void runJob(spec.id).catch(() => undefined), spec.trigger.everySeconds * 1000),
      );
    }
  }

  const drainQueue = async (queueKey: QueueKey): Promise<number> => {
    const spec = manualConsumers.get(queueKey);
    const queueUrl = options.queueUrls?.[queueKey];
    if (!spec || !options.sqs || !queueUrl) throw new Error(`${queueKey} is not a manual queue here`);
    let delivered = 0;
    // Bounded: a consumer that keeps re-arming a message due now would otherwise never let the drain end.
    for (let round = 0; round < 100; round += 1) {
      const received = await pollOnce(options.sqs, spec, queueUrl, Queues[queueKey].batchSize, 0);
      if (received === 0) break;
      delivered += received;
    }
    return delivered;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    runJob,
    drainQueue,
    stop: async () => {
      running = false;
      for (const timer of timers) clearInterval(timer);
      await Promise.all(
        servers.map((server) => {
          server.closeAllConnections();
          return new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        }),
      );
      await Promise.allSettled(loops);
      await Promise.allSettled([...jobRuns.values()]);
    },
  };
};
