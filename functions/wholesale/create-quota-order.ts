import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { quotaOrderDeps } from '../../lib/usecases/deps.js';
import { createQuotaOrder } from '../../lib/usecases/quota-orders.js';

export const handler = httpHandler(routes.createQuotaOrder, async ({ body, principal, idempotencyKey }) => ({
  statusCode: 201,
  body: await createQuotaOrder(
    { resellerId: principal.resellerId, quantity: body.quantity, idempotencyKey },
    quotaOrderDeps(),
  ),
}));
