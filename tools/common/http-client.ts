/**
 * The one small JSON-over-HTTP client of the scripts and the tests (fetch). The bench and
 * `bench:allocation` use it as it is; test/support/cloud.ts builds its `apiClient` on it and adds the
 * contract check. (The surge's own client, tools/surge/http.ts, shapes bodies with `jsonRequest` and
 * `responseBody` from here but sends on node:http, for its connection pools and per-applicant source
 * addresses.)
 */
export interface HttpAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  /** The JSON body; a body that is not JSON stays text; an empty body is undefined. */
  readonly body: T;
  readonly text: string;
  /** From sending the request to reading the whole body. */
  readonly ms: number;
}

export interface RequestOptions {
  /** Sent as JSON (content-type application/json unless `headers` name another). */
  readonly body?: unknown;
  /** Sent as it is, for input no well-behaved client would send. */
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** As `Authorization: Bearer <apiKey>`. */
  readonly apiKey?: string;
  /** Aborts the request after this long (it then throws, as fetch does). */
  readonly timeoutMs?: number;
}

/**
 * A request's headers and JSON text: content-type application/json unless the headers name another; no
 * payload when there is no body. Shared with the surge's node:http client, so both send bodies alike.
 */
export const jsonRequest = (
  headers: Readonly<Record<string, string>> | undefined,
  body: unknown,
): { headers: Record<string, string>; payload?: string } => {
  const copy: Record<string, string> = { ...headers };
  if (body === undefined) return { headers: copy };
  copy['content-type'] ??= 'application/json';
  return { headers: copy, payload: JSON.stringify(body) };
};

/**
 * A response's text as its body: JSON parsed, any other text (HTML pages, CSV) as it is, an empty body
 * undefined. Shared with the surge's node:http client, so both read answers alike.
 */
export const responseBody = (text: string): unknown => {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** One request; throws on a network error or a timeout, as fetch does. */
export const requestJson = async <T = unknown>(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpAnswer<T>> => {
  const json = jsonRequest(options.headers, options.body);
  const headers = json.headers;
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const body = json.payload ?? options.rawBody;
  const started = performance.now();
  const response = await fetch(url, {
    method,
    headers,
    body,
    ...(options.timeoutMs !== undefined ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: responseBody(text) as T,
    text,
    ms: performance.now() - started,
  };
};

/** `requestJson` against one base URL: `client.post('/v1/…', { body })`. */
export const httpClient = (baseUrl: string) => {
  const call = <T = unknown>(method: string, path: string, options?: RequestOptions) =>
    requestJson<T>(method, `${baseUrl}${path}`, options);
  return {
    call,
    get: <T = unknown>(path: string, options?: RequestOptions) => call<T>('GET', path, options),
    post: <T = unknown>(path: string, options?: RequestOptions) => call<T>('POST', path, options),
    put: <T = unknown>(path: string, options?: RequestOptions) => call<T>('PUT', path, options),
  };
};

/** A body as an object to read fields of: {} when empty, `{ text }` when it was not JSON. */
export const bodyObject = (body: unknown): Record<string, unknown> =>
  body === undefined
    ? {}
    : typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)
      : { text: body };
