import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { salesSeries } from '../../lib/usecases/oversight.js';

export const handler = httpHandler(routes.salesSeries, async ({ query }) => ({
  statusCode: 200,
  body: await salesSeries(new Date(), query),
}));
