import { AllocationMessage } from '../../lib/adapters/queues.js';
import { sqsConsumer } from '../../lib/queue/consumer.js';
import { allocateChunk } from '../../lib/usecases/allocation.js';
import { allocationSettings } from '../../lib/usecases/settings.js';

export const handler = sqsConsumer('allocation', AllocationMessage, async (message) => {
  await allocateChunk(message, allocationSettings());
});
