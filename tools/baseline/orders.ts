import { createHmac, randomBytes } from 'node:crypto';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DomainError, NotFoundError } from '../../lib/domain/errors.js';
import { storefrontOrderIdOf } from '../../lib/domain/identifiers.js';
import { type GatewayCapture, type PaymentGateway, paymentView } from '../../lib/domain/payment-gateway.js';
import { jakartaDay } from '../../lib/domain/storefront-order.js';
import { logger } from '../../lib/logger.js';
import { idempotencyConfig, idempotencyPersistence } from './idempotency.js';
import { type BaselineOrder, baselineStore } from './store.js';

/**
 * The design a typical team writes first: the storefront's order endpoint reserves synchronously, in the
 * API handler, on one stock counter item per reseller, and answers 201 with the reservation and its QRIS
 * payment (or 409 at once). The payment webhook fulfils synchronously too. Powertools idempotency makes a
 * retried request (same Idempotency-Key) get the first answer.
 *
 * Deliberately not kuota's design, but not a straw man either: conditional single-item writes (no lost
 * updates, no oversell), the national per-NIK day cap, compensation when a later step fails, NIKs stored
 * only as their HMAC. What it does not have: a transaction across the counters and the order (a crash
 * between two writes leaves a counter off, as in most first versions), reservation expiry, refunds.
 */
export interface BaselineSettings {
  readonly gateway: PaymentGateway;
  readonly nikDailyCap: number;
  readonly reservationTtlSeconds: number;
  readonly serialKey: string;
  readonly now: () => Date;
}

export interface BaselineAnswer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

const refusal = (statusCode: number, code: string, message: string): BaselineAnswer => ({
  statusCode,
  body: { error: { code, message } },
});

export interface PlaceOrderRequest {
  /** `<resellerId>:<Idempotency-Key>`: what Powertools hashes into the idempotency record's id. */
  readonly key: string;
  /** What Powertools checks a retry against. */
  readonly payload: { readonly nikHash: string; readonly quantity: number };
  readonly resellerId: string;
}

const reserveNow = async (
  request: PlaceOrderRequest,
  settings: BaselineSettings,
): Promise<BaselineAnswer> => {
  const { resellerId } = request;
  const { nikHash, quantity } = request.payload;
  const now = settings.now();
  const day = jakartaDay(now);
  if (!(await baselineStore.takeNikAllowance(nikHash, day, quantity, settings.nikDailyCap))) {
    return refusal(409, 'BUYER_CAP_EXCEEDED', `at most ${settings.nikDailyCap} stamps per NIK per day`);
  }
  const reserved = await baselineStore.reserveStock(resellerId, quantity).catch(async (error: unknown) => {
    await baselineStore.returnNikAllowance(nikHash, day, quantity);
    throw error;
  });
  if (!reserved.ok) {
    await baselineStore.returnNikAllowance(nikHash, day, quantity);
    if (reserved.reason === 'NO_STOREFRONT') throw new NotFoundError('storefront');
    if (reserved.reason === 'CLOSED') return refusal(403, 'STOREFRONT_CLOSED', 'this storefront is closed');
    return refusal(409, 'SOLD_OUT', 'this storefront has no stamps left');
  }
  // A random id in the storefront order id format (the baseline shares kuota's routes and schemas).
  const orderId = storefrontOrderIdOf(BigInt(`0x${randomBytes(13).toString('hex')}`));
  const unitPriceIdr = reserved.stock.unitPriceIdr;
  const expiresAt = new Date(now.getTime() + settings.reservationTtlSeconds * 1000);
  try {
    const payment = await settings.gateway.createPayment({
      reference: orderId,
      amountIdr: unitPriceIdr * quantity,
      expiresAt,
      merchantName: reserved.stock.name,
    });
    const order: BaselineOrder = {
      orderId,
      resellerId,
      nikHash,
      day,
      quantity,
      status: 'RESERVED',
      unitPriceIdr,
      amountIdr: unitPriceIdr * quantity,
      createdAt: now.toISOString(),
      expiresAt: expiresAt.toISOString(),
      payment,
    };
    await baselineStore.putOrder(order);
    await baselineStore.putPaymentLookup(payment.paymentId, orderId);
    return {
      statusCode: 201,
      body: {
        orderId,
        status: 'RESERVED',
        quantity,
        unitPriceIdr,
        reservedUntil: order.expiresAt,
        payment: paymentView(payment),
      },
    };
  } catch (error) {
    // Compensate: give the stock and the buyer's allowance back, then fail the request.
    logger.warn('baseline order failed after reserving; compensating', { error: String(error) });
    await Promise.allSettled([
      baselineStore.releaseStock(resellerId, quantity),
      baselineStore.returnNikAllowance(nikHash, day, quantity),
    ]);
    throw error;
  }
};

