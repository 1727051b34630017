import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  RESELLER_EVENT_TYPES,
  type ResellerEvent,
  type ResellerEventType,
} from '../domain/reseller-webhooks.js';
import { bucketOf } from '../domain/storefront-order.js';
import { MainKeys, RESELLER_ORDER_BUCKETS } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { conditionalWrite, storeCall } from './dynamo-errors.js';
import { workDueBefore } from './partition-query.js';
import { newestFirstOverBuckets } from './reseller-index.js';
import { transactWrite } from './transact.js';

const table = () => config().mainTable;

/** Buckets of the work index the outbox sweeper reads (events not yet delivered or dead-lettered). */
export const WEBHOOK_WORK_BUCKETS = 16;

export interface WebhookEndpoint {
  readonly resellerId: string;
  readonly url: string;
  readonly events: readonly ResellerEventType[];
  readonly secret: string;
  readonly previousSecret?: string;
  readonly previousSecretExpiresAt?: string;
  readonly secretCreatedAt: string;
  /** stock.low: below this many days of cover at the recent sales rate (absent: no stock.low events). */
  readonly lowStockDaysOfCover?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface DeliveryAttempt {
  readonly at: string;
  readonly durationMs: number;
  readonly statusCode?: number;
  readonly error?: string;
}

export interface StoredEvent extends ResellerEvent {
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
  readonly attempts: DeliveryAttempt[];
  /** When the retry window (24 h) started: the event's recording, or the reseller's manual retry. */
  readonly windowStartsAt: string;
  readonly nextAttemptAt?: string;
  readonly deliveredAt?: string;
  readonly deadLetteredAt?: string;
  readonly cancelledReason?: string;
}

/** The delivery log keeps the last attempts of an event (the count keeps them all). */
const ATTEMPTS_KEPT = 20;

/**
 * A stored event, checked on the way out. Loose: what the store keeps beside the event (the count of manual
 * retries) rides along.
 */
const StoredEventRecord = z.looseObject({
  eventId: z.string(),
  resellerId: z.string(),
  type: z.enum(RESELLER_EVENT_TYPES),
  createdAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number().int().nonnegative(),
  attempts: z.array(
    z.looseObject({
      at: z.string(),
      durationMs: z.number(),
      statusCode: z.number().optional(),
      error: z.string().optional(),
    }),
  ),
  windowStartsAt: z.string(),
  nextAttemptAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  deadLetteredAt: z.string().optional(),
  cancelledReason: z.string().optional(),
}) satisfies z.ZodType<StoredEvent>;
/** A stored endpoint, checked on the way out (loose, like the event). */
const StoredEndpointRecord = z.looseObject({
  resellerId: z.string(),
  url: z.string(),
  events: z.array(z.enum(RESELLER_EVENT_TYPES)),
  secret: z.string(),
  previousSecret: z.string().optional(),
  previousSecretExpiresAt: z.string().optional(),
  secretCreatedAt: z.string(),
  lowStockDaysOfCover: z.number().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
}) satisfies z.ZodType<WebhookEndpoint>;

const eventFromItem = (item: Record<string, unknown>): StoredEvent => {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, entity: _e, ...rest } = item;
  return StoredEventRecord.parse(rest);
};

const endpointFromItem = (item: Record<string, unknown>): WebhookEndpoint => {
  const { pk: _pk, sk: _sk, entity: _e, ...rest } = item;
  return StoredEndpointRecord.parse(rest);
};

/**
 * An update of an event, conditional on the attempt count read: `false` when another write changed the
 * event first (a duplicate message, or our own write whose response was lost).
 */
const updateEventIfUnchanged = (
  event: StoredEvent,
  updateExpression: string,
  values: Record<string, unknown>,
): Promise<boolean> =>
  conditionalWrite(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table(),
        Key: MainKeys.webhookEvent(event.eventId),
        UpdateExpression: updateExpression,
        ConditionExpression: 'attemptCount = :expected',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ...values, ':expected': event.attemptCount },
      }),
    ),
  );

