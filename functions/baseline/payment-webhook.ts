import { baselineSettings } from '../../lib/baseline/deps.js';
import { registerIdempotencyContext } from '../../lib/baseline/idempotency.js';
import { handleBaselineCapture } from '../../lib/baseline/orders.js';
import { baselineRoutes } from '../../lib/baseline/routes.js';
import { httpHandler } from '../../lib/http/handler.js';

/** Baseline (benchmark only): fulfil synchronously on the gateway's signed capture event. */
export const handler = httpHandler(baselineRoutes.baselinePaymentWebhook, async ({ body }) => {
  if (body.type !== 'PAYMENT_CAPTURED')
    return { statusCode: 200, body: { received: true, outcome: 'IGNORED' } };
  return handleBaselineCapture(
    body.paymentId,
    { eventId: body.eventId, amountIdr: body.amountIdr, occurredAt: body.occurredAt },
    await baselineSettings(),
  );
}).before(registerIdempotencyContext);
