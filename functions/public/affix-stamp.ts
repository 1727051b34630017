import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { affixStamp } from '../../lib/usecases/stamps.js';

export const handler = httpHandler(routes.affixStamp, async ({ params, body, event }) => ({
  statusCode: 200,
  body: await affixStamp(
    params.serial,
    body.documentSha256,
    requestHeader(event, 'order-token'),
    () => new Date(),
  ),
}));
