import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { publicBaseUrl } from '../../lib/http/public-url.js';
import { payPayment } from '../../lib/sandbox/payment-gateway-sandbox.js';

export const handler = httpHandler(routes.sandboxPayPayment, async ({ params, body, event }) => ({
  statusCode: 200,
  body: await payPayment(params.paymentId, body.amountIdr, publicBaseUrl(event)),
}));
