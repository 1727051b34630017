import { StampingMessage } from '../../lib/adapters/queues.js';
import { Queues } from '../../lib/infra/resources.js';
import { logger } from '../../lib/logger.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { abandonStamping, runStamping } from '../../lib/usecases/stamping.js';

export const handler = sqsConsumer('stamping', StampingMessage, async (message, record) => {
  try {
    const outcome = await runStamping(message.stampingId, () => new Date());
    logger.info('stamping', { stampingId: message.stampingId, outcome });
  } catch (error) {
    // On the queue's last delivery the stamping ends FAILED (stamp untouched) instead of waiting in the DLQ.
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    if (receiveCount < Queues.stamping.maxReceiveCount) throw error;
    await abandonStamping(message.stampingId, new Date());
    logger.error('stamping abandoned after its last attempt', { stampingId: message.stampingId });
  }
});
