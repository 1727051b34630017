import { routes } from '../../lib/api/routes.js';
import { httpHandler, retryAfterHeader } from '../../lib/http/handler.js';
import { requestHeader } from '../../lib/http/middleware.js';
import { stampingRetryAfter, stampingView, submitStamping } from '../../lib/usecases/stamping.js';

export const handler = httpHandler(routes.submitStamping, async ({ params, event }) => {
  const stamping = await submitStamping(params.stampingId, requestHeader(event, 'order-token'), new Date());
  return {
    statusCode: 202,
    body: await stampingView(stamping),
    headers: retryAfterHeader(stampingRetryAfter(stamping)),
  };
});
