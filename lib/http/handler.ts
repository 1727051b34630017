import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { needsApiKey, type RouteDefinition } from '../api/routes.js';
import { config } from '../config.js';
import { ServiceBusyError } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';
import { logger } from '../logger.js';
import { secrets } from '../secrets.js';
import {
  accessLog,
  errorResponses,
  JSON_HEADERS,
  jsonBody,
  type KuotaContext,
  requireRole,
  validateRequest,
  webhookSignature,
} from './middleware.js';

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface HttpRequest<R extends RouteDefinition> {
  readonly params: Infer<R['request']['params']>;
  readonly query: Infer<R['request']['query']>;
  readonly body: Infer<R['request']['body']>;
  readonly idempotencyKey: Infer<R['request']['idempotencyKey']>;
  readonly principal: R['auth'] extends 'reseller'
    ? Extract<Principal, { role: 'reseller' }>
    : R['auth'] extends 'regulator'
      ? Extract<Principal, { role: 'regulator' }>
      : undefined;
  readonly event: APIGatewayProxyEvent;
  readonly requestId: string;
}

export interface HttpResult {
  readonly statusCode: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Pre-serialised body (e.g. the OpenAPI document or a CSV), sent as is. */
  readonly rawBody?: string;
}

/** `Retry-After` on a result worth asking for again in `seconds`; none when there is nothing to wait for. */
export const retryAfterHeader = (seconds: number | undefined): Record<string, string> | undefined =>
  seconds ? { 'retry-after': String(seconds) } : undefined;

/**
 * The answer of a request that runs out of time (middy stops the handler just before Lambda would): busy,
 * look again (429 with Retry-After), never a 5xx. What committed before it stopped is what the client's
 * retry with the same Idempotency-Key finds; a webhook's sender retries a 429 as it retries any other
 * refusal. Seen in `npm run bench` once the local gateway took every connection at once: an intake and a
 * payment webhook each outlasted their function's timeout and were answered 500.
 */
const outOfTime = (): never => {
  throw new ServiceBusyError(1);
};

/** How long before its function's timeout a request gives up with 429 (`outOfTime`). */
const TIMEOUT_EARLY_MS = 500;

/**
 * Builds a thin Lambda handler for a route: the middleware chain does logging, body limits, JSON parsing,
 * authorization, signature checks and zod validation; `run` calls one use case and shapes the response.
 */
export const httpHandler = <R extends RouteDefinition>(
  route: R,
  run: (request: HttpRequest<R>) => Promise<HttpResult>,
) => {
  // Cold start: fail now, loudly, if configuration is missing.
  config();
  const chain = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, KuotaContext & Context>({
    timeoutEarlyResponse: outOfTime,
    // Half a second before the timeout, not middy's 5 ms: under a busy event loop the 429 must still make
    // it out through the middleware before the platform's own timeout answers 504 (6 intakes in one bench).
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
  })
    // Powertools' Lambda context on every log line (function name and version, cold start, request id).
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(errorResponses())
    .use(accessLog(route.id))
    .use({
      before: async (request) => {
        request.context.parsed = {};
        request.context.rawBody = '';
      },
    });
  // The role first: a caller of the wrong role learns 403 and nothing about the route's input rules.
  const { auth } = route;
  if (needsApiKey(auth)) chain.use(requireRole(auth));
  chain.use(
    jsonBody({ maxBytes: () => config().maxBodyBytes, expectBody: route.request.body !== undefined }),
  );
  if (route.auth === 'webhook') {
    const party = route.webhookSecret;
    if (!party) throw new Error(`webhook route ${route.id} names no webhookSecret`);
    chain.use(
      webhookSignature(async () => {
        const all = await secrets();
        return party === 'taxAuthority' ? all.taxAuthorityWebhookSecret : all.paymentGatewayWebhookSecret;
      }),
    );
  }
  chain.use(validateRequest(route.request));
  return chain.handler(async (event, context): Promise<APIGatewayProxyResult> => {
    const result = await run({
      params: context.parsed.params,
      query: context.parsed.query,
      body: context.parsed.body,
      idempotencyKey: context.parsed.idempotencyKey,
      principal: context.principal,
      event,
      requestId: context.awsRequestId,
    } as HttpRequest<R>);
    return {
      statusCode: result.statusCode,
      headers: { ...JSON_HEADERS, ...result.headers },
      body: result.rawBody ?? (result.body === undefined ? '' : JSON.stringify(result.body)),
    };
  });
};
