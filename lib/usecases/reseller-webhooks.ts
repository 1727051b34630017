import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { crashPoint } from '../adapters/fault-injection.js';
import { boundToInvocation } from '../adapters/invocation-deadline.js';
import { queues } from '../adapters/queues.js';
import {
  type DeliveryAttempt,
  type StoredEvent,
  WEBHOOK_WORK_BUCKETS,
  type WebhookEndpoint,
  webhookStore,
} from '../adapters/webhook-store.js';
import { config } from '../config.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import {
  type DeliveryStatus,
  deliveryIsFinal,
  eventBody,
  newWebhookSecret,
  nextAttemptAfterFailure,
  type ResellerEvent,
  type ResellerEventType,
  resellerEventId,
  SECRET_ROTATION_OVERLAP_SECONDS,
  signingSecrets,
  signWithSecrets,
  webhookUrlViolation,
} from '../domain/reseller-webhooks.js';
import { buyerReference, channelOf, type StorefrontOrder } from '../domain/storefront-order.js';
import { logger } from '../logger.js';

/**
 * Webhooks to resellers' systems. An event is recorded in the same transaction as the state change it
 * reports (the outbox item rides in the store's write), then handed to an SQS queue; the consumer signs and
 * POSTs it, retries with exponential backoff for 24 h and dead-letters it after. A sale never waits for a
 * receiver: it only writes the event and sends one message.
 */

// ---- The endpoint.

const ENDPOINT_TTL_MS = 5_000;
const endpointCache = new Map<string, { at: number; endpoint: WebhookEndpoint | undefined }>();

/** A reseller's endpoint as this instance last read it (5 s): decides whether a state change records an event. */
const cachedEndpoint = async (resellerId: string): Promise<WebhookEndpoint | undefined> => {
  const hit = endpointCache.get(resellerId);
  if (hit && Date.now() - hit.at < ENDPOINT_TTL_MS) return hit.endpoint;
  const endpoint = await withStoreRetries(() => webhookStore.getEndpoint(resellerId));
  endpointCache.set(resellerId, { at: Date.now(), endpoint });
  return endpoint;
};

export const endpointView = (endpoint: WebhookEndpoint, shownSecret?: string) => ({
  url: endpoint.url,
  events: [...endpoint.events],
  ...(endpoint.lowStockDaysOfCover !== undefined
    ? { lowStockDaysOfCover: endpoint.lowStockDaysOfCover }
    : {}),
  secretCreatedAt: endpoint.secretCreatedAt,
  ...(endpoint.previousSecretExpiresAt && endpoint.previousSecret
    ? { previousSecretValidUntil: endpoint.previousSecretExpiresAt }
    : {}),
  ...(shownSecret ? { secret: shownSecret } : {}),
  createdAt: endpoint.createdAt,
  updatedAt: endpoint.updatedAt,
});

/**
 * Sets the caller's endpoint (URL, event types, stock.low threshold). The signing secret is made with the
 * endpoint and shown in that answer only; `rotateSecret` makes a new one (shown once) while the old one keeps
 * signing, as a second v1, for 24 h.
 */
