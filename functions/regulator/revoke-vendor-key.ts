import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { revokeResellerKey } from '../../lib/usecases/api-keys.js';

export const handler = httpHandler(routes.revokeVendorKey, async ({ principal, params }) => ({
  statusCode: 200,
  body: await revokeResellerKey(principal.regulatorId, params.resellerId, params.keyId, new Date()),
}));
