import { httpHandler } from '../../../lib/http/handler.js';
import { baselineOrderView } from '../orders.js';
import { baselineRoutes } from '../routes.js';

/** Baseline (benchmark only): an order's status. */
export const handler = httpHandler(baselineRoutes.baselineGetOrder, async ({ params }) => ({
  statusCode: 200,
  body: await baselineOrderView(params.resellerId, params.orderId),
}));
