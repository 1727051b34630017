import { baselineOrderView } from '../../lib/baseline/orders.js';
import { baselineRoutes } from '../../lib/baseline/routes.js';
import { httpHandler } from '../../lib/http/handler.js';

/** Baseline (benchmark only): an order's status. */
export const handler = httpHandler(baselineRoutes.baselineGetOrder, async ({ params }) => ({
  statusCode: 200,
  body: await baselineOrderView(params.resellerId, params.orderId),
}));
