import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { config } from '../config.js';
import { sqs } from './aws-clients.js';

/** Messages kuota puts on its queues. Consumers parse them back with the zod schemas next to them. */
export interface AllocationMessage {
  readonly quotaOrderId: string;
  readonly resellerId: string;
}

export const queues = {
  async requestAllocation(message: AllocationMessage): Promise<void> {
    await sqs().send(
      new SendMessageCommand({ QueueUrl: config().allocationQueueUrl, MessageBody: JSON.stringify(message) }),
    );
  },

  async sendWebhookDeliveries(deliveries: { body: string; delaySeconds: number }[]): Promise<void> {
    for (let start = 0; start < deliveries.length; start += 10) {
      const batch = deliveries.slice(start, start + 10);
      const result = await sqs().send(
        new SendMessageBatchCommand({
          QueueUrl: config().webhookDeliveryQueueUrl,
          Entries: batch.map((delivery, index) => ({
            Id: String(index),
            MessageBody: delivery.body,
            DelaySeconds: delivery.delaySeconds,
          })),
        }),
      );
      if (result.Failed && result.Failed.length > 0) {
        throw new Error(`could not enqueue ${result.Failed.length} webhook deliveries`);
      }
    }
  },
};
