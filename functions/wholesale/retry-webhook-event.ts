import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { retryDelivery } from '../../lib/usecases/reseller-webhooks.js';

export const handler = httpHandler(routes.retryWebhookEvent, async ({ principal, params }) => ({
  statusCode: 202,
  body: await retryDelivery(principal.resellerId, params.eventId, () => new Date()),
}));
