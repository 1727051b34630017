import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { alerts } from '../../lib/usecases/oversight.js';

export const handler = httpHandler(routes.listAlerts, async ({ query }) => ({
  statusCode: 200,
  body: await alerts(new Date(), query),
}));
