import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { configureEndpoint } from '../../lib/usecases/reseller-webhooks.js';

export const handler = httpHandler(routes.putWebhookEndpoint, async ({ principal, body }) => ({
  statusCode: 200,
  body: await configureEndpoint(principal.resellerId, body, () => new Date()),
}));
