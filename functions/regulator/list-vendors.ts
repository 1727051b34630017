import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { vendorPage } from '../../lib/usecases/oversight.js';

export const handler = httpHandler(routes.listVendors, async ({ query }) => {
  const now = new Date();
  return { statusCode: 200, body: { ...(await vendorPage(now, query)), generatedAt: now.toISOString() } };
});
