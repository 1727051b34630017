import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { listResellerKeys } from '../../lib/usecases/api-keys.js';

export const handler = httpHandler(routes.listVendorKeys, async ({ params, query }) => ({
  statusCode: 200,
  body: await listResellerKeys(params.resellerId, query, new Date()),
}));
