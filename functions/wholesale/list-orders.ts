import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { listResellerOrders } from '../../lib/usecases/reseller-orders.js';

export const handler = httpHandler(routes.listWholesaleOrders, async ({ principal, query }) => ({
  statusCode: 200,
  body: await listResellerOrders(principal.resellerId, query),
}));
