import { DeadlinePassed, type HttpResponse, RequestCapReached } from './http.js';

/** How the surge's applicants and its setup behave as clients: waits, retries, what an answer means. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The statuses after which an order changes no more (its money aside). */
export const TERMINAL = new Set(['FULFILLED', 'REJECTED', 'EXPIRED', 'REFUNDED']);

export const retryAfterMs = (response: HttpResponse<unknown>): number => {
  const header = response.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
};

export const errorCode = (response: HttpResponse<unknown>): string => {
  const body = response.body as { error?: { code?: string } } | undefined;
  return body?.error?.code ?? `HTTP_${response.status}`;
};

/** Stops the whole run: cap or deadline reached. */
export const isFatal = (error: unknown) =>
  error instanceof RequestCapReached || error instanceof DeadlinePassed;

/** A request that is retried on 429 (after Retry-After), 5xx and network errors, up to `until`. */
export const patiently = async <T>(
  send: () => Promise<HttpResponse<T>>,
  until: number,
  okStatuses: readonly number[] = [200],
): Promise<HttpResponse<T>> => {
  let last: HttpResponse<T> | undefined;
  for (let attempt = 0; Date.now() < until; attempt += 1) {
    try {
      last = await send();
      if (okStatuses.includes(last.status)) return last;
      if (last.status === 429) await sleep(Math.min(retryAfterMs(last), 5_000) * (0.5 + Math.random()));
      else if (last.status >= 500) await sleep(Math.min(2_000, 100 * 2 ** attempt));
      else return last;
    } catch (error) {
      if (isFatal(error)) throw error;
      await sleep(Math.min(2_000, 100 * 2 ** attempt));
    }
  }
  if (last) return last;
  throw new DeadlinePassed('gave up waiting for the stack');
};
