import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { getQuotaOrder } from '../../lib/usecases/quota-orders.js';

export const handler = httpHandler(routes.getQuotaOrder, async ({ params, principal }) => ({
  statusCode: 200,
  body: await getQuotaOrder(principal.resellerId, params.orderId),
}));