/** Resellers' webhook endpoints and the outbox of events for them (with each event's delivery log). */
export const webhookStore = {
  async getEndpoint(resellerId: string): Promise<WebhookEndpoint | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({
          TableName: table(),
          Key: MainKeys.webhookEndpoint(resellerId),
          ConsistentRead: true,
        }),
      ),
    );
    return result.Item ? endpointFromItem(result.Item) : undefined;
  },

  /** Writes the endpoint, conditional on the one read (`previousUpdatedAt`; none: it must not exist yet). */
  async putEndpoint(endpoint: WebhookEndpoint, previousUpdatedAt: string | undefined): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: { ...MainKeys.webhookEndpoint(endpoint.resellerId), entity: 'WebhookEndpoint', ...endpoint },
          ...(previousUpdatedAt
            ? {
                ConditionExpression: 'updatedAt = :previous',
                ExpressionAttributeValues: { ':previous': previousUpdatedAt },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      ),
    );
  },

  /**
   * The outbox item of an event, as a transaction item for the write that makes the state change it
   * reports (no condition: a retried write records the same event id again, which changes nothing).
   */
  eventPut(event: ResellerEvent) {
    return {
      Put: {
        TableName: table(),
        Item: {
          ...MainKeys.webhookEvent(event.eventId),
          entity: 'WebhookEvent',
          ...event,
          status: 'PENDING' satisfies DeliveryStatus,
          attemptCount: 0,
          attempts: [],
          windowStartsAt: event.createdAt,
          nextAttemptAt: event.createdAt,
          gsi2pk: MainKeys.resellerWebhookEvents(
            event.resellerId,
            bucketOf(event.eventId, RESELLER_ORDER_BUCKETS),
          ),
          gsi2sk: `${event.createdAt}#${event.eventId}`,
          gsi1pk: MainKeys.webhookWork(bucketOf(event.eventId, WEBHOOK_WORK_BUCKETS)),
          gsi1sk: event.createdAt,
        },
      },
    };
  },

  async getLowStockState(resellerId: string): Promise<{ low: boolean; since?: string }> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.lowStockState(resellerId), ConsistentRead: true }),
      ),
    );
    return {
      low: result.Item?.low === true,
      ...(typeof result.Item?.since === 'string' ? { since: result.Item.since } : {}),
    };
  },

  /**
   * The low-stock state moves (conditional on the state read, so two runs never both send), with the
   * stock.low event in the same transaction when it becomes LOW.
   */
  async setLowStockState(
    resellerId: string,
    next: { low: boolean; at: string; cover?: number },
    was: boolean,
    extraItems: readonly Record<string, unknown>[] = [],
  ): Promise<'MOVED' | 'STALE'> {
    const moved = await conditionalWrite(() =>
      transactWrite([
        {
          Update: {
            TableName: table(),
            Key: MainKeys.lowStockState(resellerId),
            UpdateExpression: 'SET low = :low, since = :at, entity = :entity, daysOfCover = :cover',
            ConditionExpression: was ? 'low = :true' : 'attribute_not_exists(low) OR low = :false',
            ExpressionAttributeValues: {
              ':low': next.low,
              ':at': next.at,
              ':entity': 'LowStockState',
              ':cover': next.cover ?? null,
              ...(was ? { ':true': true } : { ':false': false }),
            },
          },
        },
        ...extraItems,
      ]),
    );
    return moved ? 'MOVED' : 'STALE';
  },

  async getEvent(eventId: string): Promise<StoredEvent | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new GetCommand({ TableName: table(), Key: MainKeys.webhookEvent(eventId), ConsistentRead: true }),
      ),
    );
    return result.Item ? eventFromItem(result.Item) : undefined;
  },

  /**
   * One attempt's outcome, conditional on the attempt count read (a duplicate message that raced this one
   * changes nothing: 'STALE'). A final state leaves the sweeper's work index.
   */
  async recordAttempt(
    event: StoredEvent,
    attempt: DeliveryAttempt | undefined,
    next:
      | { status: 'DELIVERED'; at: string }
      | { status: 'FAILING'; nextAttemptAt: string }
      | { status: 'DEAD_LETTERED'; at: string }
      | { status: 'CANCELLED'; reason: string },
  ): Promise<'RECORDED' | 'STALE'> {
    const set: string[] = ['#status = :status', 'attemptCount = :next'];
    const values: Record<string, unknown> = {
      ':status': next.status,
      ':next': event.attemptCount + (attempt ? 1 : 0),
    };
    if (attempt) {
      set.push('attempts = :attempts');
      values[':attempts'] = [...(event.attempts ?? []), attempt].slice(-ATTEMPTS_KEPT);
    }
    let remove = '';
    if (next.status === 'FAILING') {
      set.push('nextAttemptAt = :nextAt', 'gsi1sk = :nextAt');
      values[':nextAt'] = next.nextAttemptAt;
    } else {
      remove = ' REMOVE nextAttemptAt, gsi1pk, gsi1sk';
      if (next.status === 'DELIVERED') {
        set.push('deliveredAt = :at');
        values[':at'] = next.at;
      }
      if (next.status === 'DEAD_LETTERED') {
        set.push('deadLetteredAt = :at');
        values[':at'] = next.at;
      }
      if (next.status === 'CANCELLED') {
        set.push('cancelledReason = :reason');
        values[':reason'] = next.reason;
      }
    }
    if (await updateEventIfUnchanged(event, `SET ${set.join(', ')}${remove}`, values)) return 'RECORDED';
    // Our own write whose response was lost (its retry then fails the condition) is ours all the same.
    const current = await this.getEvent(event.eventId);
    const ours =
      current?.status === next.status &&
      current.attemptCount === event.attemptCount + (attempt ? 1 : 0) &&
      (!attempt || current.attempts?.at(-1)?.at === attempt.at);
    return ours ? 'RECORDED' : 'STALE';
  },

  /** The reseller's manual retry: a fresh 24 h window from now, back on the sweeper's work index. */
  async reopen(event: StoredEvent, at: string): Promise<'REOPENED' | 'STALE'> {
    const reopened = await updateEventIfUnchanged(
      event,
      'SET #status = :pending, windowStartsAt = :at, nextAttemptAt = :at, gsi1pk = :work, gsi1sk = :at, manualRetries = if_not_exists(manualRetries, :zero) + :one',
      {
        ':pending': 'PENDING',
        ':at': at,
        ':work': MainKeys.webhookWork(bucketOf(event.eventId, WEBHOOK_WORK_BUCKETS)),
        ':zero': 0,
        ':one': 1,
      },
    );
    return reopened ? 'REOPENED' : 'STALE';
  },

  async listEventsOfReseller(
    resellerId: string,
    options: { limit: number; before?: string; status?: DeliveryStatus },
  ): Promise<{ events: StoredEvent[]; last?: string }> {
    const page = await newestFirstOverBuckets(
      (bucket) => MainKeys.resellerWebhookEvents(resellerId, bucket),
      options,
    );
    return { events: page.items.map(eventFromItem), ...(page.last ? { last: page.last } : {}) };
  },

  /** Events of one work bucket whose next attempt was due before `before` (their message may be lost). */
  async listOverdue(bucket: number, before: string, limit: number): Promise<StoredEvent[]> {
    const page = await workDueBefore(MainKeys.webhookWork(bucket), before, limit);
    return page.items.map(eventFromItem);
  },
};
