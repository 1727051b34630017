import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { issueResellerKey } from '../../lib/usecases/api-keys.js';

export const handler = httpHandler(routes.issueVendorKey, async ({ principal, params }) => ({
  statusCode: 201,
  body: await issueResellerKey(principal.regulatorId, params.resellerId, new Date()),
}));