export const configureEndpoint = async (
  resellerId: string,
  body: { url: string; events: ResellerEventType[]; rotateSecret?: boolean; lowStockDaysOfCover?: number },
  now: () => Date,
) => {
  const violation = webhookUrlViolation(body.url, config().stage);
  if (violation)
    throw new DomainError('VALIDATION_FAILED', `the webhook URL is not allowed: ${violation}`, [
      { path: 'body.url', message: violation },
    ]);
  const existing = await withStoreRetries(() => webhookStore.getEndpoint(resellerId));
  const at = now().toISOString();
  const fresh = !existing || body.rotateSecret === true;
  const secret = fresh ? newWebhookSecret() : existing.secret;
  const endpoint: WebhookEndpoint = {
    resellerId,
    url: body.url,
    events: [...new Set(body.events)],
    secret,
    ...(existing && body.rotateSecret
      ? {
          previousSecret: existing.secret,
          previousSecretExpiresAt: new Date(
            now().getTime() + SECRET_ROTATION_OVERLAP_SECONDS * 1000,
          ).toISOString(),
        }
      : existing?.previousSecret && existing.previousSecretExpiresAt
        ? {
            previousSecret: existing.previousSecret,
            previousSecretExpiresAt: existing.previousSecretExpiresAt,
          }
        : {}),
    secretCreatedAt: fresh ? at : (existing?.secretCreatedAt ?? at),
    ...(body.lowStockDaysOfCover !== undefined ? { lowStockDaysOfCover: body.lowStockDaysOfCover } : {}),
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
  try {
    await withStoreRetries(() => webhookStore.putEndpoint(endpoint, existing?.updatedAt));
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    throw new DomainError(
      'CONCURRENT_UPDATE',
      'the webhook endpoint was changed concurrently; read and retry',
    );
  }
  endpointCache.delete(resellerId);
  return endpointView(endpoint, fresh ? secret : undefined);
};

// ---- Recording events with their state change.

export interface EventDraft {
  readonly type: ResellerEventType;
  /** The business fact it reports (an order, a refund, a quota order): the event id follows from it. */
  readonly reference: string;
  readonly data: Record<string, unknown>;
}

export interface RecordedEvents {
  /** Transaction items for the store's write (empty when the reseller subscribes to none of them). */
  readonly items: ReturnType<typeof webhookStore.eventPut>[];
  readonly events: ResellerEvent[];
}

export const NO_EVENTS: RecordedEvents = { items: [], events: [] };

/**
 * The outbox items for events the reseller's endpoint subscribes to. A failure to read the endpoint never
 * stops the state change: it records no event (and says so in the log).
 */
export const eventsFor = async (
  resellerId: string,
  drafts: readonly EventDraft[],
  at: string,
): Promise<RecordedEvents> => {
  let endpoint: WebhookEndpoint | undefined;
  try {
    endpoint = await cachedEndpoint(resellerId);
  } catch (error) {
    logger.warn('could not read the webhook endpoint; no event recorded', {
      resellerId,
      error: String(error),
    });
    return NO_EVENTS;
  }
  return endpoint ? eventsForEndpoint(endpoint, drafts, at) : NO_EVENTS;
};

/** The outbox items for the drafts this endpoint subscribes to. */
export const eventsForEndpoint = (
  endpoint: WebhookEndpoint,
  drafts: readonly EventDraft[],
  at: string,
): RecordedEvents => {
  const { resellerId } = endpoint;
  const events = drafts
    .filter((draft) => endpoint.events.includes(draft.type))
    .map((draft) => ({
      eventId: resellerEventId(draft.type, draft.reference),
      resellerId,
      type: draft.type,
      createdAt: at,
      data: draft.data,
    }));
  return { items: events.map((event) => webhookStore.eventPut(event)), events };
};

/** `order.fulfilled`: the stamps of a sale (storefront or own channel), by serial. */
export const fulfilledEvent = (
  order: Pick<StorefrontOrder, 'orderId' | 'channel' | 'quantity' | 'amountIdr' | 'nikHash'>,
  serials: readonly string[],
  at: string,
): EventDraft => ({
  type: 'order.fulfilled',
  reference: order.orderId,
  data: {
    orderId: order.orderId,
    channel: channelOf(order),
    quantity: order.quantity,
    amountIdr: order.amountIdr ?? 0,
    serials: [...serials],
    fulfilledAt: at,
    buyer: buyerReference(order.nikHash),
  },
});

/** After the write committed: one message per event. A lost send is re-sent by the outbox sweeper. */
export const dispatchEvents = async (recorded: RecordedEvents): Promise<void> => {
  if (recorded.events.length > 0) crashPoint('webhooks:after-commit');
  await Promise.all(
    recorded.events.map((event) =>
      queues
        .sendResellerWebhook({ eventId: event.eventId, attempt: 0, dueAt: event.createdAt })
        .catch((error: unknown) =>
          logger.warn('could not enqueue a webhook event; the sweeper will', {
            eventId: event.eventId,
            error: String(error),
          }),
        ),
    ),
  );
};

// ---- Delivery.

const DELIVERY_TIMEOUT_MS = 5_000;

export type DeliveryOutcome =
  | 'DELIVERED'
  | 'RETRY_SCHEDULED'
  | 'DEAD_LETTERED'
  | 'CANCELLED'
  | 'NOT_DUE'
  | 'STALE'
  | 'ALREADY_FINAL'
  | 'NOT_FOUND';

const outcomeListeners = new Set<(eventId: string, outcome: DeliveryOutcome) => void>();
/** Tests watch what the consumer did (the real consumer, through the queue). */
export const onDeliveryOutcome = (listener: (eventId: string, outcome: DeliveryOutcome) => void) => {
  outcomeListeners.add(listener);
  return () => outcomeListeners.delete(listener);
};
const report = (eventId: string, outcome: DeliveryOutcome): DeliveryOutcome => {
  for (const listener of outcomeListeners) listener(eventId, outcome);
  return outcome;
};

const post = async (
  endpoint: WebhookEndpoint,
  event: StoredEvent,
  now: Date,
): Promise<{ ok: boolean; attempt: DeliveryAttempt }> => {
  const body = eventBody(event);
  const started = Date.now();
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'kuota-webhooks/1',
        'kuota-signature': signWithSecrets(
          signingSecrets(endpoint, now),
          body,
          Math.floor(now.getTime() / 1000),
        ),
        'kuota-event-id': event.eventId,
        'kuota-event-type': event.type,
      },
      body,
      // A redirect is not followed: the receiver is the URL the reseller registered, nothing else.
      redirect: 'manual',
      // A stopped (timed-out) invocation of the local runtime sends nothing more (invocation-deadline.ts).
      signal: boundToInvocation(AbortSignal.timeout(DELIVERY_TIMEOUT_MS)),
    });
    await response.body?.cancel().catch(() => undefined);
    return {
      ok: response.status >= 200 && response.status < 300,
      attempt: { at: now.toISOString(), durationMs: Date.now() - started, statusCode: response.status },
    };
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    return {
      ok: false,
      attempt: {
        at: now.toISOString(),
        durationMs: Date.now() - started,
        error: name === 'TimeoutError' ? 'timed out' : 'could not connect',
      },
    };
  }
};

