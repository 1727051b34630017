import { httpHandler } from '../../../lib/http/handler.js';
import { baselineSettings } from '../deps.js';
import { registerIdempotencyContext } from '../idempotency.js';
import { handleBaselineCapture } from '../orders.js';
import { baselineRoutes } from '../routes.js';

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
