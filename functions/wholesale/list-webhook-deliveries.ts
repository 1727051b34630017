import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { listDeliveries } from '../../lib/usecases/reseller-webhooks.js';

export const handler = httpHandler(routes.listWebhookDeliveries, async ({ principal, query }) => ({
  statusCode: 200,
  body: await listDeliveries(principal.resellerId, query),
}));
