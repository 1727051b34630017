import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { publicBaseUrl } from '../../lib/http/public-url.js';
import { createStamping } from '../../lib/usecases/stamping.js';

export const handler = httpHandler(routes.createStamping, async ({ params, body, event }) => ({
  statusCode: 201,
  body: await createStamping(
    params.serial,
    requestHeader(event, 'order-token'),
    body,
    publicBaseUrl(event),
    new Date(),
  ),
}));
