import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { listLedger } from '../../lib/usecases/resellers.js';

export const handler = httpHandler(routes.listLedger, async ({ principal, query }) => ({
  statusCode: 200,
  body: await listLedger(principal.resellerId, query),
}));
