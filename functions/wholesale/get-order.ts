import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { getResellerOrder } from '../../lib/usecases/reseller-orders.js';

export const handler = httpHandler(routes.getWholesaleOrder, async ({ principal, params }) => ({
  statusCode: 200,
  body: await getResellerOrder(principal.resellerId, params.orderId),
}));
