import { ResellerWebhookMessage } from '../../lib/adapters/queues.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { deliverEvent } from '../../lib/usecases/reseller-webhooks.js';

export const handler = sqsConsumer('resellerWebhookSender', ResellerWebhookMessage, async (message) => {
  await deliverEvent(message);
});
