import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { updateStorefront } from '../../lib/usecases/storefront.js';

export const handler = httpHandler(routes.updateStorefront, async ({ principal, body }) => ({
  statusCode: 200,
  body: await updateStorefront(principal.resellerId, body, () => new Date()),
}));
