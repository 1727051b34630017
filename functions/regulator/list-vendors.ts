import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { vendorRows } from '../../lib/usecases/oversight.js';

export const handler = httpHandler(routes.listVendors, async () => {
  const now = new Date();
  return { statusCode: 200, body: { vendors: await vendorRows(now), generatedAt: now.toISOString() } };
});
