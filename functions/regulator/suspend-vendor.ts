import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { regulatorUpdatesVendor } from '../../lib/usecases/resellers.js';

export const handler = httpHandler(routes.suspendVendor, async ({ principal, params }) => ({
  statusCode: 200,
  body: await regulatorUpdatesVendor(
    principal.regulatorId,
    params.resellerId,
    'SUSPEND',
    { status: 'SUSPENDED' },
    () => new Date(),
  ),
}));
