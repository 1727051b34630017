import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import {
  DomainError,
  type ErrorIssue,
  IdentityCheckUnavailableError,
  RateLimitedError,
  ServiceBusyError,
  TransientFailure,
  ValidationError,
} from '../domain/errors.js';
import type { Principal, Role } from '../domain/principal.js';
import { SIGNATURE_HEADER, verifySignature } from '../domain/webhook-signature.js';
import { logger } from '../logger.js';
import { HTTP_STATUS_BY_CODE } from './error-status.js';
import { headerValue } from './headers.js';

export interface KuotaContext {
  principal?: Principal;
  parsed: { params?: unknown; query?: unknown; body?: unknown; idempotencyKey?: unknown };
  rawBody: string;
}

type Middleware = MiddlewareObj<
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Error,
  KuotaContext & import('aws-lambda').Context
>;

export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
};

export const zodIssues = (error: z.ZodError, location: string): ErrorIssue[] =>
  error.issues.flatMap((issue) =>
    // An unknown field is named in the path itself (`body.discount`), not only in the message.
    (issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path]).map(
      (path) => ({
        path: [location, ...path.map(String)].filter(Boolean).join('.'),
        message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
      }),
    ),
  );

const header = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  headerValue(event.headers, name);

export { header as requestHeader };

/**
 * Turns any thrown error into the API's error body. Registered first so that its onError runs last, after
 * every other middleware has had its say. 5xx bodies carry a request id and nothing internal.
 */
export const errorResponses = (): Middleware => ({
  onError: async (request) => {
    const { context } = request;
    // Throttling, a transaction conflict or a lost response that no retry absorbed (a store call made
    // without withStoreRetries, e.g. in a sandbox party): the client's cue to retry, never a 5xx.
    const error = request.error instanceof TransientFailure ? new ServiceBusyError(1) : request.error;
    const requestId = context.awsRequestId;
    if (error instanceof DomainError) {
      const statusCode = HTTP_STATUS_BY_CODE[error.code];
      const headers: Record<string, string> = { ...JSON_HEADERS };
      if (
        error instanceof ServiceBusyError ||
        error instanceof RateLimitedError ||
        error instanceof IdentityCheckUnavailableError
      ) {
        headers['retry-after'] = String(error.retryAfterSeconds);
      }
      if (error.code === 'METHOD_NOT_ALLOWED' && typeof error.details.allow === 'string') {
        headers.allow = error.details.allow;
      }
      if (statusCode >= 500) logger.error('request failed', { code: error.code, requestId });
      request.response = {
        statusCode,
        headers,
        body: JSON.stringify({
          error: {
            code: error.code,
            message: error.message,
            ...(error.issues.length > 0 ? { issues: error.issues } : {}),
            ...(typeof error.details.reason === 'string' ? { reason: error.details.reason } : {}),
            requestId,
          },
        }),
      };
      return;
    }
    // The requestId the client was answered with: support finds this line from what the client shows.
    logger.error('unhandled error', {
      requestId,
      errorName: error?.name,
      errorMessage: error?.message,
      stack: error?.stack,
    });
    request.response = {
      statusCode: 500,
      headers: { ...JSON_HEADERS },
      body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal error', requestId } }),
    };
  },
});

/** One log line per request: route, status, latency. Never the body, never headers with credentials. */
export const accessLog = (routeId: string): Middleware => {
  const started = new WeakMap<object, number>();
  const log = (request: {
    event: APIGatewayProxyEvent;
    response?: APIGatewayProxyResult | null;
    context: { awsRequestId: string };
  }) => {
    const began = started.get(request.event) ?? Date.now();
    logger.info('request', {
      requestId: request.context.awsRequestId,
      route: routeId,
      method: request.event.httpMethod,
      status: request.response?.statusCode,
      latencyMs: Date.now() - began,
    });
  };
  return {
    before: async (request) => {
      started.set(request.event, Date.now());
    },
    after: async (request) => log(request),
    onError: async (request) => {
      if (request.response) log(request);
    },
  };
};

