import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { routeMatcher } from '../api/route-match.js';
import { type RouteDefinition, routes } from '../api/routes.js';
import { InvocationTimeout, invokeWithTimeout } from '../runtime/lambda-context.js';
import { allBaselineRoutes } from './routes.js';

/**
 * A second local "API Gateway" for the baseline, beside kuota's: the baseline's three functions plus the
 * sandbox gateway's pay route (so the sandbox sends the capture webhook back to this server). Same event
 * shape as kuota's local runtime (REST API, Lambda proxy integration); in-process, loopback only.
 */
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface BaselineRuntime {
  readonly url: string;
  /** Invocations per function id (the sandbox's pay route included, under its own id). */
  readonly invocations: Map<string, number>;
  /** The handlers by function id, for instrumentation (e.g. the benchmark's duration timer). */
  readonly handlers: ReadonlyMap<string, unknown>;
  stop(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolveBody(Buffer.concat(chunks)));
    request.on('error', reject);
  });

const jsonError = (statusCode: number, code: string, message: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code, message } }),
});

export const startBaselineRuntime = async (options: { port: number }): Promise<BaselineRuntime> => {
  const mounted: readonly RouteDefinition[] = [...allBaselineRoutes, routes.sandboxPayPayment];
  const match = routeMatcher(mounted);
  const handlers = new Map<string, AnyHandler>();
  for (const route of mounted) {
    const module = (await import(pathToFileURL(resolve(repositoryRoot, route.entry)).href)) as {
      handler?: AnyHandler;
    };
    if (typeof module.handler !== 'function') throw new Error(`${route.entry} exports no handler`);
    handlers.set(route.id, module.handler);
  }
  const invocations = new Map<string, number>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (result: APIGatewayProxyResult) => {
      response.writeHead(result.statusCode, {
        ...(result.headers as Record<string, string>),
        'x-kuota-latency-ms': String(Date.now() - started),
      });
      response.end(result.body);
    };
    const body = await readBody(request);
    const method = request.method ?? 'GET';
    const matched = match(method, url.pathname);
    if (matched.kind !== 'route') return send(jsonError(404, 'NOT_FOUND', 'no such route'));
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let i = 0; i < request.rawHeaders.length; i += 2) {
      const name = request.rawHeaders[i] ?? '';
      const value = request.rawHeaders[i + 1] ?? '';
      headers[name] = value;
      multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    }
    const query = Object.fromEntries(url.searchParams);
    const event: APIGatewayProxyEvent = {
      resource: matched.route.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: null,
      pathParameters: Object.keys(matched.params).length > 0 ? matched.params : null,
      stageVariables: null,
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'baseline',
        authorizer: undefined,
        domainName: request.headers.host ?? 'localhost',
        httpMethod: method,
        identity: {
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: request.headers['user-agent'] ?? null,
        } as APIGatewayProxyEvent['requestContext']['identity'],
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        requestId: randomUUID(),
        requestTimeEpoch: started,
        resourceId: 'baseline',
        resourcePath: matched.route.path,
        stage: 'local',
      },
    };
    const route = matched.route;
    const handler = handlers.get(route.id) as AnyHandler;
    invocations.set(route.id, (invocations.get(route.id) ?? 0) + 1);
    try {
      send(
        (await invokeWithTimeout((context) => handler(event, context), {
          ...route,
          timeoutSeconds: Math.min(route.timeoutSeconds, 29),
        })) as APIGatewayProxyResult,
      );
    } catch (error) {
      if (error instanceof InvocationTimeout) send(jsonError(504, 'INTERNAL', 'Endpoint request timed out'));
      else send(jsonError(502, 'INTERNAL', 'Internal server error'));
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal server error' } }));
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolveListen) => server.listen(options.port, '127.0.0.1', resolveListen));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    handlers,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
};
