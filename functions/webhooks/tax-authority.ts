import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { recordTaxPayment } from '../../lib/usecases/quota-orders.js';

export const handler = httpHandler(routes.taxAuthorityWebhook, async ({ body }) => ({
  statusCode: 200,
  body: { received: true, outcome: await recordTaxPayment(body, () => new Date()) },
}));
