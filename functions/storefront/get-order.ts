import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { getOrderForBuyer } from '../../lib/usecases/storefront.js';

export const handler = httpHandler(routes.getStorefrontOrder, async ({ params, event }) => ({
  statusCode: 200,
  body: await getOrderForBuyer(params.resellerId, params.orderId, requestHeader(event, 'order-token')),
}));
