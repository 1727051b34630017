import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { regulatorUpdatesVendor } from '../../lib/usecases/resellers.js';

export const handler = httpHandler(routes.setVendorLimits, async ({ principal, params, body }) => ({
  statusCode: 200,
  body: await regulatorUpdatesVendor(
    principal.regulatorId,
    params.resellerId,
    'SET_LIMITS',
    body,
    () => new Date(),
  ),
}));