/**
 * One delivery message: idempotent on the event and its attempt count (a duplicate message, or one made
 * stale by another attempt, does nothing). Any non-2xx answer, a timeout or a refused connection is retried.
 */
export const deliverEvent = async (
  message: { eventId: string; attempt: number; dueAt: string },
  now: () => Date = () => new Date(),
): Promise<DeliveryOutcome> => {
  const event = await withStoreRetries(() => webhookStore.getEvent(message.eventId));
  if (!event) return report(message.eventId, 'NOT_FOUND');
  if (deliveryIsFinal(event.status)) return report(event.eventId, 'ALREADY_FINAL');
  if (event.attemptCount !== message.attempt) return report(event.eventId, 'STALE');
  if (Date.parse(message.dueAt) > now().getTime() + 1_000) {
    // Delivered early (SQS delays stop at 900 s): on to the next hop.
    await queues.sendResellerWebhook(message);
    return report(event.eventId, 'NOT_DUE');
  }
  const endpoint = await withStoreRetries(() => webhookStore.getEndpoint(event.resellerId));
  const violation = endpoint ? webhookUrlViolation(endpoint.url, config().stage) : undefined;
  if (!endpoint?.events.includes(event.type) || violation) {
    const reason = !endpoint
      ? 'no webhook endpoint'
      : violation
        ? `URL not allowed: ${violation}`
        : `endpoint no longer subscribes to ${event.type}`;
    const recorded = await withStoreRetries(() =>
      webhookStore.recordAttempt(event, undefined, { status: 'CANCELLED', reason }),
    );
    return report(event.eventId, recorded === 'STALE' ? 'STALE' : 'CANCELLED');
  }
  const at = now();
  const { ok, attempt } = await post(endpoint, event, at);
  if (ok) {
    const recorded = await withStoreRetries(() =>
      webhookStore.recordAttempt(event, attempt, { status: 'DELIVERED', at: at.toISOString() }),
    );
    return report(event.eventId, recorded === 'STALE' ? 'STALE' : 'DELIVERED');
  }
  const next = nextAttemptAfterFailure(
    { attemptsSoFar: event.attemptCount + 1, windowStartsAt: event.windowStartsAt },
    at,
    {
      baseSeconds: config().resellerWebhookRetryBaseSeconds,
      windowSeconds: config().resellerWebhookRetryWindowSeconds,
    },
  );
  if (next.kind === 'GIVE_UP') {
    const recorded = await withStoreRetries(() =>
      webhookStore.recordAttempt(event, attempt, { status: 'DEAD_LETTERED', at: at.toISOString() }),
    );
    if (recorded === 'STALE') return report(event.eventId, 'STALE');
    await queues.deadLetterResellerWebhook({
      eventId: event.eventId,
      resellerId: event.resellerId,
      type: event.type,
      reason: `no 2xx answer in ${event.attemptCount + 1} attempts within the retry window`,
    });
    logger.warn('webhook event dead-lettered', { eventId: event.eventId, resellerId: event.resellerId });
    return report(event.eventId, 'DEAD_LETTERED');
  }
  const recorded = await withStoreRetries(() =>
    webhookStore.recordAttempt(event, attempt, { status: 'FAILING', nextAttemptAt: next.at.toISOString() }),
  );
  if (recorded === 'STALE') return report(event.eventId, 'STALE');
  await queues.sendResellerWebhook({
    eventId: event.eventId,
    attempt: event.attemptCount + 1,
    dueAt: next.at.toISOString(),
  });
  return report(event.eventId, 'RETRY_SCHEDULED');
};

