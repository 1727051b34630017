import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { getOrderForBuyer, retryAfterFor } from '../../lib/usecases/storefront.js';

export const handler = httpHandler(routes.getStorefrontOrder, async ({ params, event }) => {
  const order = await getOrderForBuyer(
    params.resellerId,
    params.orderId,
    requestHeader(event, 'order-token'),
  );
  const retryAfter = retryAfterFor(order, order.queue?.etaSeconds);
  return {
    statusCode: 200,
    body: order,
    ...(retryAfter ? { headers: { 'retry-after': String(retryAfter) } } : {}),
  };
});
