import { createHmac, randomBytes } from 'node:crypto';
import { idFromIdempotencyKey } from './identifiers.js';

/**
 * Webhooks to a reseller's own systems: what happened to its orders, stock and quota, signed with the scheme
 * kuota itself verifies (`Kuota-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, one
 * v1 per valid secret during a rotation), delivered at least once with exponential backoff.
 */
export const RESELLER_EVENT_TYPES = [
  'order.reserved',
  'order.fulfilled',
  'order.refunded',
  'stock.low',
  'quota_order.paid',
  'quota_order.allocated',
  'stamping.completed',
] as const;
export type ResellerEventType = (typeof RESELLER_EVENT_TYPES)[number];

export const DELIVERY_STATUSES = ['PENDING', 'FAILING', 'DELIVERED', 'DEAD_LETTERED', 'CANCELLED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Delivered, dead-lettered or cancelled: no attempt follows (unless the reseller asks for one). */
export const deliveryIsFinal = (status: DeliveryStatus): boolean =>
  status === 'DELIVERED' || status === 'DEAD_LETTERED' || status === 'CANCELLED';

export interface ResellerEvent {
  readonly eventId: string;
  readonly resellerId: string;
  readonly type: ResellerEventType;
  readonly createdAt: string;
  readonly data: Record<string, unknown>;
}

/**
 * An event's id follows from what it reports (type and business reference: an order, a refund, a quota
 * order), so a write that is retried records the same event, never a second one; receivers dedupe on it.
 */
export const resellerEventId = (type: ResellerEventType, reference: string): string =>
  idFromIdempotencyKey('EV', type, reference);

/** The body a receiver gets (and the signature covers), byte for byte the same on every attempt. */
export const eventBody = (event: ResellerEvent): string =>
  JSON.stringify({
    id: event.eventId,
    type: event.type,
    createdAt: event.createdAt,
    resellerId: event.resellerId,
    data: event.data,
  });

/** A new signing secret, shown to the reseller once. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64url')}`;

/** After a rotation the previous secret still signs (a second v1) for this long, so receivers can switch. */
export const SECRET_ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;

/** `Kuota-Signature` with one v1 per secret: a receiver holding any of them verifies the delivery. */
export const signWithSecrets = (secrets: readonly string[], rawBody: string, unixSeconds: number): string =>
  [
    `t=${unixSeconds}`,
    ...secrets.map(
      (secret) => `v1=${createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex')}`,
    ),
  ].join(',');

/** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
export const signingSecrets = (
  endpoint: { secret: string; previousSecret?: string; previousSecretExpiresAt?: string },
  now: Date,
): string[] =>
  endpoint.previousSecret &&
  endpoint.previousSecretExpiresAt &&
  Date.parse(endpoint.previousSecretExpiresAt) > now.getTime()
    ? [endpoint.secret, endpoint.previousSecret]
    : [endpoint.secret];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Host names and literals that name the machine or a private network (never a reseller's public receiver). */
const PRIVATE_HOST =
  /^(localhost|.*\.localhost|.*\.internal|.*\.local|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|0\.0\.0\.0|\[.*\])$/i;

/**
 * Where kuota may deliver. The local stack delivers to loopback receivers only (http or https); a deployed
 * stage to public https URLs only, never to a private, link-local (the metadata service) or loopback host.
 * No credentials in the URL. The reason, or undefined when the URL is acceptable.
 */
export const webhookUrlViolation = (
  text: string,
  stage: 'local' | 'staging' | 'production',
): string | undefined => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.hash) return 'must not have a fragment';
  const host = url.hostname.toLowerCase();
  if (stage === 'local') {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
    if (!LOOPBACK_HOSTS.has(host))
      return 'the local stack delivers to loopback receivers only (127.0.0.1, localhost, [::1])';
    return undefined;
  }
  if (url.protocol !== 'https:') return 'must be an https URL';
  if (PRIVATE_HOST.test(host)) return 'must be a public host (not loopback, private or link-local)';
  return undefined;
};

/** Attempt `n` (1 = the first retry) waits base x 2^(n-1) seconds, at most 6 h. */
export const retryDelaySeconds = (retry: number, baseSeconds: number): number =>
  Math.min(6 * 3_600, baseSeconds * 2 ** Math.max(0, retry - 1));

/**
 * After a failed attempt: when to try next, or give up (dead-letter) when that would fall past the retry
 * window (24 h from when the event was recorded, or from the reseller's manual retry).
 */
export const nextAttemptAfterFailure = (
  input: { attemptsSoFar: number; windowStartsAt: string },
  now: Date,
  settings: { baseSeconds: number; windowSeconds: number },
): { kind: 'RETRY'; at: Date } | { kind: 'GIVE_UP' } => {
  const at = new Date(now.getTime() + retryDelaySeconds(input.attemptsSoFar, settings.baseSeconds) * 1000);
  const windowEnds = Date.parse(input.windowStartsAt) + settings.windowSeconds * 1000;
  return at.getTime() > windowEnds ? { kind: 'GIVE_UP' } : { kind: 'RETRY', at };
};

/**
 * Days of cover: how long on-hand stock lasts at the sales rate. The rate is the higher of the average since
 * the first sale (the first day counting as a whole day, as in the regulator's view) and the last 24 h's, so
 * a surge shows at once. No sales yet: no rate, no figure (undefined).
 */
export const daysOfCover = (input: {
  onHand: number;
  sold: number;
  firstSaleAt?: string;
  soldLast24h?: number;
  now: Date;
}): number | undefined => {
  if (!input.firstSaleAt || input.sold <= 0) return undefined;
  const days = Math.max(1, (input.now.getTime() - Date.parse(input.firstSaleAt)) / 86_400_000);
  const perDay = Math.max(input.sold / days, input.soldLast24h ?? 0);
  return perDay > 0 ? Math.round((input.onHand / perDay) * 100) / 100 : undefined;
};

/** Back above the threshold by this factor, a low-stock episode ends (so a figure hovering at it is one event). */
export const LOW_STOCK_RECOVERY_FACTOR = 1.25;

/**
 * The low-stock state's next step: LOW when the cover falls below the threshold (a stock.low event, once per
 * episode), OK again once it is back above threshold x 1.25, otherwise unchanged.
 */
export const lowStockStep = (
  isLow: boolean,
  cover: number | undefined,
  thresholdDays: number,
): 'BECOMES_LOW' | 'RECOVERS' | 'UNCHANGED' => {
  if (!isLow && cover !== undefined && cover < thresholdDays) return 'BECOMES_LOW';
  if (isLow && (cover === undefined || cover >= thresholdDays * LOW_STOCK_RECOVERY_FACTOR)) return 'RECOVERS';
  return 'UNCHANGED';
};
