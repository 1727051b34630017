import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { rotateResellerKeys } from '../../lib/usecases/api-keys.js';

export const handler = httpHandler(routes.rotateVendorKeys, async ({ principal, params, body }) => ({
  statusCode: 201,
  body: await rotateResellerKeys(principal.regulatorId, params.resellerId, body.overlapSeconds, new Date()),
}));
