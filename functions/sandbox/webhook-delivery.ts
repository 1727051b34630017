import { boundToInvocation } from '../../lib/adapters/invocation-deadline.js';
import { signPayload } from '../../lib/domain/webhook-signature.js';
import { logger } from '../../lib/logger.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { WebhookDeliveryMessage } from '../../lib/sandbox/webhook-delivery.js';
import { secrets } from '../../lib/secrets.js';

/**
 * Delivers a sandbox webhook like a real sender: signs it now, POSTs it, retries (via SQS redelivery) on
 * network errors, 429 and 5xx. A 4xx answer is final: the receiver has looked at it and said no.
 */
export const handler = sqsConsumer('sandboxWebhookDelivery', WebhookDeliveryMessage, async (message) => {
  const all = await secrets();
  const secret =
    message.party === 'taxAuthority' ? all.taxAuthorityWebhookSecret : all.paymentGatewayWebhookSecret;
  const response = await fetch(message.targetUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'kuota-signature': signPayload(secret, message.body, Math.floor(Date.now() / 1000)),
    },
    body: message.body,
    signal: boundToInvocation(AbortSignal.timeout(8_000)),
  });
  if (response.status === 429 || response.status >= 500) {
    throw new Error(`webhook receiver answered ${response.status}`);
  }
  if (response.status >= 400) {
    logger.warn('webhook refused by receiver', { party: message.party, status: response.status });
  }
});
