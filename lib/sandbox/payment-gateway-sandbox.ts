import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { ConditionFailed, conditionalWrite, storeCall } from '../adapters/dynamo-errors.js';
import { queues } from '../adapters/queues.js';
import { config } from '../config.js';
import { NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/identifiers.js';
import type {
  GatewayCapture,
  GatewayPayment,
  GatewayRefund,
  PaymentGateway,
} from '../domain/payment-gateway.js';
import { qrisPayload } from '../domain/qris.js';
import { planDeliveries, readFaults } from './faults.js';
import { putWithReference, recordOfReference } from './references.js';
import { WEBHOOK_PATHS, type WebhookDeliveryMessage } from './webhook-delivery.js';

const table = () => config().sandboxTable;
const paymentKey = (paymentId: string) => ({ pk: `PG_PAYMENT#${paymentId}`, sk: 'PAYMENT' });
const referenceKey = (reference: string) => ({ pk: `PG_REFERENCE#${reference}`, sk: 'REFERENCE' });
const captureKey = (paymentId: string, eventId: string) => ({
  pk: `PG_PAYMENT#${paymentId}`,
  sk: `CAPTURE#${eventId}`,
});
const refundKey = (refundId: string) => ({ pk: `PG_REFUND#${refundId}`, sk: 'REFUND' });

interface StoredPayment extends GatewayPayment {
  readonly webhookBaseUrl?: string;
}

const readPayment = async (paymentId: string): Promise<StoredPayment | undefined> => {
  const result = await storeCall(() =>
    dynamo().send(new GetCommand({ TableName: table(), Key: paymentKey(paymentId), ConsistentRead: true })),
  );
  return result.Item as StoredPayment | undefined;
};

const scheduleWebhook = async (
  baseUrl: string | undefined,
  event: Record<string, unknown>,
): Promise<number> => {
  if (!baseUrl) return 0;
  const delays = planDeliveries((await readFaults()).paymentGateway);
  const message: WebhookDeliveryMessage = {
    party: 'paymentGateway',
    targetUrl: `${baseUrl}${WEBHOOK_PATHS.paymentGateway}`,
    body: JSON.stringify(event),
  };
  await queues.sendWebhookDeliveries(
    delays.map((delaySeconds) => ({ body: JSON.stringify(message), delaySeconds })),
  );
  return delays.length;
};

/**
 * A stand-in QRIS payment gateway: dynamic QR payments for an exact amount, captures when the buyer pays
 * (as often as the buyer pays, on time or late), refunds confirmed by webhook. Webhooks go through the
 * same fault plan as the tax authority's (duplicates, drops, delays, reordering).
 */
export const sandboxPaymentGateway: PaymentGateway = {
  async createPayment({ reference, amountIdr, expiresAt, merchantName }) {
    const existing = await recordOfReference(referenceKey(reference), 'paymentId', readPayment);
    if (existing) return existing;
    const paymentId = newId('PAY');
    const payment: GatewayPayment = {
      paymentId,
      reference,
      amountIdr,
      qris: qrisPayload({ merchantName, amountIdr, reference }),
      expiresAt: expiresAt.toISOString(),
    };
    try {
      await putWithReference(
        { ...referenceKey(reference), paymentId },
        { Item: { ...paymentKey(paymentId), ...payment } },
      );
      return payment;
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      const winner = await recordOfReference(referenceKey(reference), 'paymentId', readPayment);
      if (!winner) throw error;
      return winner;
    }
  },

  async listCaptures(paymentId) {
    const result = await storeCall(() =>
      dynamo().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :capture)',
          ExpressionAttributeValues: { ':pk': paymentKey(paymentId).pk, ':capture': 'CAPTURE#' },
          ConsistentRead: true,
        }),
      ),
    );
    return (result.Items ?? []).map((item) => ({
      eventId: String(item.eventId),
      amountIdr: Number(item.amountIdr),
      occurredAt: String(item.occurredAt),
    }));
  },

  async requestRefund({ refundId, paymentId, captureEventId, amountIdr }) {
    const existing = await sandboxPaymentGateway.getRefund(refundId);
    if (existing) return existing;
    const payment = await readPayment(paymentId);
    if (!payment) throw new NotFoundError('payment');
    const refund: GatewayRefund = { refundId, status: 'COMPLETED', amountIdr };
    const requested = await conditionalWrite(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: {
            ...refundKey(refundId),
            ...refund,
            paymentId,
            captureEventId,
            requestedAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!requested) return (await sandboxPaymentGateway.getRefund(refundId)) ?? refund;
    await scheduleWebhook(payment.webhookBaseUrl, {
      eventId: newId('EV'),
      paymentId,
      type: 'REFUND_COMPLETED',
      amountIdr,
      occurredAt: new Date().toISOString(),
      refundId,
    });
    // The money goes back at once in the sandbox; the webhook (which may be dropped) reports it.
    return { refundId, status: 'PENDING', amountIdr };
  },

  async getRefund(refundId) {
    const result = await storeCall(() =>
      dynamo().send(new GetCommand({ TableName: table(), Key: refundKey(refundId), ConsistentRead: true })),
    );
    if (!result.Item) return undefined;
    return {
      refundId,
      status: result.Item.status as GatewayRefund['status'],
      amountIdr: Number(result.Item.amountIdr),
    };
  },
};

/**
 * The buyer scans the QR and pays. The gateway captures whatever is paid, whenever it is paid (even after
 * the QR expired, or twice), and tells kuota by webhook.
 */
export const payPayment = async (
  paymentId: string,
  amountIdr: number | undefined,
  webhookBaseUrl: string,
): Promise<GatewayCapture & { paymentId: string; deliveries: number }> => {
  const payment = await readPayment(paymentId);
  if (!payment) throw new NotFoundError('payment');
  const capture: GatewayCapture = {
    eventId: newId('EV'),
    amountIdr: amountIdr ?? payment.amountIdr,
    occurredAt: new Date().toISOString(),
  };
  await storeCall(() =>
    dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table(), Item: { ...captureKey(paymentId, capture.eventId), ...capture } } },
          {
            Update: {
              TableName: table(),
              Key: paymentKey(paymentId),
              UpdateExpression: 'SET webhookBaseUrl = :url',
              ExpressionAttributeValues: { ':url': webhookBaseUrl },
            },
          },
        ],
      }),
    ),
  );
  const deliveries = await scheduleWebhook(webhookBaseUrl, {
    eventId: capture.eventId,
    paymentId,
    reference: payment.reference,
    type: 'PAYMENT_CAPTURED',
    amountIdr: capture.amountIdr,
    occurredAt: capture.occurredAt,
  });
  return { ...capture, paymentId, deliveries };
};

export const markRefundWebhookTarget = async (paymentId: string, webhookBaseUrl: string): Promise<void> => {
  await storeCall(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: paymentKey(paymentId),
        UpdateExpression: 'SET webhookBaseUrl = :url',
        ExpressionAttributeValues: { ':url': webhookBaseUrl },
      }),
    ),
  );
};
