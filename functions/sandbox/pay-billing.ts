import { queues } from '../../lib/adapters/queues.js';
import { routes } from '../../lib/api/routes.js';
import { httpHandler } from '../../lib/http/handler.js';
import { publicBaseUrl } from '../../lib/http/public-url.js';
import { planDeliveries, readFaults } from '../../lib/sandbox/faults.js';
import { payBilling } from '../../lib/sandbox/tax-authority-sandbox.js';
import { WEBHOOK_PATHS, type WebhookDeliveryMessage } from '../../lib/sandbox/webhook-delivery.js';

export const handler = httpHandler(routes.sandboxPayBilling, async ({ params, body, event }) => {
  const payment = await payBilling(params.billingCode, body.amountIdr, new Date());
  const notice = JSON.stringify({
    billingCode: payment.billingCode,
    ntpn: payment.ntpn,
    amountIdr: payment.paidAmountIdr,
    paidAt: payment.paidAt,
  });
  const delays = planDeliveries((await readFaults()).taxAuthority);
  const message: WebhookDeliveryMessage = {
    party: 'taxAuthority',
    targetUrl: `${publicBaseUrl(event)}${WEBHOOK_PATHS.taxAuthority}`,
    body: notice,
  };
  await queues.sendWebhookDeliveries(
    delays.map((delaySeconds) => ({ body: JSON.stringify(message), delaySeconds })),
  );
  return {
    statusCode: 200,
    body: {
      billingCode: payment.billingCode,
      ntpn: payment.ntpn,
      amountIdr: payment.paidAmountIdr,
      paidAt: payment.paidAt,
      webhook: delays.length > 0 ? 'SCHEDULED' : 'DROPPED',
      deliveries: delays.length,
    },
  };
});
