import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { getStock } from '../../lib/usecases/resellers.js';

export const handler = httpHandler(routes.getStock, async ({ principal }) => ({
  statusCode: 200,
  body: await getStock(principal.resellerId),
}));
