import { routes } from '../../lib/api/routes.js';
import { httpHandler, retryAfterHeader } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { getStamping, stampingRetryAfter, stampingView } from '../../lib/usecases/stamping.js';

export const handler = httpHandler(routes.getStamping, async ({ params, event }) => {
  const stamping = await getStamping(params.stampingId, requestHeader(event, 'order-token'), new Date());
  return {
    statusCode: 200,
    body: await stampingView(stamping),
    headers: retryAfterHeader(stampingRetryAfter(stamping)),
  };
});
