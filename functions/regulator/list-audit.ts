import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { auditPage } from '../../lib/usecases/oversight.js';

export const handler = httpHandler(routes.listAudit, async ({ query }) => ({
  statusCode: 200,
  body: await auditPage({ ...query, day: query.day ?? new Date().toISOString().slice(0, 10) }),
}));
