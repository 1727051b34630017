import { GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { config } from '../config.js';
import { STOREFRONT_ORDER_ID_PATTERN } from '../domain/identifiers.js';
import { sqs } from './aws-clients.js';

/** Messages kuota puts on its queues. Consumers parse them back with the zod schemas next to them. */
export const AllocationMessage = z.object({
  quotaOrderId: z.string().min(1),
  resellerId: z.string().regex(/^R[0-9]{2}$/),
  /** The order's allocated count when this message was sent; a message that no longer matches is stale. */
  expectedAllocated: z.number().int().nonnegative(),
});
export type AllocationMessage = z.infer<typeof AllocationMessage>;

export const ReservationMessage = z.object({ orderId: z.string().regex(STOREFRONT_ORDER_ID_PATTERN) });
export type ReservationMessage = z.infer<typeof ReservationMessage>;

export const OrderTimerMessage = z.object({
  orderId: z.string().regex(STOREFRONT_ORDER_ID_PATTERN),
  /** When the order is due; a message delivered earlier (SQS delays stop at 900 s) is re-armed. */
  dueAt: z.iso.datetime({ offset: true }),
  /** How many times this order's timer has fired before; bounds the re-sends of a queued order. */
  hop: z.number().int().nonnegative(),
  /**
   * A new order's first timer: the order as intake was about to write it (keyed hashes only), so that the
   * timer can settle it if intake died between the buyer's hold and the order's first write.
   */
  unwritten: z
    .object({
      resellerId: z.string().regex(/^R[0-9]{2}$/),
      nikHash: z.string().min(1),
      quantity: z.number().int().positive(),
      requestHash: z.string().min(1),
      createdAt: z.iso.datetime({ offset: true }),
      day: z.iso.date(),
    })
    .optional(),
});
export type OrderTimerMessage = z.infer<typeof OrderTimerMessage>;

export const StampingMessage = z.object({ stampingId: z.string().regex(/^STP_[0-9A-Z]{26}$/) });
export type StampingMessage = z.infer<typeof StampingMessage>;

export const ResellerWebhookMessage = z.object({
  eventId: z.string().regex(/^EV_[0-9A-Z]{26}$/),
  /** The event's attempt count when this message was sent; a message that no longer matches is stale. */
  attempt: z.number().int().nonnegative(),
  /** When the attempt is due; a message delivered earlier (SQS delays stop at 900 s) is sent on again. */
  dueAt: z.iso.datetime({ offset: true }),
});
export type ResellerWebhookMessage = z.infer<typeof ResellerWebhookMessage>;

/** SQS delays a message by at most 15 minutes; a later timer takes several hops. */
export const MAX_DELAY_SECONDS = 900;

/** A delay SQS takes: whole seconds, none in the past, at most MAX_DELAY_SECONDS. */
const sqsDelay = (seconds: number): number => Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(seconds)));

/**
 * Sends a message when it comes due, or as close to it as SQS delays reach: its consumer sends a message that
 * arrives early on again.
 */
const sendWhenDue = async (queueUrl: string, message: { dueAt: string }, now: number): Promise<void> => {
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify(message),
      DelaySeconds: sqsDelay((Date.parse(message.dueAt) - now) / 1000),
    }),
  );
};

export const queues = {
  async armOrderTimer(message: OrderTimerMessage, now = Date.now()): Promise<void> {
    await sendWhenDue(config().storefrontTimerQueueUrl, message, now);
  },

  async requestStamping(message: StampingMessage): Promise<void> {
    await sqs().send(
      new SendMessageCommand({ QueueUrl: config().stampingQueueUrl, MessageBody: JSON.stringify(message) }),
    );
  },

  async sendResellerWebhook(message: ResellerWebhookMessage, now = Date.now()): Promise<void> {
    await sendWhenDue(config().resellerWebhookQueueUrl, message, now);
  },

  /** An event whose retries ran out: its DLQ (watched by an alarm and the regulator's alerts). */
  async deadLetterResellerWebhook(body: {
    eventId: string;
    resellerId: string;
    type: string;
    reason: string;
  }) {
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: config().deadLetterQueueUrls.resellerWebhooks,
        MessageBody: JSON.stringify(body),
      }),
    );
  },

  async requestReservation(message: ReservationMessage): Promise<void> {
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: config().storefrontOrderQueueUrl,
        MessageBody: JSON.stringify(message),
      }),
    );
  },

  async requestAllocation(message: AllocationMessage, delaySeconds = 0): Promise<void> {
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: config().allocationQueueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: sqsDelay(delaySeconds),
      }),
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

/** A queue's approximate counts: messages waiting (visible) and being worked on (in flight). */
export const queueMessageCounts = async (
  queueUrl: string,
): Promise<{ waiting: number; inFlight: number }> => {
  const result = await sqs().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    waiting: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
};