/** Rejects oversized bodies (413) and non-JSON (400/415) before any parsing work. */
export const jsonBody = (options: { maxBytes: () => number; expectBody: boolean }): Middleware => ({
  before: async (request) => {
    const { event } = request;
    const raw =
      event.body === null || event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body;
    request.context.rawBody = raw;
    if (!options.expectBody) return;
    const maxBytes = options.maxBytes();
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `the body must be at most ${maxBytes} bytes`);
    }
    const contentType = header(event, 'content-type');
    if (raw.length > 0 && contentType && !/^application\/([a-z.+-]*\+)?json\b/i.test(contentType)) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'the body must be application/json');
    }
    if (raw.trim().length === 0) {
      throw new ValidationError('a JSON body is required', [{ path: 'body', message: 'is required' }]);
    }
    try {
      request.context.parsed.body = JSON.parse(raw);
    } catch {
      throw new DomainError('MALFORMED_JSON', 'the body is not valid JSON');
    }
  },
});

/**
 * API Gateway's authorizer has already authenticated the key (401 otherwise) and placed the principal in
 * the request context; here the route's role is enforced (403).
 */
export const requireRole = (role: Role): Middleware => ({
  before: async (request) => {
    const authorizer = request.event.requestContext.authorizer as Record<string, unknown> | null | undefined;
    const principal = principalFromAuthorizer(authorizer);
    if (!principal) throw new DomainError('UNAUTHENTICATED', 'a valid API key is required');
    if (principal.role !== role) {
      throw new DomainError('FORBIDDEN', `this route is for the ${role} role`);
    }
    request.context.principal = principal;
  },
});

export const principalFromAuthorizer = (
  authorizer: Record<string, unknown> | null | undefined,
): Principal | undefined => {
  if (!authorizer) return undefined;
  if (authorizer.role === 'reseller' && typeof authorizer.resellerId === 'string') {
    return { role: 'reseller', resellerId: authorizer.resellerId };
  }
  if (authorizer.role === 'regulator' && typeof authorizer.regulatorId === 'string') {
    return { role: 'regulator', regulatorId: authorizer.regulatorId };
  }
  return undefined;
};

/** Verifies `Kuota-Signature` over the raw body before anything in it is trusted. */
export const webhookSignature = (secret: () => Promise<string>): Middleware => ({
  before: async (request) => {
    const verdict = verifySignature({
      secret: await secret(),
      header: header(request.event, SIGNATURE_HEADER),
      rawBody: request.context.rawBody,
      nowUnixSeconds: Math.floor(Date.now() / 1000),
    });
    if (verdict !== 'VALID') {
      logger.warn('webhook signature rejected', { verdict });
      throw new DomainError('INVALID_SIGNATURE', `webhook signature rejected (${verdict.toLowerCase()})`);
    }
  },
});

/** Parses path, query, body and the Idempotency-Key header with the route's zod schemas. */
export const validateRequest = (schemas: {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  idempotencyKey?: z.ZodType;
}): Middleware => ({
  before: async (request) => {
    const issues: ErrorIssue[] = [];
    const parse = (location: string, schema: z.ZodType | undefined, value: unknown): unknown => {
      if (!schema) return undefined;
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      issues.push(...zodIssues(result.error, location));
      return undefined;
    };
    const { event, context } = request;
    context.parsed.params = parse('path', schemas.params, event.pathParameters ?? {});
    context.parsed.query = parse('query', schemas.query, event.queryStringParameters ?? {});
    context.parsed.idempotencyKey = parse(
      'headers.idempotency-key',
      schemas.idempotencyKey,
      header(event, 'idempotency-key'),
    );
    if (schemas.body) context.parsed.body = parse('body', schemas.body, context.parsed.body);
    if (issues.length > 0) {
      throw new ValidationError(
        `invalid request: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
        issues,
      );
    }
  },
});
