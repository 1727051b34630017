import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { versionEtag, versionFromEtag } from '../../lib/http/headers.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { getOrderForBuyer, MAX_ORDER_WAIT_SECONDS, retryAfterFor } from '../../lib/usecases/storefront.js';

/** `Prefer: wait=N` (RFC 7240): how long the buyer is willing to wait for the order to move on. */
const preferredWait = (prefer: string | undefined): number => {
  const match = /(?:^|[,;\s])wait=(\d+)/i.exec(prefer ?? '');
  return match ? Math.min(MAX_ORDER_WAIT_SECONDS, Number(match[1])) : 0;
};

export const handler = httpHandler(routes.getStorefrontOrder, async ({ params, event }) => {
  const wait = preferredWait(requestHeader(event, 'prefer'));
  const seen = versionFromEtag(requestHeader(event, 'if-none-match'));
  const { view, version } = await getOrderForBuyer(
    params.resellerId,
    params.orderId,
    requestHeader(event, 'order-token'),
    wait,
    seen,
  );
  const retryAfter = retryAfterFor(view, view.queue?.etaSeconds);
  const headers = {
    etag: versionEtag(version),
    ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
    ...(wait > 0 ? { 'preference-applied': `wait=${wait}` } : {}),
  };
  // The reader has this version already (the wait ended with no change): RFC 9110 304, no body.
  if (seen === version) return { statusCode: 304, headers };
  return { statusCode: 200, body: view, headers };
});