let idempotentReserve:
  | ((request: PlaceOrderRequest, settings: BaselineSettings) => Promise<BaselineAnswer>)
  | undefined;

const translateIdempotencyError = (error: unknown): never => {
  if (error instanceof IdempotencyValidationError) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used with a different order',
    );
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    throw new DomainError('CONCURRENT_UPDATE', 'a request with this Idempotency-Key is in progress');
  }
  throw error;
};

export const placeBaselineOrder = async (
  input: { resellerId: string; idempotencyKey: string; nikHash: string; quantity: number },
  settings: BaselineSettings,
): Promise<BaselineAnswer> => {
  idempotentReserve ??= makeIdempotent(reserveNow, {
    persistenceStore: idempotencyPersistence(),
    config: idempotencyConfig(),
  });
  return idempotentReserve(
    {
      key: `${input.resellerId}:${input.idempotencyKey}`,
      payload: { nikHash: input.nikHash, quantity: input.quantity },
      resellerId: input.resellerId,
    },
    settings,
  ).catch(translateIdempotencyError);
};

export interface CaptureRequest {
  /** The gateway's event id: a redelivered webhook gets the first answer. */
  readonly key: string;
  readonly payload: { readonly paymentId: string; readonly capture: GatewayCapture };
}

/** The baseline's serials: an HMAC of (order, index) in base 36, unchecked for collisions (a typical first design). */
const deriveSerials = (key: string, orderId: string, quantity: number): string[] =>
  Array.from({ length: quantity }, (_, index) => {
    const mac = createHmac('sha256', key).update(`${orderId}:${index}`).digest();
    return BigInt(`0x${mac.subarray(0, 14).toString('hex')}`)
      .toString(36)
      .toUpperCase()
      .padStart(22, '0');
  });

const fulfilNow = async (request: CaptureRequest, settings: BaselineSettings): Promise<BaselineAnswer> => {
  const { paymentId, capture } = request.payload;
  const orderId = await baselineStore.findOrderIdByPayment(paymentId);
  if (!orderId) throw new NotFoundError('payment');
  const order = await baselineStore.getOrder(orderId, true);
  if (!order) throw new NotFoundError('order');
  if (order.status === 'FULFILLED')
    return { statusCode: 200, body: { received: true, outcome: 'ALREADY_PROCESSED' } };
  if (capture.amountIdr !== order.amountIdr || capture.occurredAt > order.expiresAt) {
    // No refund path in the baseline: the capture is left for a person to handle.
    logger.warn('baseline capture not applied', { orderId });
    return { statusCode: 200, body: { received: true, outcome: 'NOT_APPLIED' } };
  }
  const stamps = deriveSerials(settings.serialKey, orderId, order.quantity);
  const at = settings.now().toISOString();
  if (!(await baselineStore.fulfilOrder(orderId, stamps, capture.occurredAt, at))) {
    return { statusCode: 200, body: { received: true, outcome: 'ALREADY_PROCESSED' } };
  }
  await baselineStore.sellStock(order.resellerId, order.quantity);
  return { statusCode: 200, body: { received: true, outcome: 'FULFILLED' } };
};

let idempotentFulfil:
  | ((request: CaptureRequest, settings: BaselineSettings) => Promise<BaselineAnswer>)
  | undefined;

export const handleBaselineCapture = async (
  paymentId: string,
  capture: GatewayCapture,
  settings: BaselineSettings,
): Promise<BaselineAnswer> => {
  idempotentFulfil ??= makeIdempotent(fulfilNow, {
    persistenceStore: idempotencyPersistence(),
    config: idempotencyConfig(),
  });
  return idempotentFulfil(
    { key: `capture:${capture.eventId}`, payload: { paymentId, capture } },
    settings,
  ).catch(translateIdempotencyError);
};

export const baselineOrderView = async (resellerId: string, orderId: string) => {
  const order = await baselineStore.getOrder(orderId);
  if (!order || order.resellerId !== resellerId) throw new NotFoundError('order');
  return {
    orderId: order.orderId,
    resellerId: order.resellerId,
    status: order.status,
    quantity: order.quantity,
    unitPriceIdr: order.unitPriceIdr,
    ...(order.status === 'RESERVED'
      ? {
          reservedUntil: order.expiresAt,
          payment: paymentView(order.payment),
        }
      : {}),
    ...(order.stamps ? { stamps: order.stamps.map((serial) => ({ serial })) } : {}),
  };
};

/** Forget the wrapped use cases (their persistence layer) after the environment changed. */
export const resetBaselineOrders = (): void => {
  idempotentReserve = undefined;
  idempotentFulfil = undefined;
};
