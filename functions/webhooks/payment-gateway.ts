import { routes } from '../../lib/api/routes.js';
import { ValidationError } from '../../lib/domain/errors.js';
import { httpHandler } from '../../lib/http/handler.js';
import { paymentSettings } from '../../lib/usecases/deps.js';
import { completeRefund, handleCapture } from '../../lib/usecases/payments.js';

export const handler = httpHandler(routes.paymentGatewayWebhook, async ({ body }) => {
  const settings = await paymentSettings();
  if (body.type === 'PAYMENT_CAPTURED') {
    if (!body.reference) {
      throw new ValidationError('a PAYMENT_CAPTURED event names the payment’s merchant reference', [
        { path: 'body.reference', message: 'is required for PAYMENT_CAPTURED' },
      ]);
    }
    const outcome = await handleCapture(
      { paymentId: body.paymentId, orderId: body.reference },
      { eventId: body.eventId, amountIdr: body.amountIdr, occurredAt: body.occurredAt },
      settings,
    );
    return { statusCode: 200, body: { received: true, outcome } };
  }
  if (!body.refundId) {
    throw new ValidationError('a REFUND_COMPLETED event names its refund', [
      { path: 'body.refundId', message: 'is required for REFUND_COMPLETED' },
    ]);
  }
  return {
    statusCode: 200,
    body: { received: true, outcome: await completeRefund(body.refundId, body.amountIdr, settings) },
  };
});
