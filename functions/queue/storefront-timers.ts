import { OrderTimerMessage } from '../../lib/adapters/queues.js';
import { logger } from '../../lib/logger.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { orderTimerSettings } from '../../lib/usecases/deps.js';
import { handleOrderTimer } from '../../lib/usecases/order-timers.js';

export const handler = sqsConsumer('storefrontTimers', OrderTimerMessage, async (message) => {
  const { outcome, processed } = await handleOrderTimer(message, await orderTimerSettings());
  logger.info('order timer', { orderId: message.orderId, hop: message.hop, outcome, processed });
});
