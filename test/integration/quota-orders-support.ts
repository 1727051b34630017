import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { signPayload } from '../../lib/domain/webhook-signature.js';
import { backgroundFunctions } from '../../lib/infra/functions.js';
import type { ApiResponse, TestCloud } from '../support/cloud.js';

/**
 * Helpers shared by the quota-order tests. They talk to the platform only through HTTP, and read
 * the emulated tables and queues directly (never through kuota's own adapters) to check what was written.
 */
export type Reseller = TestCloud['credentials']['resellers'][number];

export const resellerAt = (kuota: TestCloud, index: number): Reseller => {
  const reseller = kuota.credentials.resellers[index];
  if (!reseller) throw new Error(`no reseller seeded at index ${index}`);
  return reseller;
};

export interface CreatedOrder {
  readonly id: string;
  readonly status: string;
  readonly quantity: number;
  readonly amountIdr: number;
  readonly billingCode: string;
  readonly expiresAt: string;
}

export interface OrderView extends Omit<CreatedOrder, 'status'> {
  readonly status: string;
  readonly createdAt: string;
  readonly ntpn?: string;
  readonly paidAt?: string;
  readonly allocation: { allocated: number; remaining: number };
}

export interface ErrorResponseBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: { path: string; message: string }[];
  };
}

/** An order counts as paid once it is PAID or has moved on to ALLOCATED (the allocation issue's step). */
export const PAID_STATES = ['PAID', 'ALLOCATED'];

export const createOrder = (kuota: TestCloud, reseller: Reseller, quantity: number, idempotencyKey: string) =>
  kuota.api.post<CreatedOrder & ErrorResponseBody>('/v1/wholesale/quota-orders', {
    apiKey: reseller.apiKey,
    headers: { 'idempotency-key': idempotencyKey },
    body: { quantity },
  });

/** Creates an order and fails the test at once if that did not work. */
export const mustCreateOrder = async (
  kuota: TestCloud,
  reseller: Reseller,
  quantity: number,
  idempotencyKey: string,
): Promise<CreatedOrder> => {
  const response = await createOrder(kuota, reseller, quantity, idempotencyKey);
  if (response.status !== 201)
    throw new Error(`creating an order answered ${response.status}: ${response.text}`);
  return response.body;
};

export const getOrder = (kuota: TestCloud, reseller: Reseller, orderId: string) =>
  kuota.api.get<OrderView & ErrorResponseBody>(`/v1/wholesale/quota-orders/${orderId}`, {
    apiKey: reseller.apiKey,
  });

export const setTaxAuthorityFaults = async (
  kuota: TestCloud,
  faults: { duplicateRate?: number; dropRate?: number; delayMs?: number },
): Promise<void> => {
  const response = await kuota.api.post('/sandbox/faults', { body: { taxAuthority: faults } });
  if (response.status !== 200)
    throw new Error(`setting faults answered ${response.status}: ${response.text}`);
};

export interface SandboxPayment {
  readonly billingCode: string;
  readonly ntpn: string;
  readonly amountIdr: number;
  readonly paidAt: string;
  readonly webhook: 'SCHEDULED' | 'DROPPED';
  readonly deliveries: number;
}

export const payInSandbox = (kuota: TestCloud, billingCode: string, amountIdr: number) =>
  kuota.api.post<SandboxPayment & ErrorResponseBody>(`/sandbox/tax-authority/billings/${billingCode}/pay`, {
    body: { amountIdr },
  });

/** Pays a billing in the sandbox with the webhook dropped, so the test decides what notice arrives. */
export const payWithoutWebhook = async (
  kuota: TestCloud,
  billingCode: string,
  amountIdr: number,
): Promise<SandboxPayment> => {
  await setTaxAuthorityFaults(kuota, { dropRate: 1, duplicateRate: 0 });
  const paid = await payInSandbox(kuota, billingCode, amountIdr);
  await setTaxAuthorityFaults(kuota, { dropRate: 0, duplicateRate: 0 });
  if (paid.status !== 200) throw new Error(`sandbox payment answered ${paid.status}: ${paid.text}`);
  if (paid.body.webhook !== 'DROPPED') throw new Error('the sandbox sent a webhook although told to drop it');
  return paid.body;
};

export interface PaymentNotice {
  readonly billingCode: string;
  readonly ntpn: string;
  readonly amountIdr: number;
  readonly paidAt: string;
}

