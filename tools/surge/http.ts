import { Agent, request as httpRequest } from 'node:http';
import { jsonRequest, responseBody } from '../common/http-client.js';

/**
 * The surge's only way to the stack: plain HTTP to a loopback address, with a bound on requests in flight,
 * a hard cap on the number of requests and a deadline. Applicants can come from distinct loopback source
 * addresses (127.0.x.y), so the stack sees them as distinct clients, as it would on the internet.
 */
export interface HttpResponse<T = unknown> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: T;
  readonly text: string;
  readonly latencyMs: number;
}

export class RequestCapReached extends Error {
  override readonly name = 'RequestCapReached';
}
export class DeadlinePassed extends Error {
  override readonly name = 'DeadlinePassed';
}
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|::1)$/;

/** Throws unless the URL points at this machine's loopback interface. */
export const assertLoopback = (baseUrl: string): URL => {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`not a URL: ${baseUrl}`);
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOST.test(url.hostname)) {
    throw new Error(`the surge only runs against a local stack on a loopback address, not ${baseUrl}`);
  }
  return url;
};

/** `/v1/storefronts/R01/orders/SO_...` → `/v1/storefronts/{resellerId}/orders/{id}`, for error tallies. */
export const routeOf = (method: string, path: string): string => {
  const pathname = path.split('?')[0] ?? path;
  const template = pathname
    .split('/')
    .map((segment) => {
      if (/^R[0-9]{2}$/.test(segment)) return '{resellerId}';
      if (/^[A-Z]{2,3}_[0-9A-Z]{26}$/.test(segment)) return '{id}';
      if (/^[0-9]{15}$/.test(segment)) return '{billingCode}';
      return segment;
    })
    .join('/');
  return `${method} ${template}`;
};

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly concurrency: number;
  readonly maxRequests: number;
  /** Epoch ms after which no request starts. */
  readonly deadline: number;
  readonly clientAddresses: number;
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** Which simulated client sends it (an index into the loopback source addresses). */
  readonly client?: number;
  /**
   * `bank`: the buyer's bank app paying the QRIS at the gateway. It is not a request to kuota, so it never
   * waits behind the surge's own bound on requests in flight: in a run that keeps the bound full of slow
   * intakes, a buyer's payment queued there reached the gateway after the QR had lapsed, and the report
   * counted refunds that the load generator, not the stack, had caused.
   */
  readonly lane?: 'kuota' | 'bank';
}

export const sourceAddress = (client: number, addresses: number): string | undefined => {
  if (addresses <= 1) return undefined;
  const index = client % addresses;
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
};

export type HttpClient = ReturnType<typeof createHttpClient>;

/**
 * The surge's client. Bodies are shaped as tools/common/http-client.ts shapes them (`jsonRequest`,
 * `responseBody`); the transport stays its own, because fetch can pick neither a socket's source address
 * (each applicant's 127.0.x.y) nor a keep-alive pool per address.
 */
export const createHttpClient = (options: HttpClientOptions) => {
  const base = assertLoopback(options.baseUrl);
  const hostname = base.hostname === 'localhost' ? '127.0.0.1' : base.hostname.replace(/^\[|\]$/g, '');
  const addresses = hostname.includes(':') ? 1 : options.clientAddresses;
  const port = Number(base.port || 80);
  const timeoutMs = options.timeoutMs ?? 35_000;
  const agents = new Map<string, Agent>();
  const agentFor = (address: string | undefined, lane: RequestOptions['lane']) => {
    // The bank's payments have sockets of their own, as they have no place in the bound.
    const key = `${lane ?? 'kuota'} ${address ?? 'default'}`;
    let agent = agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
      agents.set(key, agent);
    }
    return agent;
  };

  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    if (inFlight < options.concurrency) {
      inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight -= 1;
  };

  const stats = {
    requests: 0,
    networkErrors: 0,
    capReached: false,
    /** route → status → count. */
    byRoute: new Map<string, Map<number, number>>(),
  };
  const count = (route: string, status: number) => {
    let statuses = stats.byRoute.get(route);
    if (!statuses) {
      statuses = new Map();
      stats.byRoute.set(route, statuses);
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  };

  const send = <T>(method: string, path: string, request: RequestOptions): Promise<HttpResponse<T>> =>
    new Promise((resolve, reject) => {
      const { headers, payload } = jsonRequest(request.headers, request.body);
      if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
      const address = sourceAddress(request.client ?? 0, addresses);
      const started = performance.now();
      const outgoing = httpRequest(
        {
          hostname,
          port,
          path,
          method,
          headers,
          agent: agentFor(address, request.lane),
          ...(address ? { localAddress: address } : {}),
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => reject(new NetworkError(error.message)));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: responseBody(text) as T,
              text,
              latencyMs: performance.now() - started,
            });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      outgoing.on('error', (error) => reject(new NetworkError(error.message)));
      outgoing.end(payload);
    });

  const request = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    options_: RequestOptions = {},
  ): Promise<HttpResponse<T>> => {
    const bounded = options_.lane !== 'bank';
    if (bounded) await acquire();
    try {
      if (Date.now() > options.deadline) throw new DeadlinePassed('the surge ran out of wall time');
      if (stats.requests >= options.maxRequests) {
        stats.capReached = true;
        throw new RequestCapReached(`the surge reached its cap of ${options.maxRequests} requests`);
      }
      stats.requests += 1;
      const route = routeOf(method, path);
      try {
        const response = await send<T>(method, path, options_);
        count(route, response.status);
        return response;
      } catch (error) {
        stats.networkErrors += 1;
        count(route, 0);
        throw error;
      }
    } finally {
      if (bounded) release();
    }
  };

  return {
    request,
    get: <T = Record<string, unknown>>(path: string, options_?: RequestOptions) =>
      request<T>('GET', path, options_),
    post: <T = Record<string, unknown>>(path: string, options_?: RequestOptions) =>
      request<T>('POST', path, options_),
    put: <T = Record<string, unknown>>(path: string, options_?: RequestOptions) =>
      request<T>('PUT', path, options_),
    stats,
    inFlight: () => inFlight,
    close: () => {
      for (const agent of agents.values()) agent.destroy();
    },
  };
};
