import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { getOrderForBuyer, MAX_ORDER_WAIT_SECONDS, retryAfterFor } from '../../lib/usecases/storefront.js';

/** `Prefer: wait=N` (RFC 7240): how long the buyer is willing to wait for the order to move on. */
const preferredWait = (prefer: string | undefined): number => {
  const match = /(?:^|[,;\s])wait=(\d+)/i.exec(prefer ?? '');
  return match ? Math.min(MAX_ORDER_WAIT_SECONDS, Number(match[1])) : 0;
};

export const handler = httpHandler(routes.getStorefrontOrder, async ({ params, event }) => {
  const wait = preferredWait(requestHeader(event, 'prefer'));
  const order = await getOrderForBuyer(
    params.resellerId,
    params.orderId,
    requestHeader(event, 'order-token'),
    wait,
  );
  const retryAfter = retryAfterFor(order, order.queue?.etaSeconds);
  return {
    statusCode: 200,
    body: order,
    headers: {
      ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}),
      ...(wait > 0 ? { 'preference-applied': `wait=${wait}` } : {}),
    },
  };
});