export const noticeOf = (payment: SandboxPayment): PaymentNotice => ({
  billingCode: payment.billingCode,
  ntpn: payment.ntpn,
  amountIdr: payment.amountIdr,
  paidAt: payment.paidAt,
});

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** POSTs a raw webhook body with a raw `Kuota-Signature` header (or none when `signature` is undefined). */
export const postWebhook = (kuota: TestCloud, rawBody: string, signature: string | undefined) =>
  kuota.api.post<{ received: boolean; outcome: string } & ErrorResponseBody>('/v1/webhooks/tax-authority', {
    rawBody,
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'kuota-signature': signature }),
    },
  });

/** Signs a notice the way the tax authority does (its shared secret, the current time) and POSTs it. */
export const sendNotice = (
  kuota: TestCloud,
  notice: PaymentNotice,
  options: { secret?: string; timestamp?: number } = {},
) => {
  const rawBody = JSON.stringify(notice);
  const signature = signPayload(
    options.secret ?? kuota.secrets.taxAuthorityWebhookSecret,
    rawBody,
    options.timestamp ?? nowSeconds(),
  );
  return postWebhook(kuota, rawBody, signature);
};

/** Repeats a request while it answers 429, waiting the announced Retry-After (capped to keep tests quick). */
export const retryBusy = async <T>(
  send: () => Promise<ApiResponse<T>>,
  options: { attempts?: number; maxWaitMs?: number } = {},
): Promise<{ final: ApiResponse<T>; statuses: number[] }> => {
  const statuses: number[] = [];
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    statuses.push(response.status);
    if (response.status !== 429 || attempt >= (options.attempts ?? 20)) return { final: response, statuses };
    const retryAfterSeconds = Number(response.headers.get('retry-after') ?? 'missing');
    if (!Number.isFinite(retryAfterSeconds) || retryAfterSeconds < 0) {
      throw new Error(`429 without a usable Retry-After: ${response.headers.get('retry-after')}`);
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(retryAfterSeconds * 1000, options.maxWaitMs ?? 300)),
    );
  }
};

/** Every item of one of this test file's tables, unmarshalled. */
export const scanTable = async (
  kuota: TestCloud,
  table: 'main' | 'sandbox',
): Promise<Record<string, unknown>[]> => {
  const documents = DynamoDBDocumentClient.from(kuota.cloud.dynamo);
  const items: Record<string, unknown>[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: kuota.cloud.tables[table],
        ExclusiveStartKey: cursor,
        ConsistentRead: true,
      }),
    );
    items.push(...(page.Items ?? []));
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return items;
};

export const itemsWithPkPrefix = async (kuota: TestCloud, table: 'main' | 'sandbox', prefix: string) =>
  (await scanTable(kuota, table)).filter((item) => String(item.pk).startsWith(prefix));

/** NTPN records (the exactly-once credit markers) that point at one order. */
export const ntpnItemsOf = async (kuota: TestCloud, orderId: string) =>
  (await itemsWithPkPrefix(kuota, 'main', 'NTPN#')).filter((item) => item.orderId === orderId);

export const quotaOrderItems = async (kuota: TestCloud) =>
  (await scanTable(kuota, 'main')).filter((item) => item.entity === 'QuotaOrder');

/** Alerts of the UTC days that `from`..now span (an alert's partition is the day it was raised). */
export const alertsSince = async (kuota: TestCloud, from: Date) => {
  const days = new Set([from.toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)]);
  return (await scanTable(kuota, 'main')).filter((item) =>
    [...days].some((day) => item.pk === `ALERTS#${day}`),
  );
};

/**
 * True when something consumes the allocation queue (the allocation issue adds that consumer); until then
 * the messages the credit sends stay on the queue for the tests to read.
 */
export const allocationQueueHasConsumer = (): boolean =>
  (backgroundFunctions as readonly { trigger: { kind: string; queue?: string } }[]).some(
    (fn) => fn.trigger.kind === 'queue' && fn.trigger.queue === 'allocation',
  );

/** Drains the allocation queue and returns the parsed message bodies. */
export const drainAllocationQueue = async (kuota: TestCloud): Promise<Record<string, unknown>[]> => {
  const bodies: Record<string, unknown>[] = [];
  for (;;) {
    const received = await kuota.cloud.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: kuota.cloud.queues.allocation.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const message of messages) bodies.push(JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
  }
};

export const invocationsOf = (kuota: TestCloud, functionId: string): number =>
  kuota.cloud.runtime.invocations.get(functionId) ?? 0;
