import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { recoverOrders } from '../../lib/usecases/order-recovery.js';

export const handler = httpHandler(routes.recoverOrders, async ({ body }) => ({
  statusCode: 202,
  body: await recoverOrders(body, () => new Date()),
}));
