import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { verifyStamp } from '../../lib/usecases/stamps.js';

export const handler = httpHandler(routes.verifyStamp, async ({ params }) => ({
  statusCode: 200,
  body: await verifyStamp(params.serial),
}));