// ---- The reseller's view: the delivery log and a manual retry.

const deliveryView = (event: StoredEvent) => ({
  eventId: event.eventId,
  type: event.type,
  createdAt: event.createdAt,
  status: event.status,
  attemptCount: event.attemptCount,
  attempts: (event.attempts ?? []).map((attempt) => ({ ...attempt })),
  ...(event.nextAttemptAt && !deliveryIsFinal(event.status) ? { nextAttemptAt: event.nextAttemptAt } : {}),
  ...(event.deliveredAt ? { deliveredAt: event.deliveredAt } : {}),
  ...(event.deadLetteredAt ? { deadLetteredAt: event.deadLetteredAt } : {}),
  ...(event.cancelledReason ? { cancelledReason: event.cancelledReason } : {}),
  data: event.data,
});

const CURSOR_PATTERN = /^\d{4}-\d{2}-\d{2}T[0-9:.]+Z#EV_[0-9A-Z]{26}$/;

export const listDeliveries = async (
  resellerId: string,
  query: { limit: number; cursor?: string; status?: DeliveryStatus },
) => {
  let before: string | undefined;
  if (query.cursor) {
    before = Buffer.from(query.cursor, 'base64url').toString('utf8');
    if (!CURSOR_PATTERN.test(before))
      throw new DomainError('VALIDATION_FAILED', 'the cursor is not one this API returned', [
        { path: 'query.cursor', message: 'must be a cursor returned by a previous page' },
      ]);
  }
  const page = await withStoreRetries(() =>
    webhookStore.listEventsOfReseller(resellerId, {
      limit: query.limit,
      ...(before ? { before } : {}),
      ...(query.status ? { status: query.status } : {}),
    }),
  );
  return {
    deliveries: page.events.map(deliveryView),
    ...(page.last ? { nextCursor: Buffer.from(page.last, 'utf8').toString('base64url') } : {}),
  };
};

/**
 * Delivers an event again now, with a fresh 24 h of retries: a dead-lettered or cancelled one, a failing one
 * without waiting for its backoff, or a delivered one (receivers dedupe on the event id). Another reseller's
 * event answers 404.
 */
export const retryDelivery = async (resellerId: string, eventId: string, now: () => Date) => {
  for (let round = 0; round < 5; round += 1) {
    const event = await withStoreRetries(() => webhookStore.getEvent(eventId));
    if (!event || event.resellerId !== resellerId) throw new NotFoundError('webhook event');
    const at = now().toISOString();
    if ((await withStoreRetries(() => webhookStore.reopen(event, at))) === 'STALE') continue;
    await queues.sendResellerWebhook({ eventId, attempt: event.attemptCount, dueAt: at });
    const reopened = await withStoreRetries(() => webhookStore.getEvent(eventId));
    if (!reopened) throw new NotFoundError('webhook event');
    return deliveryView(reopened);
  }
  throw new DomainError('CONCURRENT_UPDATE', 'the event is being delivered right now; retry in a moment');
};

/** Past its due time by this much, an event's message is taken for lost and sent again. */
const LOST_AFTER_MS = 2 * 60_000;

/** The outbox's safety net (scheduled): re-sends events whose message was lost (never sent, or dropped). */
export const sweepWebhookOutbox = async (now: () => Date = () => new Date()) => {
  const before = new Date(now().getTime() - LOST_AFTER_MS).toISOString();
  let resent = 0;
  for (let bucket = 0; bucket < WEBHOOK_WORK_BUCKETS; bucket += 1) {
    const overdue = await withStoreRetries(() => webhookStore.listOverdue(bucket, before, 100));
    for (const event of overdue) {
      if (deliveryIsFinal(event.status)) continue;
      // Due when it was due: the message is delivered at once.
      await queues.sendResellerWebhook({
        eventId: event.eventId,
        attempt: event.attemptCount,
        dueAt: event.nextAttemptAt ?? event.createdAt,
      });
      resent += 1;
    }
  }
  return { resent };
};
